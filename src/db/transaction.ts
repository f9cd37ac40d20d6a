import type { Database } from './knex';

/** Runs work in one transaction: committed when it resolves, rolled back when it throws. */
export type Transactor = <T>(work: (trx: Database) => Promise<T>) => Promise<T>;

export const transactorFor =
  (db: Database): Transactor =>
  (work) =>
    db.transaction((trx) => work(trx));

/**
 * Runs queries one after another. Within a transaction every query shares one
 * connection, where running them at once (Promise.all) only queues them in the driver.
 */
export async function sequentially<T extends unknown[]>(...tasks: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const results: unknown[] = [];
  for (const task of tasks) results.push(await task());
  return results as T;
}
