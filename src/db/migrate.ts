import path from 'node:path';
import type { Knex } from 'knex';
import type { Database } from './knex';

// Migrations sit in /migrations, compiled next to this file's output in dist/. Under
// ts (tests) we load the .ts sources, under node the compiled .js.
const migrationConfig: Knex.MigratorConfig = {
  directory: path.join(__dirname, '..', '..', 'migrations'),
  loadExtensions: [path.extname(__filename)],
  tableName: 'knex_migrations',
};

/** Applies every pending migration; returns the names applied. */
export async function migrateToLatest(db: Database): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]];
  return applied;
}

/** Rolls back every migration (used by tests of the down migrations). */
export async function rollbackAll(db: Database): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(migrationConfig, true)) as [number, string[]];
  return reverted;
}
