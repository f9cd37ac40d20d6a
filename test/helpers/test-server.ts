import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { projectRoot } from '../../src/paths';
import { freePort } from './net';

// Where the test databases live: TEST_DATABASE_URL's server, else DATABASE_URL's server
// (in a database of its own, so development data is never touched), else a throw-away
// embedded PostgreSQL. Every test file gets its own clone of a migrated, seeded template.

export type TestServer = {
  /** Connection string for a database on the test server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
};

function fromUrl(url: string): TestServer {
  return {
    urlFor(database) {
      const parsed = new URL(url);
      parsed.pathname = `/${encodeURIComponent(database)}`;
      return parsed.toString();
    },
    stop: () => Promise.resolve(),
  };
}

export async function startTestServer(): Promise<TestServer> {
  const configured = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (configured) return fromUrl(configured);
  const dataDir = path.join(projectRoot, '.data', `test-postgres-${process.pid}`);
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false, log: () => undefined });
  return {
    urlFor: (name: string) => server.urlFor(name),
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(`${dataDir}.password`, { force: true });
    },
  };
}
