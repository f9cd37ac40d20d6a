import pg from 'pg';
import type { TestServer } from './helpers/test-server';

export default async function globalTeardown(): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.ALLIANCE_TEST_ADMIN_URL });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [
    `alliance_%${process.env.ALLIANCE_TEST_RUN}%`,
  ]);
  for (const { datname } of rows) await admin.query(`drop database if exists ${admin.escapeIdentifier(datname)} with (force)`);
  await admin.end();
  await ((globalThis as Record<string, unknown>).__allianceTestServer as TestServer | undefined)?.stop();
}
