import type { Knex } from 'knex';

// Each published action's latest accepted status, kept as data instead of recomputed from
// every update on every request. public_action_status holds, per action pledged in an
// accepted report, what the public_actions view used to derive with a lateral join: its
// latest update in an accepted report and any accepted withdrawal. Statement-level
// triggers keep it current for every writer (the review's accept, the import, the demo
// loader, tests' factories): a change to actions, to action_updates, to a report's
// accepted-ness or to a cycle's slug or dates refreshes the actions it concerns, in one
// statement however many rows changed. public_actions now reads the table.
//
// public_action_counts keeps, per member, target and latest status, how many published
// actions there are: the figures of the home page, the members table and the targets are
// sums over at most members × targets × statuses rows, however many actions and updates
// the years add. A refresh recounts the members whose actions it touched.
//
// Searching titles, descriptions and responsible bodies uses a full-text index.

/** Each action with its pledging report, any withdrawing one, and its latest accepted update. */
const FROM_ACTIONS_WITH_LATEST = `
    from actions a
    join public_reports pledged on pledged.id = a.pledged_in_report_id
    left join public_reports withdrawn on withdrawn.id = a.withdrawn_in_report_id
    left join lateral (
      select u.status, u.percent_complete, u.narrative, pr.cycle_slug, pr.text_language
      from action_updates u
      join public_reports pr on pr.id = u.report_id
      where u.action_id = a.id
      order by pr.cycle_opens_on desc, pr.id desc
      limit 1
    ) latest on true`;

/** What public_actions said of an action's status (its columns after the action's own). */
const STATUS_COLUMNS = `pledged.id as pledged_in_report_id, pledged.cycle_slug as pledged_in_cycle_slug,
           withdrawn.id as withdrawn_in_report_id,
           case when withdrawn.id is not null then a.withdrawal_reason end as withdrawal_reason,
           case when withdrawn.id is not null then 'withdrawn' else coalesce(latest.status, 'not_reported') end as latest_status,
           latest.percent_complete as latest_percent_complete,
           latest.narrative as latest_narrative,
           latest.cycle_slug as latest_cycle_slug,
           pledged.text_language as text_language,
           latest.text_language as latest_text_language,
           withdrawn.text_language as withdrawn_text_language`;

/**
 * The status of the actions `ids` names (an integer[] expression): each one's latest
 * update in an accepted report, found through the action_updates_action index. (A
 * set-based DISTINCT ON was tried: planned on the statistics of before a bulk load, it
 * ran for minutes where this takes seconds.)
 */
export const statusOf = (ids: string) => `
    select a.id as action_id, a.country_code, a.target_code,
           ${STATUS_COLUMNS},
           latest.status as latest_update_status
    ${FROM_ACTIONS_WITH_LATEST}
    where a.id in (select unnest(${ids}))`;

const PUBLIC_ACTIONS = `
    select s.action_id as id, s.country_code, s.target_code, a.goal_code, a.title, a.description, a.responsible_body, a.due_on,
           s.pledged_in_report_id, s.pledged_in_cycle_slug, s.withdrawn_in_report_id, s.withdrawal_reason, s.latest_status,
           s.latest_percent_complete, s.latest_narrative, s.latest_cycle_slug, s.text_language, s.latest_text_language,
           s.withdrawn_text_language
    from public_action_status s
    join actions a on a.id = s.action_id`;

/** The triggers: table, event, and the action ids a statement concerns (from its transition tables). */
const TRIGGERS: RefreshTrigger[] = [
  { table: 'actions', event: 'insert', keys: 'select id from new_rows' },
  { table: 'actions', event: 'update', keys: 'select id from new_rows' },
  { table: 'action_updates', event: 'insert', keys: 'select action_id from new_rows' },
  { table: 'action_updates', event: 'update', keys: 'select action_id from new_rows union select action_id from old_rows' },
  { table: 'action_updates', event: 'delete', keys: 'select action_id from old_rows' },
  {
    // A report accepted (or, by a correction, no longer): its pledges, its updates, its withdrawals.
    table: 'reports',
    event: 'update',
    keys: `with changed as (
            select n.id from new_rows n join old_rows o on o.id = n.id where (n.state = 'accepted') <> (o.state = 'accepted'))
          select a.id from actions a where a.pledged_in_report_id in (select id from changed) or a.withdrawn_in_report_id in (select id from changed)
          union select u.action_id from action_updates u where u.report_id in (select id from changed)`,
  },
  {
    // A cycle's slug or dates (the order of "latest"): every action pledged or updated in it.
    table: 'cycles',
    event: 'update',
    keys: `with changed as (
            select n.id from new_rows n join old_rows o on o.id = n.id where n.slug <> o.slug or n.opens_on <> o.opens_on)
          select a.id from actions a join reports r on r.id = a.pledged_in_report_id where r.cycle_id in (select id from changed)
          union select u.action_id from action_updates u join reports r on r.id = u.report_id where r.cycle_id in (select id from changed)`,
  },
];

