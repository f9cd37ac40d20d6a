import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/db/knex';
import { closeTestApps } from './app';

export type TestDatabase = { db: Database; url: string; name: string; drop(): Promise<void> };

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.ALLIANCE_TEST_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(name: string): string {
  const url = new URL(process.env.ALLIANCE_TEST_ADMIN_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A database of this test file's own: a copy of the migrated and seeded template
 * (or an empty one, for migration tests). Drop it in afterAll.
 */
async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `alliance_t_${process.env.ALLIANCE_TEST_RUN}_${randomBytes(4).toString('hex')}`;
  await admin((client) =>
    client.query(
      options.empty
        ? `create database ${client.escapeIdentifier(name)}`
        : `create database ${client.escapeIdentifier(name)} template ${client.escapeIdentifier(process.env.ALLIANCE_TEST_TEMPLATE!)}`,
    ),
  );
  const url = databaseUrl(name);
  const db = createDatabase(url);
  return {
    db,
    url,
    name,
    async drop() {
      await db.destroy();
      await admin((client) => client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`));
    },
  };
}

/**
 * Registers beforeAll/afterAll for a database of this file's own and returns a handle
 * whose fields are read lazily, so tests can use `database.db` directly.
 */
export function useTestDatabase(options: { empty?: boolean } = {}): TestDatabase {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase(options);
  });
  afterAll(async () => {
    if (current) await closeTestApps(current.url);
    await current?.drop();
  });
  const get = () => {
    if (!current) throw new Error('The test database exists only inside tests and hooks.');
    return current;
  };
  return {
    get db() {
      return get().db;
    },
    get url() {
      return get().url;
    },
    get name() {
      return get().name;
    },
    drop: () => get().drop(),
  };
}
