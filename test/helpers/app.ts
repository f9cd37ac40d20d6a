import pino from 'pino';
import { createApp } from '../../src/app';
import { createSessionStore, type SessionStore } from '../../src/auth/session';
import type { Database } from '../../src/db/knex';
import { createServices } from '../../src/services';

const stores: Array<{ url: string; store: SessionStore }> = [];

/** The real app, wired to a test database (sessions included), with logs silenced. */
export function buildTestApp(database: { db: Database; url: string }, options: { production?: boolean } = {}) {
  const sessionStore = createSessionStore(database.url, { pruneExpired: false });
  stores.push({ url: database.url, store: sessionStore });
  return createApp(createServices(database.db, { connectionString: database.url }), {
    logger: pino({ level: 'silent' }),
    production: options.production ?? false,
    cacheViews: true,
    publicCacheSeconds: 60,
    sessionStore,
    sessionSecret: 'test-session-secret-that-is-long-enough',
    // Lets tests speak for other client addresses through X-Forwarded-For.
    trustProxy: 'loopback',
  });
}

/** Closes the session stores' pools: those of one database, or all of them. */
export async function closeTestStores(url?: string): Promise<void> {
  const closing = stores.filter((entry) => url === undefined || entry.url === url);
  for (const entry of closing) stores.splice(stores.indexOf(entry), 1);
  await Promise.all(closing.map((entry) => entry.store.close?.()));
}
