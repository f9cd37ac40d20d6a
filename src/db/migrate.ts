import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Database } from './knex';

// Migrations sit in /migrations, compiled next to this file's output in dist/. Under ts
// (tests) the .ts sources load, under node the compiled .js. Their recorded names carry
// no extension, so a database migrated by either is the same to both.
const directory = path.join(__dirname, '..', '..', 'migrations');
const extension = path.extname(__filename);

type Migration = { up: (knex: Knex) => Promise<void>; down: (knex: Knex) => Promise<void> };

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: () =>
    Promise.resolve(
      readdirSync(directory)
        .filter((file) => file.endsWith(extension) && !file.endsWith('.d.ts'))
        .map((file) => path.basename(file, extension))
        .sort(),
    ),
  getMigrationName: (name) => name,
  // Loaded with require: migrations are CommonJS here, compiled by tsc or by SWC in tests.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  getMigration: (name) => Promise.resolve(require(path.join(directory, `${name}${extension}`)) as Migration),
};

const migrationConfig: Knex.MigratorConfig = { migrationSource, tableName: 'knex_migrations' };

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
