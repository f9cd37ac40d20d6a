import type { Knex } from 'knex';
import { createRefreshTriggers, dropRefreshTriggers, type RefreshTrigger } from './20261127000900_public_action_status';

// A correction to what an accepted report says moves the public data version, so kept pages
// and the app's per-version reads show it. Until now the version moved when a report's state
// changed, when the reference data changed, or when the kept counts changed. Public pages
// also print what an accepted report holds: its baseline, its pledges' text, its progress
// updates, its indicator values and its withdrawals' reasons. A correction to any of these
// in SQL (a typo fixed on the secretariat's request) was served stale until the next
// unrelated change.
//
// One statement-level trigger per table and event, made by the helper the kept summaries use:
// each bumps the version once if the statement touched a row of an accepted report (its keys
// are then a single 1, otherwise none), and only then: a delegate's draft, which writes the
// same tables for its own report, moves nothing. An action is the
// exception, because its row is its pledge and, once withdrawn in a later report, also its
// withdrawal. A draft progress report that withdraws a published action writes
// withdrawn_in_report_id on that action's row. So for an action, what counts is a published
// column changing: the pledge's columns while its pledging report is accepted, the
// withdrawal's while its withdrawing report is, before or after.

const PLEDGE_COLUMNS = 'country_code, target_code, goal_code, title, description, responsible_body, due_on';
const WITHDRAWAL_COLUMNS = 'withdrawn_in_report_id, withdrawal_reason';
function columnsOf(alias: string, columns: string): string {
  return columns
    .split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');
}

const accepted = (reportId: string) => `${reportId} in (select id from reports where state = 'accepted')`;

/** The tables, events and, from the statement's transition tables, a 1 if it touched what is published. */
const TRIGGERS: RefreshTrigger[] = [
  ...['stocktaking_entries', 'action_updates', 'indicator_values'].flatMap((table) => [
    { table, event: 'insert' as const, keys: `select 1 from new_rows where ${accepted('report_id')} limit 1` },
    {
      table,
      event: 'update' as const,
      keys: `select 1 from new_rows where ${accepted('report_id')} union all select 1 from old_rows where ${accepted('report_id')} limit 1`,
    },
    { table, event: 'delete' as const, keys: `select 1 from old_rows where ${accepted('report_id')} limit 1` },
  ]),
  { table: 'actions', event: 'insert', keys: `select 1 from new_rows where ${accepted('pledged_in_report_id')} limit 1` },
  {
    table: 'actions',
    event: 'update',
    keys: `select 1 from new_rows n join old_rows o on o.id = n.id
            where ((${accepted('o.pledged_in_report_id')} or ${accepted('n.pledged_in_report_id')})
                   and (n.pledged_in_report_id, ${columnsOf('n', PLEDGE_COLUMNS)})
                       is distinct from (o.pledged_in_report_id, ${columnsOf('o', PLEDGE_COLUMNS)}))
               or ((${accepted('o.withdrawn_in_report_id')} or ${accepted('n.withdrawn_in_report_id')})
                   and (${columnsOf('n', WITHDRAWAL_COLUMNS)}) is distinct from (${columnsOf('o', WITHDRAWAL_COLUMNS)}))
            limit 1`,
  },
  { table: 'actions', event: 'delete', keys: `select 1 from old_rows where ${accepted('pledged_in_report_id')} limit 1` },
];

const BUMP = 'bump_public_data_version_if_any';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function ${BUMP}(touched integer[]) returns void language plpgsql as $$
    declare
      next_version bigint;
    begin
      if cardinality(touched) > 0 then
        update public_data_version set version = version + 1 returning version into next_version;
        perform pg_notify('public_data_version', next_version::text);
      end if;
    end;
    $$`);
  await createRefreshTriggers(knex, BUMP, 'touched', TRIGGERS);
}

export async function down(knex: Knex): Promise<void> {
  await dropRefreshTriggers(knex, BUMP, TRIGGERS);
  await knex.raw(`drop function ${BUMP}(integer[])`);
}
