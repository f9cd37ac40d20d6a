import pino from 'pino';
import { createApp } from '../../src/app';
import type { Database } from '../../src/db/knex';
import { createServices } from '../../src/services';

/** The real app, wired to a test database, with logs silenced. */
export function buildTestApp(db: Database) {
  return createApp(createServices(db), { logger: pino({ level: 'silent' }), production: false, publicCacheSeconds: 60 });
}
