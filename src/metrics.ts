import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import client from 'prom-client';
import type { Database } from './db/knex';
import { outboxBacklog } from './mail/outbox';
import type { CacheHeld } from './public/page-cache';

// GET /metrics in Prometheus' text format: request durations by route and status, the
// public page cache's hits and misses and what it holds, open-data files sent kept or
// written and the time to write them ahead, the database pool, the mail outbox, and the
// process. Not public: it answers only with METRICS_TOKEN as a bearer token (404 when no
// token is configured).

type PoolStats = { numUsed(): number; numFree(): number; numPendingAcquires(): number };

export function createMetrics(db: Database) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requests = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request, by method, route (the route pattern, never the raw address) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const pageCache = new client.Counter({
    name: 'page_cache_lookups_total',
    help: 'Public pages looked up in the rendered-page cache, by result (hit or miss).',
    labelNames: ['result'] as const,
    registers,
  });
  const openDataFiles = new client.Counter({
    name: 'open_data_files_sent_total',
    help: 'Open-data files sent, by source: kept (read from disk, as kept for the data version) or written (by the database, and kept when whole).',
    labelNames: ['source'] as const,
    registers,
  });
  const openDataPreparations = new client.Histogram({
    name: 'open_data_preparation_seconds',
    help: 'Time to write every open-data file of a new public data version ahead of its first download (OPEN_DATA_PREPARE_SECONDS).',
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  // What the public page caches hold (PAGE_CACHE_ENTRIES, PAGE_CACHE_MB), once the site says how to ask.
  let pageCaches: (() => Record<string, CacheHeld>) | undefined;
  for (const [held, help] of [
    ['bytes', 'Bytes the public page caches hold, as their budget (PAGE_CACHE_MB) counts them: the pages, and their contents.'],
    ['entries', 'Pages the public page caches hold: the pages, and their contents.'],
  ] as const)
    new client.Gauge({
      name: `page_cache_${held}`,
      help,
      labelNames: ['cache'] as const,
      registers,
      collect() {
        for (const [cache, size] of Object.entries(pageCaches?.() ?? {})) this.set({ cache }, size[held]);
      },
    });
  new client.Gauge({
    name: 'db_pool_connections',
    help: 'Connections of the database pool: used, free, and requests waiting for one.',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const pool = (db.client as { pool?: PoolStats }).pool;
      if (!pool) return;
      this.set({ state: 'used' }, pool.numUsed());
      this.set({ state: 'free' }, pool.numFree());
      this.set({ state: 'waiting' }, pool.numPendingAcquires());
    },
  });
  new client.Gauge({
    name: 'outbox_waiting_messages',
    help: 'Mail in the outbox not sent yet.',
    registers,
    async collect() {
      this.set((await outboxBacklog(db)).waiting);
    },
  });
  new client.Gauge({
    name: 'outbox_oldest_waiting_seconds',
    help: 'Age of the oldest mail not sent yet (0 when none waits).',
    registers,
    async collect() {
      this.set((await outboxBacklog(db)).oldestSeconds);
    },
  });

  /** Times every request; the route is the matched pattern, else 'unmatched' (a kept page is timed by cachedPageSent). */
  const observeRequests: RequestHandler = (req, res, next) => {
    const stop = requests.startTimer();
    res.once('finish', () => {
      const route = req.route ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}` : 'unmatched';
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };

  return {
    observeRequests,
    /** How to ask the public page caches what they hold. */
    watchPageCaches: (held: () => Record<string, CacheHeld>) => {
      pageCaches = held;
    },
    pageCacheLookup: (hit: boolean) => {
      pageCache.inc({ result: hit ? 'hit' : 'miss' });
    },
    openDataFileSent: (source: 'kept' | 'written') => {
      openDataFiles.inc({ source });
    },
    openDataPrepared: ({ ms }: { ms: number }) => {
      openDataPreparations.observe(ms / 1000);
    },
    /** A cached page sent by the early path, which runs before observeRequests. */
    cachedPageSent: (method: string, seconds: number) => {
      pageCache.inc({ result: 'hit' });
      requests.observe({ method, route: 'public-cache', status: '200' }, seconds);
    },
    /** The endpoint: the token, compared in constant time, or nothing. */
    endpoint(token: string | undefined): RequestHandler {
      return async (req, res) => {
        const given = Buffer.from(/^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '');
        const expected = Buffer.from(token ?? '');
        res.set('Cache-Control', 'no-store');
        if (!token) {
          res.status(404).type('text/plain').send('Not found\n');
          return;
        }
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          res.status(401).set('WWW-Authenticate', 'Bearer').type('text/plain').send('Unauthorized\n');
          return;
        }
        res.type(registry.contentType).send(await registry.metrics());
      };
    },
  };
}
