import type { Database } from './knex';
import * as reference from '../../seeds/reference-data';

export type SeedResult = Record<'countries' | 'policy_targets' | 'operational_goals' | 'indicators' | 'cycles', number>;

/**
 * Inserts the reference data that is missing and leaves existing rows alone, so
 * running it twice changes nothing and never undoes an admin's edit.
 */
export async function seedReferenceData(db: Database): Promise<SeedResult> {
  return db.transaction(async (trx) => {
    const insertMissing = async (table: string, rows: object[], key: string): Promise<number> => {
      const inserted = await trx(table).insert(rows).onConflict(key).ignore().returning(key);
      return inserted.length;
    };
    return {
      countries: await insertMissing('countries', [...reference.founderCountries, ...reference.laterCountries], 'code'),
      policy_targets: await insertMissing('policy_targets', reference.policyTargets, 'code'),
      operational_goals: await insertMissing('operational_goals', reference.operationalGoals, 'code'),
      indicators: await insertMissing('indicators', reference.indicators, 'code'),
      cycles: await insertMissing('cycles', reference.cycles, 'slug'),
    };
  });
}
