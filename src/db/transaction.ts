import type { Database } from './knex';

/** Runs work in one transaction: committed when it resolves, rolled back when it throws. */
export type Transactor = <T>(work: (trx: Database) => Promise<T>) => Promise<T>;

export const transactorFor =
  (db: Database): Transactor =>
  (work) =>
    db.transaction((trx) => work(trx));
