import path from 'node:path';
import { createApp, createHttpServer } from './app';
import { ConfigError, loadConfig } from './config';
import { migrateToLatest } from './db/migrate';
import { openDatabase } from './db/open';
import { seedReferenceData } from './db/seed';
import { createLogger } from './logger';
import { createServices } from './services';
import { createSessionStore } from './auth/session';
import { sendReminders } from './mail/notices';
import { createMailSender, smtpTransport } from './mail/sender';
import { prepareOpenDataWhenQuiet } from './exports/prepare-open-data';

const SHUTDOWN_GRACE_MS = 10_000;
/** How often the outbox is looked at for mail due. */
const MAIL_INTERVAL_MS = 5_000;
/** How often reminders due are looked for (they are due by the day). */
const REMINDER_INTERVAL_MS = 3_600_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config, logger);
  const migrations = await migrateToLatest(database.db);
  const seeded = await seedReferenceData(database.db);
  logger.info({ migrations, seeded }, 'database ready');

  const sessionStore = createSessionStore(database.url, { pruneExpired: true, listen: true, logger });
  const services = createServices(database.db, {
    connectionString: database.url,
    publicUrl: config.publicUrl,
    mailConfigured: config.mail.smtpUrl !== undefined,
    downloadStallMs: config.downloadStallMs,
    openDataFolder: path.join(config.dataDir, 'open-data'),
    logger,
  });
  // Without an SMTP server, mail waits in the outbox (admins read it at /admin/outbox).
  const mailSender =
    config.mail.smtpUrl === undefined
      ? undefined
      : createMailSender({
          db: database.db,
          transport: smtpTransport(config.mail.smtpUrl),
          from: config.mail.from,
          logger,
          messageIdDomain: new URL(config.publicUrl).hostname,
        });
  mailSender?.start(MAIL_INTERVAL_MS);
  // Reminders before due dates and when overdue: each goes once, whichever instance runs first.
  const remind = () =>
    sendReminders(database.db, { publicUrl: config.publicUrl }).catch((error: unknown) => {
      logger.error({ err: error }, 'reminders failed');
    });
  const reminders = setInterval(() => void remind(), REMINDER_INTERVAL_MS);
  reminders.unref();
  void remind();
  const openDataPreparer =
    config.openDataPrepareMs > 0
      ? prepareOpenDataWhenQuiet(services.exports, {
          quietMs: config.openDataPrepareMs,
          logger,
          onPrepared: services.metrics.openDataPrepared,
        })
      : undefined;
  const app = createApp(services, {
    logger,
    production: config.env === 'production',
    cacheViews: config.env !== 'development',
    publicCacheSeconds: config.publicCacheSeconds,
    pageCacheEntries: config.pageCacheEntries,
    pageCacheBytes: config.pageCacheBytes,
    sessionStore,
    sessionSecret: config.sessionSecret,
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
  });
  const server = createHttpServer(app, config.http);
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    logger.info({ port }, 'listening');
    process.stdout.write(`\nAlliance tracker is running at http://${host}:${port}/\n\n`);
  });
  server.on('error', async (error) => {
    logger.fatal({ err: error }, 'could not listen');
    await database.close();
    process.exit(1);
  });

  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then close the pool
  // and the embedded server. A request still running after the grace period is cut.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.warn('grace period over: closing remaining connections');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS - 2000);
    force.unref();
    server.close(async () => {
      clearTimeout(force);
      await sessionStore.close?.();
      clearInterval(reminders);
      openDataPreparer?.stop();
      await mailSender?.stop();
      await services.close();
      await database.close().catch((error: unknown) => {
        logger.error({ err: error }, 'error while closing the database');
      });
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`\nCould not start the Alliance tracker:\n${message}\n\n`);
  process.exit(1);
});
