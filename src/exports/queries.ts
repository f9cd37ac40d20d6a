import type { Database } from '../db/knex';

export function createExportQueries(db: Database) {
  return {
    /** What an imported row may name: member codes, target codes, and each goal's target. */
    async referenceData() {
      const countries: string[] = await db('countries').pluck('code');
      const targets: string[] = await db('policy_targets').pluck('code');
      const goals: Array<{ code: string; target_code: string }> = await db('operational_goals').select('code', 'target_code');
      return {
        countries: new Set(countries),
        targets: new Set(targets),
        goals: new Map(goals.map((goal) => [goal.code, goal.target_code])),
      };
    },

    async filterChoices(): Promise<{ cycles: Array<{ slug: string; title: string }>; countries: Array<{ code: string; name: string }> }> {
      return {
        cycles: await db('cycles').select('slug', 'title').orderBy('opens_on', 'desc'),
        countries: await db('countries').select('code', 'name').orderBy('name'),
      };
    },

    /** When public data last changed: the latest acceptance and member edit, and their counts. */
    async publicDataStamp(): Promise<{ accepted_at: Date | null; countries_at: Date | null; accepted: number; countries: number }> {
      const { rows } = await db.raw(`
        select (select max(reviewed_at) from reports where state = 'accepted') as accepted_at,
               (select max(updated_at) from countries) as countries_at,
               (select count(*) from reports where state = 'accepted')::int as accepted,
               (select count(*) from countries)::int as countries`);
      return rows[0];
    },
  };
}
