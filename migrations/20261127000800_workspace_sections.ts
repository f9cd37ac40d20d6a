import type { Knex } from 'knex';

// The delegate's workspace (a task list of sections, each its own page):
// - report_sections: who last saved each section of a report and at which report
//   version, so a save conflicts only when its own section changed since it was loaded;
// - reports.contributors: the officials who contributed ("About this report");
// - stocktaking_entries.no_action_reason: "no new action under this target", and why;
// - indicator_values.value may be null: "not available", with the reason in the note;
// - target_summaries: a progress report's summary of progress per policy target.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('report_sections', (table) => {
    table.integer('report_id').notNullable().references('reports.id').onDelete('CASCADE');
    table.text('section').notNullable().comment('about, stocktaking-PT1, actions, progress, summaries, indicators');
    table.integer('saved_in_version').notNullable().comment('the report version this save produced');
    table.integer('saved_by').references('users.id');
    table.timestamp('saved_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['report_id', 'section']);
    table.check("section ~ '^[a-z]+(-[A-Za-z0-9]+){0,1}$'", [], 'report_sections_section_format');
  });
  await knex.schema.alterTable('reports', (table) => {
    table.text('contributors').notNullable().defaultTo('');
  });
  await knex.schema.alterTable('stocktaking_entries', (table) => {
    table.text('no_action_reason').notNullable().defaultTo('');
  });
  await knex.raw('alter table indicator_values alter column value drop not null');
  await knex.raw(
    `alter table indicator_values add constraint indicator_values_unavailable_has_reason
       check (value is not null or length(btrim(note)) > 0)`,
  );
  await knex.schema.createTable('target_summaries', (table) => {
    table.integer('report_id').notNullable().references('reports.id').onDelete('CASCADE');
    table.string('target_code', 3).notNullable().references('policy_targets.code').onUpdate('CASCADE');
    table.text('summary').notNullable();
    table.timestamps(true, true);
    table.primary(['report_id', 'target_code']);
    table.check('length(btrim(summary)) > 0', [], 'target_summaries_summary_present');
  });
  // Questions may now be asked about a target's progress summary too.
  await knex.raw('alter table item_questions drop constraint item_questions_item_known');
  await knex.raw(
    `alter table item_questions add constraint item_questions_item_known
       check (item_key ~ '^(baseline|action|update|indicator|summary)-[A-Za-z0-9_.]+$')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table item_questions drop constraint item_questions_item_known');
  await knex.raw(
    `alter table item_questions add constraint item_questions_item_known
       check (item_key ~ '^(baseline|action|update|indicator)-[A-Za-z0-9_.]+$')`,
  );
  await knex.schema.dropTable('target_summaries');
  await knex('indicator_values').whereNull('value').delete();
  await knex.raw('alter table indicator_values drop constraint indicator_values_unavailable_has_reason');
  await knex.raw('alter table indicator_values alter column value set not null');
  await knex.schema.alterTable('stocktaking_entries', (table) => {
    table.dropColumn('no_action_reason');
  });
  await knex.schema.alterTable('reports', (table) => {
    table.dropColumn('contributors');
  });
  await knex.schema.dropTable('report_sections');
}
