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

    /** The public data version and when it last moved: what open data is tagged and dated by. */
    async publicDataStamp(): Promise<{ version: string; changed_at: Date; stamp: string }> {
      return db('public_data_version').first(
        'version',
        'changed_at',
        db.raw(`version || '-' || (extract(epoch from changed_at) * 1000000)::bigint as stamp`),
      );
    },
  };
}
