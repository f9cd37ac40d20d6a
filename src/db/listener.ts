import pg from 'pg';
import type { Logger } from '../logger';

export type Listener = {
  /** Opens the listening connection unless it is open, opening or closed for good. */
  start(): void;
  close(): Promise<void>;
};

type Options<T> = {
  connectionString: string;
  channel: string;
  /** How the connection shows in pg_stat_activity. */
  applicationName: string;
  /** Each notification's payload, from the moment LISTEN is sent (even before the first read). */
  onMessage: (payload: string) => void;
  /**
   * Read on the listening connection once it listens, and again every `checkEveryMs`,
   * which proves the connection alive (a failed read loses it).
   */
  read: (connection: pg.Client) => Promise<T>;
  /** What a read found, while its connection is still the listening one; `first` after (re)connecting. */
  onRead: (value: T, first: boolean) => void;
  /** The connection is gone (or never came): nothing is vouched for until the next first read. */
  onLost: () => void;
  logger?: Logger;
  checkEveryMs?: number;
  retryMs?: number;
};

/**
 * One connection that LISTENs on a channel, for what an instance keeps in memory and must
 * drop the moment another instance changes it in the database (triggers notify on commit).
 * The connection checks itself every few seconds, so one that died silently is noticed;
 * a lost connection is reopened after `retryMs`, and until then the caller trusts nothing
 * it kept (notifications sent meanwhile are missed).
 */
export function createListener<T>(options: Options<T>): Listener {
  const checkEveryMs = options.checkEveryMs ?? 10_000;
  const retryMs = options.retryMs ?? 1000;
  let client: pg.Client | undefined;
  let started = false;
  let closed = false;
  let check: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;

  const lost = (connection: pg.Client, error?: Error) => {
    if (client !== connection) return;
    client = undefined;
    clearInterval(check);
    options.onLost();
    connection.end().catch(() => undefined);
    if (closed) return;
    options.logger?.warn({ err: error, channel: options.channel }, 'listening connection lost; reading from the database until it is back');
    retry = setTimeout(listen, retryMs);
    retry.unref();
  };

  async function listen(): Promise<void> {
    if (closed) return;
    const connection = new pg.Client({
      connectionString: options.connectionString,
      application_name: options.applicationName,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
      keepAlive: true,
    });
    client = connection;
    connection.on('notification', (message) => {
      if (message.channel === options.channel) options.onMessage(message.payload ?? '');
    });
    connection.on('error', (error) => {
      lost(connection, error);
    });
    connection.on('end', () => {
      lost(connection);
    });
    try {
      await connection.connect();
      await connection.query(`listen ${options.channel}`);
      const first = await options.read(connection);
      if (client !== connection) return;
      options.onRead(first, true);
      check = setInterval(() => {
        options.read(connection).then(
          (value) => {
            if (client === connection) options.onRead(value, false);
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
    start() {
      if (started || closed) return;
      started = true;
      void listen();
    },
    async close() {
      closed = true;
      clearInterval(check);
      clearTimeout(retry);
      const connection = client;
      client = undefined;
      options.onLost();
      await connection?.end().catch(() => undefined);
    },
  };
}
