import pino from 'pino';
import { createApp } from '../../src/app';
import { createSessionStore } from '../../src/auth/session';
import type { Database } from '../../src/db/knex';
import type { Logger } from '../../src/logger';
import type { Express } from 'express';
import { createServices, type Services } from '../../src/services';

// What each test app holds open beside the test database's knex pool: its session
// store's pool and its services' connections (the public data version's LISTEN).
/** Where mails' links point in tests: never the address a request came in on. */
export const TEST_PUBLIC_URL = 'https://tracker.example.test';

const opened: Array<{ url: string; close: () => Promise<void> }> = [];
const servicesOfApp = new WeakMap<Express, Services>();

/** The services a test app was built with, for tests that must see inside (the data version). */
export const servicesOf = (app: Express): Services => servicesOfApp.get(app)!;

/**
 * The real app, wired to a test database (sessions included), with logs silenced.
 * Unless `listen` is set, it reads the public data version on every public page instead
 * of learning it from notifications a moment after each commit: tests write with the
 * factories and read at once, and must not race the notification.
 */
export function buildTestApp(
  database: { db: Database; url: string },
  options: {
    production?: boolean;
    listen?: boolean;
    trustProxy?: false | number | string;
    metricsToken?: string;
    pageCacheEntries?: number;
    pageCacheBytes?: number;
    /** Where the app logs (silent unless TEST_LOG_LEVEL says otherwise). */
    logger?: Logger;
    /** Where open-data files are kept; unset (most tests), every download is written anew. */
    openDataFolder?: string;
    /** A download whose client reads nothing for this long is cut off (default 30 s). */
    downloadStallMs?: number;
  } = {},
) {
  const sessionStore = createSessionStore(database.url, { pruneExpired: false, listen: options.listen ?? false });
  const services = createServices(database.db, {
    connectionString: database.url,
    publicUrl: TEST_PUBLIC_URL,
    mailConfigured: false,
    listenForChanges: options.listen ?? false,
    openDataFolder: options.openDataFolder,
    downloadStallMs: options.downloadStallMs,
    logger: options.logger,
  });
  opened.push({
    url: database.url,
    close: async () => {
      await Promise.all([sessionStore.close?.(), services.close()]);
    },
  });
  const app = createApp(services, {
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    production: options.production ?? false,
    cacheViews: true,
    publicCacheSeconds: 60,
    sessionStore,
    sessionSecret: 'test-session-secret-that-is-long-enough',
    // Lets tests speak for other client addresses through X-Forwarded-For.
    trustProxy: options.trustProxy ?? 'loopback',
    metricsToken: options.metricsToken,
    pageCacheEntries: options.pageCacheEntries,
    pageCacheBytes: options.pageCacheBytes,
  });
  servicesOfApp.set(app, services);
  return app;
}

/** Closes what test apps hold open: those on one database, or all of them. */
export async function closeTestApps(url?: string): Promise<void> {
  const closing = opened.filter((entry) => url === undefined || entry.url === url);
  for (const entry of closing) opened.splice(opened.indexOf(entry), 1);
  await Promise.all(closing.map((entry) => entry.close()));
}
