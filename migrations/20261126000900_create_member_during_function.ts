import type { Knex } from 'knex';

// Whether a country counts as a member during a period: joined by its end (or joining
// date unknown) and not left before it began. One definition for every query.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function member_during(joined_on date, left_on date, period_start date, period_end date) returns boolean
    language sql immutable parallel safe as $$
      select (joined_on is null or joined_on <= period_end) and (left_on is null or left_on > period_start)
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function member_during(date, date, date, date)');
}
