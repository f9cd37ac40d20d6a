import type { Knex } from 'knex';

// A progress report's carried pledges are now read from public_action_status alone, which
// the triggers keep for every action pledged in an accepted report (src/reports/queries.ts,
// CARRIED): every page counts them and what they miss in PostgreSQL, and reads only the
// pledges it shows. The member index carries what that count takes (where each pledge was
// pledged, any accepted withdrawal, its latest status), so PostgreSQL answers it by an
// index-only scan; the report's own withdrawals are found by their index. The count no
// longer reads actions by member, so that index is back to its plain form.
const STATUS_COLUMNS = 'pledged_in_cycle_slug, withdrawn_in_report_id, latest_update_status, latest_cycle_slug';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop index public_action_status_country');
  await knex.raw(
    `create index public_action_status_country on public_action_status (country_code, target_code, action_id) include (${STATUS_COLUMNS})`,
  );
  await knex.raw('drop index actions_country_target');
  await knex.raw('create index actions_country_target on actions (country_code, target_code)');
  await knex.raw('create index actions_withdrawn_in on actions (withdrawn_in_report_id) where withdrawn_in_report_id is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index actions_withdrawn_in');
  await knex.raw('drop index actions_country_target');
  await knex.raw(
    'create index actions_country_target on actions (country_code, target_code) include (id, title, pledged_in_report_id, withdrawn_in_report_id, withdrawal_reason)',
  );
  await knex.raw('drop index public_action_status_country');
  await knex.raw(
    `create index public_action_status_country on public_action_status (country_code, target_code)
       include (action_id, latest_update_status, latest_cycle_slug, latest_percent_complete, latest_narrative)`,
  );
}
