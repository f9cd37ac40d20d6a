import type { Logger } from '../logger';
import { createListener } from './listener';

export type DataVersion = {
  /** The current version if a live LISTEN connection vouches for it, else undefined. */
  known(): number | undefined;
  /** The current version: the known one, or read from the database (and start listening). */
  current(): Promise<number>;
  close(): Promise<void>;
};

type Options = {
  connectionString: string;
  /** The one-row table holding the version, whose trigger notifies a channel of the same name (default: public_data_version). */
  channel?: 'public_data_version' | 'users_version';
  /** How the listening connection shows in pg_stat_activity (default: alliance-tracker-listener). */
  applicationName?: string;
  /** Reads the version with a query, for when no LISTEN connection vouches for it. */
  read: () => Promise<number>;
  logger?: Logger;
  /** False: never listen, read the version on every call (tests that write and read at once). */
  listen?: boolean;
  /** How often the listening connection re-reads the version, which also proves it alive. */
  checkEveryMs?: number;
  retryMs?: number;
};

/**
 * Knows a version counter without a query per request — the public data version (what
 * public pages show) or the users version (what a signed-in request reads about its user):
 * one connection LISTENs on the channel the counter's trigger notifies (migrations
 * ...000100_notify_public_data_version and ...001300_users_version) and keeps the latest
 * version. The connection re-reads the version every few seconds, so
 * a connection that died silently is noticed and a missed notification is caught up.
 * While no connection is listening (not yet started, lost, reconnecting), the version is
 * unknown and callers read it from the database: never a stale answer because of an outage.
 *
 * Started lazily on the first current(), so a process that serves no page (the CLI, most
 * tests) never opens the connection.
 */
export function createDataVersion(options: Options): DataVersion {
  const channel = options.channel ?? 'public_data_version';
  let version: number | undefined;
  // Notifications that arrive before a listening connection's first read are not lost: the read and they are merged.
  let latest = 0;
  const listener = createListener({
    connectionString: options.connectionString,
    channel,
    applicationName: options.applicationName ?? 'alliance-tracker-listener',
    logger: options.logger,
    checkEveryMs: options.checkEveryMs,
    retryMs: options.retryMs,
    onMessage: (payload) => {
      latest = Math.max(latest, Number(payload));
      if (version !== undefined) version = Math.max(version, latest);
    },
    read: async (connection) =>
      Number((await connection.query<{ version: string }>(`select version from ${channel}`)).rows[0]?.version ?? 0),
    onRead: (read, first) => {
      latest = Math.max(latest, read);
      version = first ? latest : Math.max(version ?? 0, read);
    },
    onLost: () => {
      version = undefined;
      latest = 0;
    },
  });

  return {
    known: () => version,
    async current() {
      if (version !== undefined) return version;
      if (options.listen !== false) listener.start();
      return options.read();
    },
    close: () => listener.close(),
  };
}

/**
 * A read whose answer changes only with the version (the public data version: a report
 * accepted, the counts or the reference data changed): kept per version, so a rendered
 * page asks the database for it once per version, not once per request. A failed read is
 * not kept.
 */
export function perVersion<T>(version: DataVersion, read: () => Promise<T>): () => Promise<T> {
  let kept: { version: number; value: Promise<T> } | undefined;
  return async () => {
    const current = await version.current();
    if (kept?.version !== current) {
      const value = read();
      kept = { version: current, value };
      value.catch(() => {
        if (kept?.value === value) kept = undefined;
      });
    }
    return kept.value;
  };
}

/** Several versions as one stamp, which moves whenever any of them does. */
export const stampOf = (versions: DataVersion[]) => async (): Promise<string> =>
  (await Promise.all(versions.map((version) => version.current()))).join('.');
