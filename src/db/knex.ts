import knex, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../logger';

export type Database = Knex;

export type DatabaseOptions = {
  poolMax: number;
  acquireTimeoutMs: number;
  statementTimeoutMs: number;
};

const defaultDatabaseOptions: DatabaseOptions = {
  poolMax: 10,
  acquireTimeoutMs: 5000,
  statementTimeoutMs: 15000,
};

// DATE columns are calendar days, not instants: keep them as 'YYYY-MM-DD' strings
// instead of letting pg turn them into midnight in the server's time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
// COUNT(*) and SUM over integers are bigint; our counts never reach 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/**
 * The one knex instance of a process. Timeouts are set so that a busy pool or a hung
 * database turns into a quick error (answered as 503) rather than a request that hangs.
 */
export function createDatabase(connectionString: string, options: DatabaseOptions = defaultDatabaseOptions, logger?: Logger): Database {
  return knex({
    // knex prints to the console by default; route it into the structured log.
    log: {
      warn: (message: unknown) => logger?.warn({ source: 'knex' }, String(message)),
      error: (message: unknown) => logger?.error({ source: 'knex' }, String(message)),
      deprecate: (message: unknown) => logger?.warn({ source: 'knex' }, String(message)),
      debug: (message: unknown) => logger?.debug({ source: 'knex' }, String(message)),
    },
    client: 'pg',
    connection: {
      connectionString,
      connectionTimeoutMillis: options.acquireTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      // The client gives up too, for when the server cannot even enforce its own timeout (hung, unreachable).
      query_timeout: options.statementTimeoutMs + 1000,
      idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
      application_name: 'alliance-tracker',
      // Every read of the app is short. PostgreSQL compiles a query whose estimate passes
      // jit_above_cost, and did so on every run of a delegate's pledge count (38 ms, for a
      // query that runs in 0.6), misled by the cost of a lookup it almost never makes.
      options: '-c jit=off',
    },
    pool: { min: 0, max: options.poolMax },
    acquireConnectionTimeout: options.acquireTimeoutMs,
  });
}

/** True when the database answers a trivial query. */
export async function isDatabaseReachable(db: Database): Promise<boolean> {
  try {
    await db.raw('select 1');
    return true;
  } catch {
    return false;
  }
}
