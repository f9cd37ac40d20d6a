import type { Database } from './db/knex';
import { isDatabaseReachable } from './db/knex';
import { createPublicQueries } from './public/queries';
import { createPublicService } from './public/service';

/** Every service of the app, built once from the database handle. */
export function createServices(db: Database) {
  return {
    health: { isDatabaseReachable: () => isDatabaseReachable(db) },
    publicPages: createPublicService(createPublicQueries(db)),
  };
}

export type Services = ReturnType<typeof createServices>;
