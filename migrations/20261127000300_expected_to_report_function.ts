import type { Knex } from 'knex';

// Who is expected to report in a cycle: a member on the cycle's due date. A member whose
// joining date is unknown is not expected until the secretariat records one (several
// later members have no known date); a member who left before the due date is not
// expected either. The one rule for the review queue and its rates, the public cycle
// pages and the submissions export; it replaces member_during, which counted members
// with an unknown joining date as expected (and overdue) in every cycle.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function expected_to_report(joined_on date, left_on date, due_on date) returns boolean
    language sql immutable parallel safe as $$
      select joined_on is not null and joined_on <= due_on and (left_on is null or left_on > due_on)
    $$`);
  await knex.raw('drop function member_during(date, date, date, date)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create function member_during(joined_on date, left_on date, period_start date, period_end date) returns boolean
    language sql immutable parallel safe as $$
      select (joined_on is null or joined_on <= period_end) and (left_on is null or left_on > period_start)
    $$`);
  await knex.raw('drop function expected_to_report(date, date, date)');
}
