import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Database } from './db/knex';
import { isDatabaseReachable } from './db/knex';
import { createPublicQueries } from './public/queries';
import { createPublicService } from './public/service';
import { createDataVersion, stampOf } from './db/data-version';
import { createAuthQueries } from './auth/queries';
import { createAuthService } from './auth/service';
import type { CurrentUser } from './auth/current-user';
import { transactorFor } from './db/transaction';
import { carriedPledgesPerVersion } from './reports/carried';
import { createReportService } from './reports/service';
import { createReviewService } from './review/service';
import { createReferenceData } from './reports/reference';
import { keptUsers } from './auth/kept-users';
import { createAdminService } from './admin/service';
import { createExportService } from './exports/service';
import { createStreamPool } from './exports/stream';
import { keptFilesIn } from './exports/kept-files';
import type { Logger } from './logger';
import { createMetrics } from './metrics';
import { listAuditEvents, listAuditVerbs, type AuditFilter } from './audit/queries';

/** Every service of the app, built once from the database handle. */
export function createServices(
  db: Database,
  options: {
    connectionString: string;
    /** The site's address as people open it: links in mails start with it. */
    publicUrl: string;
    /** Whether an SMTP server sends the outbox (else admins read it at /admin/outbox). */
    mailConfigured: boolean;
    logger?: Logger;
    /** False: read the public data and users versions per request instead of listening (most tests). */
    listenForChanges?: boolean;
    /** A download whose client reads nothing for this long is cut off (default 30 s). */
    downloadStallMs?: number;
    /** Where open-data files are kept per data version (a folder of this database's in it); unset, none are. */
    openDataFolder?: string;
  },
) {
  const transaction = transactorFor(db);
  const publicQueries = createPublicQueries(db);
  const publicDataVersion = createDataVersion({
    connectionString: options.connectionString,
    read: () => publicQueries.dataVersion(),
    logger: options.logger,
    listen: options.listenForChanges,
  });
  const reference = createReferenceData(db, publicDataVersion);
  const usersVersion = createDataVersion({
    connectionString: options.connectionString,
    channel: 'users_version',
    applicationName: 'alliance-tracker-users-listener',
    read: () => createAuthQueries(db).usersVersion(),
    logger: options.logger,
    listen: options.listenForChanges,
  });
  // What report pages and the review queue show besides their reports moves with these two.
  const pageVersions = stampOf([publicDataVersion, usersVersion]);
  const carriedPledges = carriedPledgesPerVersion(db, publicDataVersion);
  const metrics = createMetrics(db);
  return {
    health: { isDatabaseReachable: () => isDatabaseReachable(db) },
    publicPages: createPublicService(publicQueries, publicDataVersion),
    auth: createAuthService(transaction, { publicUrl: options.publicUrl }),
    reports: createReportService(db, reference, pageVersions, carriedPledges),
    review: createReviewService(db, reference, { publicUrl: options.publicUrl, versionsStamp: pageVersions, carriedPledges }),
    admin: createAdminService(transaction, { publicUrl: options.publicUrl, mailConfigured: options.mailConfigured }),
    exports: createExportService(db, createStreamPool(options.connectionString, options.logger), {
      stalledAfterMs: options.downloadStallMs,
      // A folder of each database's: the files of one never removed as stale by an app of another.
      keptFiles: keptFilesIn(
        options.openDataFolder &&
          path.join(options.openDataFolder, createHash('sha256').update(options.connectionString).digest('hex').slice(0, 16)),
        { logger: options.logger, onSent: metrics.openDataFileSent, stalledAfterMs: options.downloadStallMs },
      ),
    }),
    audit: { list: (filter: AuditFilter) => listAuditEvents(db, filter), verbs: () => listAuditVerbs(db) },
    currentUser: keptUsers(usersVersion, async (id: number): Promise<CurrentUser | undefined> => {
      const user = await createAuthQueries(db).findActiveUser(id);
      return user && { id: user.id, email: user.email, name: user.name, role: user.role, countryCode: user.country_code };
    }),
    metrics,
    /** Moves with every change to what a user lookup reads (see ./auth/kept-users). */
    usersVersion,
    /** Closes the connections the services hold beside the knex pool. */
    close: async () => {
      await Promise.all([publicDataVersion.close(), usersVersion.close()]);
    },
  };
}

export type Services = ReturnType<typeof createServices>;
