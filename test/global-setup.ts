import pg from 'pg';
import { createDatabase } from '../src/db/knex';
import { migrateToLatest } from '../src/db/migrate';
import { seedReferenceData } from '../src/db/seed';
import { startTestServer } from './helpers/test-server';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS build script
const { buildAssets } = require('../scripts/build-assets.js') as { buildAssets: () => void };

/** Migrates and seeds one template database per run; test files clone it. */
export default async function globalSetup(): Promise<void> {
  // The pages' stylesheet, as `npm run build` makes it: the browser tests measure layouts.
  buildAssets();
  const server = await startTestServer();
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const template = `alliance_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: server.urlFor('postgres') });
  await admin.connect();
  await admin.query(`create database ${admin.escapeIdentifier(template)}`);
  await admin.end();

  const db = createDatabase(server.urlFor(template));
  try {
    await migrateToLatest(db);
    await seedReferenceData(db);
  } finally {
    await db.destroy();
  }
  (globalThis as Record<string, unknown>).__allianceTestServer = server;
  process.env.ALLIANCE_TEST_ADMIN_URL = server.urlFor('postgres');
  process.env.ALLIANCE_TEST_TEMPLATE = template;
  process.env.ALLIANCE_TEST_RUN = runId;
}