const transitions = (event: string) =>
  event === 'insert'
    ? 'new table as new_rows'
    : event === 'delete'
      ? 'old table as old_rows'
      : 'new table as new_rows old table as old_rows';

/** A statement-level trigger per table and event that calls `refresh` with the keys the statement concerns (`keys`, from its transition tables, as `column`). */
export type RefreshTrigger = { table: string; event: 'insert' | 'update' | 'delete'; keys: string };
export async function createRefreshTriggers(knex: Knex, refresh: string, column: string, triggers: RefreshTrigger[]): Promise<void> {
  for (const { table, event, keys } of triggers) {
    await knex.raw(`
      create function ${table}_${event}_${refresh}() returns trigger language plpgsql as $$
      begin
        perform ${refresh}(array(select distinct ${column} from (${keys}) as concerned (${column})));
        return null;
      end;
      $$`);
    await knex.raw(`create trigger ${table}_${event}_${refresh} after ${event} on ${table}
      referencing ${transitions(event)} for each statement execute function ${table}_${event}_${refresh}()`);
  }
}
export async function dropRefreshTriggers(knex: Knex, refresh: string, triggers: RefreshTrigger[]): Promise<void> {
  for (const { table, event } of triggers) {
    await knex.raw(`drop trigger ${table}_${event}_${refresh} on ${table}`);
    await knex.raw(`drop function ${table}_${event}_${refresh}()`);
  }
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create table public_action_status as ${statusOf("'{}'::integer[]")} with no data`);
  await knex.raw(`alter table public_action_status add primary key (action_id),
    add foreign key (action_id) references actions (id) on delete cascade`);
  await knex.raw('create index public_action_status_country on public_action_status (country_code, target_code)');
  // A target's page of actions, in order, without a sort (listActions).
  await knex.raw('create index public_action_status_target on public_action_status (target_code, country_code, action_id)');
  await knex.raw(`create table public_action_counts (
    country_code varchar(2) not null references countries (code) on update cascade on delete cascade,
    target_code varchar(3) not null,
    latest_status text not null,
    actions integer not null check (actions > 0),
    primary key (country_code, target_code, latest_status))`);
  await knex.raw(`
    create function refresh_public_action_status(ids integer[]) returns void language sql as $$
      delete from public_action_status where action_id in (select unnest(ids));
      insert into public_action_status ${statusOf('ids')};
      delete from public_action_counts
       where country_code in (select distinct country_code from actions where id in (select unnest(ids)));
      insert into public_action_counts (country_code, target_code, latest_status, actions)
      select country_code, target_code, latest_status, count(*) from public_action_status
       where country_code in (select distinct country_code from actions where id in (select unnest(ids)))
       group by country_code, target_code, latest_status;
    $$`);
  await createRefreshTriggers(knex, 'refresh_public_action_status', 'id', TRIGGERS);
  await knex.raw('select refresh_public_action_status(array(select id from actions))');
  await knex.raw(`create index actions_text_search on actions
    using gin (to_tsvector('simple', title || ' ' || description || ' ' || responsible_body))`);
  await knex.raw('drop view public_actions');
  await knex.raw(`create view public_actions as ${PUBLIC_ACTIONS}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop view public_actions');
  await knex.raw(`create view public_actions as ${PUBLIC_ACTIONS_BEFORE}`);
  await dropRefreshTriggers(knex, 'refresh_public_action_status', TRIGGERS);
  await knex.raw('drop index actions_text_search');
  await knex.raw('drop function refresh_public_action_status(integer[])');
  await knex.raw('drop table public_action_counts');
  await knex.raw('drop table public_action_status');
}

/** public_actions as it was before the table: the latest status derived per row. */
const PUBLIC_ACTIONS_BEFORE = `
    select a.id, a.country_code, a.target_code, a.goal_code, a.title, a.description, a.responsible_body, a.due_on,
           ${STATUS_COLUMNS}
    ${FROM_ACTIONS_WITH_LATEST}`;
