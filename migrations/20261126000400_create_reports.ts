import type { Knex } from 'knex';

// One report per country and cycle, and what it holds: the baseline per target
// (stocktaking), pledged actions, updates on actions and indicator values.
// Composite foreign keys make sure a report only ever holds its own country's data.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('reports', (table) => {
    table.increments('id');
    table.string('country_code', 2).notNullable().references('countries.code').onUpdate('CASCADE');
    table.integer('cycle_id').notNullable().references('cycles.id');
    table.text('state').notNullable().defaultTo('draft');
    table.integer('version').notNullable().defaultTo(1).comment('bumped on every change, for optimistic locking');
    table.timestamp('submitted_at', { useTz: true });
    table.integer('submitted_by').references('users.id');
    table.timestamp('reviewed_at', { useTz: true });
    table.integer('reviewed_by').references('users.id');
    table.text('review_comment');
    table.timestamps(true, true);
    table.unique(['country_code', 'cycle_id']);
    table.unique(['id', 'country_code']);
    table.check("state in ('draft', 'submitted', 'returned', 'accepted')", [], 'reports_state_known');
    table.check('version >= 1', [], 'reports_version_positive');
    table.check("state = 'draft' or submitted_at is not null", [], 'reports_submitted_have_a_date');
    table.check("state not in ('accepted', 'returned') or reviewed_at is not null", [], 'reports_reviewed_have_a_date');
    table.check("state <> 'returned' or length(btrim(coalesce(review_comment, ''))) > 0", [], 'reports_returned_have_a_comment');
  });

  await knex.schema.createTable('stocktaking_entries', (table) => {
    table.increments('id');
    table.integer('report_id').notNullable().references('reports.id').onDelete('CASCADE');
    table.string('target_code', 3).notNullable().references('policy_targets.code').onUpdate('CASCADE');
    table.text('existing_measures').notNullable();
    table.text('gaps').notNullable().defaultTo('');
    table.timestamps(true, true);
    table.unique(['report_id', 'target_code']);
  });

  await knex.schema.createTable('actions', (table) => {
    table.increments('id');
    table.string('country_code', 2).notNullable();
    table.string('target_code', 3).notNullable().references('policy_targets.code').onUpdate('CASCADE');
    table.string('goal_code', 5);
    table.text('title').notNullable();
    table.text('description').notNullable().defaultTo('');
    table.text('responsible_body').notNullable().defaultTo('');
    table.date('due_on');
    table.integer('pledged_in_report_id').notNullable();
    table.integer('withdrawn_in_report_id');
    table.text('withdrawal_reason');
    table.timestamps(true, true);
    table.unique(['id', 'country_code']);
    table
      .foreign(['pledged_in_report_id', 'country_code'])
      .references(['id', 'country_code'])
      .inTable('reports')
      .onDelete('CASCADE')
      .onUpdate('CASCADE');
    table.foreign(['withdrawn_in_report_id', 'country_code']).references(['id', 'country_code']).inTable('reports').onUpdate('CASCADE');
    // A goal, when given, must be one of the action's own target.
    table.foreign(['target_code', 'goal_code']).references(['target_code', 'code']).inTable('operational_goals').onUpdate('CASCADE');
    table.check('length(btrim(title)) > 0', [], 'actions_title_present');
    table.check('(withdrawn_in_report_id is null) = (withdrawal_reason is null)', [], 'actions_withdrawal_has_a_reason');
    table.check('withdrawn_in_report_id is distinct from pledged_in_report_id', [], 'actions_not_withdrawn_when_pledged');
  });
  await knex.raw('create index actions_country_target on actions (country_code, target_code)');
  await knex.raw('create index actions_pledged_in on actions (pledged_in_report_id)');

  await knex.schema.createTable('action_updates', (table) => {
    table.increments('id');
    table.integer('report_id').notNullable();
    table.integer('action_id').notNullable();
    table.string('country_code', 2).notNullable();
    table.text('status').notNullable();
    table.smallint('percent_complete');
    table.text('narrative').notNullable().defaultTo('');
    table.timestamps(true, true);
    table.unique(['report_id', 'action_id']);
    table
      .foreign(['report_id', 'country_code'])
      .references(['id', 'country_code'])
      .inTable('reports')
      .onDelete('CASCADE')
      .onUpdate('CASCADE');
    table
      .foreign(['action_id', 'country_code'])
      .references(['id', 'country_code'])
      .inTable('actions')
      .onDelete('CASCADE')
      .onUpdate('CASCADE');
    table.check("status in ('not_started', 'in_progress', 'completed', 'delayed', 'withdrawn')", [], 'action_updates_status_known');
    table.check('percent_complete between 0 and 100', [], 'action_updates_percent_range');
    table.check("status <> 'completed' or percent_complete is null or percent_complete = 100", [], 'action_updates_completed_is_whole');
  });
  await knex.raw('create index action_updates_action on action_updates (action_id)');

  await knex.schema.createTable('indicator_values', (table) => {
    table.increments('id');
    table.integer('report_id').notNullable().references('reports.id').onDelete('CASCADE');
    table.string('indicator_code', 40).notNullable().references('indicators.code').onUpdate('CASCADE');
    table.decimal('value', 14, 2).notNullable();
    table.text('note').notNullable().defaultTo('');
    table.timestamps(true, true);
    table.unique(['report_id', 'indicator_code']);
    table.check('value >= 0', [], 'indicator_values_not_negative');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('indicator_values');
  await knex.schema.dropTable('action_updates');
  await knex.schema.dropTable('actions');
  await knex.schema.dropTable('stocktaking_entries');
  await knex.schema.dropTable('reports');
}
