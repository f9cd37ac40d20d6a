import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded';
import { createDatabase, type Database } from './knex';

export type OpenedDatabase = {
  db: Database;
  /** The connection string, for the few clients that need their own pool (sessions). */
  url: string;
  /** Closes the pool, then stops the embedded server if we started one. */
  close(): Promise<void>;
};

const EMBEDDED_DATABASE = 'alliance';

/**
 * Connects to DATABASE_URL, or, when it is unset, starts the embedded PostgreSQL whose
 * data lives under DATA_DIR so that a second start finds everything where it was.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<OpenedDatabase> {
  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  if (!url) {
    const dataDir = path.join(config.dataDir, 'postgres');
    logger.info({ dataDir, port: config.embeddedPostgresPort }, 'no DATABASE_URL: starting the embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({
      dataDir,
      port: config.embeddedPostgresPort,
      persistent: true,
      log: (message) => {
        logger.debug({ source: 'postgres' }, message);
      },
    });
    await embedded.createDatabaseIfMissing(EMBEDDED_DATABASE);
    url = embedded.urlFor(EMBEDDED_DATABASE);
  }
  const db = createDatabase(url, config.database, logger);
  return {
    db,
    url,
    async close() {
      await db.destroy();
      await embedded?.stop();
    },
  };
}
