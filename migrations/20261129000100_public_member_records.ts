import type { Knex } from 'knex';
import { createRefreshTriggers, dropRefreshTriggers, type RefreshTrigger } from './20261127000900_public_action_status';

// What a member's page and history show of every year, kept per member as the JSON they read:
// its accepted reports (newest first) and its published indicator values (by indicator, then
// cycle). Read afresh on every request these grew with the years: France's twenty reports and
// eighty values on the growth data cost PostgreSQL 0.93 ms a page against the demo's 0.41, the
// values alone one heap page each. Kept, a page reads one row.
//
// Statement-level triggers keep it current for every writer, as public_action_status is kept:
// a report that is or was accepted (accepted, corrected, deleted), an indicator value of an
// accepted report, a cycle's slug, title, kind or dates. A delegate's draft refreshes nothing.
// A member with no row reads as having published nothing.

/** The member's accepted reports, newest first: the columns memberPage shows, as it read them. */
const REPORTS = `
  select coalesce(json_agg(r), '[]') from (
    select id, cycle_slug, cycle_title, cycle_kind, cycle_due_on, submitted_at, accepted_at, text_language
      from public_reports where country_code = m.code order by cycle_opens_on desc) r`;

/** Its published indicator values, by indicator and then cycle, read report by report from their index. */
const INDICATOR_VALUES = `
  select coalesce(json_agg(r), '[]') from (
    select v.report_id, v.indicator_code, v.value, v.note
      from public_reports pr
      cross join lateral (select * from indicator_values v where v.report_id = pr.id offset 0) v
     where pr.country_code = m.code
     order by v.indicator_code, pr.cycle_opens_on) r`;

/** The triggers: table, event, and the member codes a statement concerns (from its transition tables). */
const TRIGGERS: RefreshTrigger[] = [
  { table: 'reports', event: 'insert', keys: `select country_code from new_rows where state = 'accepted'` },
  {
    table: 'reports',
    event: 'update',
    keys: `select country_code from new_rows where state = 'accepted' union select country_code from old_rows where state = 'accepted'`,
  },
  { table: 'reports', event: 'delete', keys: `select country_code from old_rows where state = 'accepted'` },
  ...(['insert', 'update', 'delete'] as const).map((event) => ({
    table: 'indicator_values',
    event,
    keys: `select r.country_code from reports r where r.state = 'accepted' and r.id in (${
      event === 'insert'
        ? 'select report_id from new_rows'
        : event === 'delete'
          ? 'select report_id from old_rows'
          : 'select report_id from new_rows union select report_id from old_rows'
    })`,
  })),
  {
    table: 'cycles',
    event: 'update',
    keys: `select r.country_code from reports r
             where r.state = 'accepted' and r.cycle_id in (
               select n.id from new_rows n join old_rows o on o.id = n.id
                where (n.slug, n.title, n.kind, n.opens_on, n.due_on) is distinct from (o.slug, o.title, o.kind, o.opens_on, o.due_on))`,
  },
];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create table public_member_records (
    country_code varchar(2) primary key references countries (code) on update cascade on delete cascade,
    reports json not null,
    indicator_values json not null)`);
  await knex.raw(`
    create function refresh_public_member_records(codes text[]) returns void language sql as $$
      insert into public_member_records (country_code, reports, indicator_values)
      select m.code, (${REPORTS}), (${INDICATOR_VALUES})
        from countries m where m.code = any(codes)
      on conflict (country_code) do update set reports = excluded.reports, indicator_values = excluded.indicator_values;
    $$`);
  await createRefreshTriggers(knex, 'refresh_public_member_records', 'code', TRIGGERS);
  await knex.raw('select refresh_public_member_records(array(select code from countries))');
}

export async function down(knex: Knex): Promise<void> {
  await dropRefreshTriggers(knex, 'refresh_public_member_records', TRIGGERS);
  await knex.raw('drop function refresh_public_member_records(text[])');
  await knex.raw('drop table public_member_records');
}
