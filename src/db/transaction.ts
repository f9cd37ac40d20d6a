import type { Database } from './knex';

/** Runs work in one transaction: committed when it resolves, rolled back when it throws. */
export type Transactor = <T>(work: (trx: Database) => Promise<T>) => Promise<T>;

export const transactorFor =
  (db: Database): Transactor =>
  (work) =>
    db.transaction((trx) => work(trx));

/** Runs a page's reads on the pool, outside a transaction. */
export type Reader = <T>(work: (db: Database) => Promise<T>) => Promise<T>;

/**
 * Under READ COMMITTED (PostgreSQL's default) each statement of a transaction sees its own
 * snapshot anyway: BEGIN and COMMIT around a page's reads bought two round trips and a
 * connection held between them, not consistency. Reads that must agree are ordered so a
 * later one can only be newer: a report's version before its content, so a form never
 * carries a version newer than the content it shows (a save over a newer change is refused
 * as a conflict, never lost).
 */
export const readerFor =
  (db: Database): Reader =>
  (work) =>
    work(db);

/**
 * Runs queries one after another. Within a transaction every query shares one
 * connection, where running them at once (Promise.all) only queues them in the driver.
 */
export async function sequentially<T extends unknown[]>(...tasks: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const results: unknown[] = [];
  for (const task of tasks) results.push(await task());
  return results as T;
}
