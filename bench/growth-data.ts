import type { Database } from '../src/db/knex';

/** The generated data set, built with insert … select from generate_series, as bench:export does. */
export async function buildGrowth(db: Database) {
  await db.transaction(async (trx) => {
    // Sixty members: the seeded ones, and made-up codes (AA, AB, …) for the rest.
    await trx.raw(
      `insert into countries (code, name, region, eu_member, joined_on)
       select chr(65 + n / 26) || chr(65 + n % 26), 'Member ' || n, 'Europe', false, date '2012-12-05'
       from generate_series(0, 675) n where not exists (select 1 from countries where code = chr(65 + n / 26) || chr(65 + n % 26))
       order by n limit greatest(0, 60 - (select count(*) from countries))`,
    );
    await trx.raw(
      `create temporary table growth_members on commit drop as select code from countries order by name like 'Member %', code limit 60`,
    );
    await trx.raw(`insert into cycles (slug, title, kind, opens_on, due_on, closes_on, state)
      select 'growth-' || n, 'Growth cycle ' || n, case when n = 1 then 'commitments' else 'progress' end,
             date '2030-01-01' + (n * 400), date '2030-06-01' + (n * 400), date '2030-12-01' + (n * 400), 'closed'
      from generate_series(1, 20) n`);
    await trx.raw(`insert into reports (country_code, cycle_id, state, submitted_at, reviewed_at, text_language)
      select m.code, c.id, 'accepted', c.due_on - 3, c.due_on + 10, 'en'
      from growth_members m cross join cycles c where c.slug like 'growth-%'`);
    await trx.raw(`insert into actions (country_code, target_code, goal_code, title, description, responsible_body, due_on, pledged_in_report_id)
      select r.country_code, 'PT' || (1 + k % 4), null, 'Action ' || k || ' of ' || c.slug || ' by ' || r.country_code || ' on the hotline',
             'A description that runs for a while, as real ones do.', 'Ministry of Justice', c.due_on + 700, r.id
      from reports r join cycles c on c.id = r.cycle_id and c.slug like 'growth-%' cross join generate_series(1, 40) k`);
    // Statistics before the big insert, whose statement-level trigger plans the status refresh on them.
    await trx.raw('analyze actions, action_updates, reports');
    await trx.raw(`insert into action_updates (report_id, action_id, country_code, status, percent_complete, narrative)
      select r.id, a.id, a.country_code, (array['not_started','in_progress','completed','delayed'])[1 + (a.id + c.id) % 4],
             case when (a.id + c.id) % 4 = 2 then 100 else ((a.id + c.id) * 7) % 100 end, 'Progress on action ' || a.id || ' in ' || c.slug
      from reports r
      join cycles c on c.id = r.cycle_id and c.slug like 'growth-%'
      join actions a on a.country_code = r.country_code
      join reports pledged on pledged.id = a.pledged_in_report_id
      join cycles pc on pc.id = pledged.cycle_id and pc.opens_on < c.opens_on`);
    await trx.raw(`insert into indicator_values (report_id, indicator_code, value, note)
      select r.id, i.code, (r.id * 13 + length(i.code)) % 5000, 'National statistics'
      from reports r join cycles c on c.id = r.cycle_id and c.slug like 'growth-%' cross join indicators i`);
  });
  // Vacuumed as well as analysed, as autovacuum leaves a database that has run for years: the
  // status refresh that each insert triggers leaves the previous rows dead (45,600 in
  // public_action_status), and with autovacuum off (as on this bench machine's PostgreSQL)
  // every index-only scan then visits the heap to skip them (search's count: 17 → 4.7 ms).
  await db.raw('vacuum (analyze)');
}
