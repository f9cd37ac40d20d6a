import pg from 'pg';
import type { Logger } from '../logger';

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
  const checkEveryMs = options.checkEveryMs ?? 10_000;
  const retryMs = options.retryMs ?? 1000;
  let version: number | undefined;
  let client: pg.Client | undefined;
  let started = false;
  let closed = false;
  let check: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;

  const lost = (connection: pg.Client, error?: Error) => {
    if (client !== connection) return;
    client = undefined;
    version = undefined;
    clearInterval(check);
    connection.end().catch(() => undefined);
    if (closed) return;
    options.logger?.warn(
      { err: error },
      'public data version: listening connection lost; reading the version per request until it is back',
    );
    retry = setTimeout(listen, retryMs);
    retry.unref();
  };

  const readOn = async (connection: pg.Client) => {
    const result = await connection.query<{ version: string }>(`select version from ${channel}`);
    return Number(result.rows[0]?.version ?? 0);
  };

  async function listen(): Promise<void> {
    if (closed) return;
    const connection = new pg.Client({
      connectionString: options.connectionString,
      application_name: options.applicationName ?? 'alliance-tracker-listener',
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
      keepAlive: true,
    });
    client = connection;
    // Notifications that arrive before the first read are not lost: the read and they are merged.
    let latest = 0;
    connection.on('notification', (message) => {
      if (message.channel !== channel) return;
      latest = Math.max(latest, Number(message.payload));
      if (version !== undefined) version = Math.max(version, latest);
    });
    connection.on('error', (error) => {
      lost(connection, error);
    });
    connection.on('end', () => {
      lost(connection);
    });
    try {
      await connection.connect();
      await connection.query(`listen ${channel}`);
      latest = Math.max(latest, await readOn(connection));
      if (client !== connection) return;
      version = latest;
      check = setInterval(() => {
        readOn(connection).then(
          (read) => {
            if (client === connection) version = Math.max(version ?? 0, read);
          },
          (error: unknown) => {
            lost(connection, error as Error);
          },
        );
      }, checkEveryMs);
      check.unref();
    } catch (error) {
      lost(connection, error as Error);
    }
  }

  return {
    known: () => version,
    async current() {
      if (version !== undefined) return version;
      if (!started && options.listen !== false) {
        started = true;
        void listen();
      }
      return options.read();
    },
    async close() {
      closed = true;
      clearInterval(check);
      clearTimeout(retry);
      const connection = client;
      client = undefined;
      version = undefined;
      await connection?.end().catch(() => undefined);
    },
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
