import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Request, Response } from 'express';
import { varyByLanguage } from '../i18n';
import { acceptsGzip } from '../web/per-header-value';

/**
 * A page as sent: plain and gzipped once, so no reader's request compresses anything; and,
 * once it has been sent, the response headers it went with (see rememberHeaders).
 */
export type CachedPage = {
  version: number;
  etag: string;
  type: string;
  body: Buffer;
  gzipped: Buffer;
  head?: { plain: string[]; gzipped: string[] };
};

export const cachedPage = (version: number, etag: string, type: string, text: string): CachedPage => {
  const body = Buffer.from(text);
  return { version, etag, type, body, gzipped: gzipSync(body) };
};

/** Headers that belong to one response, not to the page. */
const PER_RESPONSE = new Set(['x-request-id', 'set-cookie', 'content-length', 'content-encoding', 'date']);

/**
 * Keeps the headers a page was first sent with (the security headers, caching, language,
 * type) as flat lists for both encodings, so the early path (sendKept) writes them at once
 * without running the middleware that set them.
 */
export function rememberHeaders(page: CachedPage, res: Response): void {
  const shared = Object.entries(res.getHeaders()).flatMap(([name, value]) =>
    PER_RESPONSE.has(name) || value === undefined ? [] : [name, Array.isArray(value) ? value.join(', ') : String(value)],
  );
  page.head = {
    plain: [...shared, 'content-length', String(page.body.length)],
    gzipped: [...shared, 'content-encoding', 'gzip', 'content-length', String(page.gzipped.length)],
  };
}

/** Sends a kept page with the headers it was first sent with and this response's id (an unconditional GET or HEAD). */
export function sendKept(req: Request, res: Response, page: CachedPage, head: NonNullable<CachedPage['head']>, requestId: string): void {
  const gzip = acceptsGzip(req);
  res.writeHead(200, [...(gzip ? head.gzipped : head.plain), 'x-request-id', requestId]);
  res.end(req.method === 'HEAD' ? undefined : gzip ? page.gzipped : page.body);
}

/** How many bytes an entry counts for, and how many the cache may hold in all (unbounded without). */
export type CacheSizing<Entry> = { sizeOf: (entry: Entry) => number; maxBytes?: number };

/** What a cache holds: entries, and bytes as its `sizeOf` counts them (for /metrics). */
export type CacheHeld = { entries: number; bytes: number };

/** What a kept page counts for: its bytes, plain and gzipped. */
export const pageBytes = (page: CachedPage) => page.body.length + page.gzipped.length;

/**
 * Rendered public pages (and the map and the feed, and the pages' content without the
 * layout), kept per key with the public data version they were rendered at. An entry is
 * used only while that version is still the current one, so an acceptance or an admin
 * edit anywhere (any instance) makes it render afresh.
 *
 * Bounded by count and, given `maxBytes`, by bytes: the compiled report of a cycle grows
 * with its updates (22 MB of HTML for a cycle of 48,000 on the growth data), and twelve of
 * them (four cycles in three languages) held 1.1 GB. The least recently used go first; an
 * entry bigger than `maxBytes` is sent but not kept.
 */
export function createPageCache<Entry extends { version: number | string } = CachedPage>(maxEntries = 500, sizing?: CacheSizing<Entry>) {
  const entries = new Map<string, { entry: Entry; bytes: number }>();
  let bytes = 0;
  const remove = (key: string) => {
    const kept = entries.get(key);
    if (!kept) return;
    entries.delete(key);
    bytes -= kept.bytes;
  };
  return {
    get(key: string, version: Entry['version']): Entry | undefined {
      const hit = entries.get(key);
      if (!hit || hit.entry.version !== version) return undefined;
      // Least recently used goes first: move the hit to the end.
      entries.delete(key);
      entries.set(key, hit);
      return hit.entry;
    },
    set(key: string, entry: Entry): Entry {
      remove(key);
      const size = sizing ? sizing.sizeOf(entry) : 0;
      const maxBytes = sizing?.maxBytes ?? Infinity;
      if (maxEntries === 0 || size > maxBytes) return entry;
      entries.set(key, { entry, bytes: size });
      bytes += size;
      // A Map iterates in insertion order: the first key is the least recently used.
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries && bytes <= maxBytes) break;
        remove(oldest);
      }
      return entry;
    },
    size: (): CacheHeld => ({ entries: entries.size, bytes }),
  };
}

/**
 * One render at a time per key: a request that finds the same page being rendered (the
 * same key, at the same data version) waits for that render instead of starting its own.
 * Twenty readers arriving together after a change cost one render, not twenty — for the
 * compiled report of a large cycle, one second of CPU and 240 MB each.
 */
export function oneRenderPerKey<T>() {
  const rendering = new Map<string, Promise<T>>();
  return (key: string, render: () => Promise<T>): Promise<T> => {
    let pending = rendering.get(key);
    if (!pending) {
      pending = render().finally(() => rendering.delete(key));
      rendering.set(key, pending);
    }
    return pending;
  };
}

/** A weak ETag of the data version and the page's path: the same for every instance. */
export const etagFor = (path: string, version: number) =>
  `W/"${version}-${createHash('sha1').update(path).digest('base64url').slice(0, 16)}"`;

/**
 * Sends a public page with its caching headers, or 304 to a conditional request that has
 * it. The page is sent as it is kept (plain or gzipped): no work per request but headers.
 */
export function sendPublic(req: Request, res: Response, cacheSeconds: number, etag: string, page?: CachedPage): boolean {
  res.setHeader('Cache-Control', `public, max-age=${cacheSeconds}`);
  res.setHeader('ETag', etag);
  varyByLanguage(res);
  if (req.fresh) {
    res.status(304).end();
    return true;
  }
  if (!page) return false;
  const gzip = acceptsGzip(req);
  const body = gzip ? page.gzipped : page.body;
  res.setHeader('Content-Type', page.type);
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  res.setHeader('Content-Length', body.length);
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
