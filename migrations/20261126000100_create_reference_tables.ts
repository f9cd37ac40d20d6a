import type { Knex } from 'knex';

// Members, the four policy targets, their operational goals and the indicators
// reported as numbers. All of it is editable reference data, seeded, never hard-coded.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('countries', (table) => {
    table.string('code', 2).primary().comment('ISO 3166-1 alpha-2, or a user-assigned code such as XK');
    table.text('name').notNullable();
    table.text('region').notNullable();
    table.boolean('eu_member').notNullable().defaultTo(false).comment('EU member state when the Alliance was launched');
    table.date('joined_on').comment('null when the joining date is not known');
    table.date('left_on');
    table.timestamps(true, true);
    table.check("code ~ '^[A-Z]{2}$'", [], 'countries_code_format');
    table.check('length(btrim(name)) > 0', [], 'countries_name_present');
    table.check("region in ('Africa', 'Americas', 'Asia-Pacific', 'Europe', 'Middle East')", [], 'countries_region_known');
    table.check('left_on is null or joined_on is null or left_on > joined_on', [], 'countries_left_after_joined');
  });
  await knex.raw('create unique index countries_name_unique on countries (lower(name))');

  await knex.schema.createTable('policy_targets', (table) => {
    table.string('code', 3).primary();
    table.smallint('position').notNullable().unique();
    table.text('title').notNullable();
    table.text('description').notNullable();
    table.check("code ~ '^PT[1-9]$'", [], 'policy_targets_code_format');
  });

  await knex.schema.createTable('operational_goals', (table) => {
    table.string('code', 5).primary();
    table.string('target_code', 3).notNullable().references('policy_targets.code').onUpdate('CASCADE');
    table.text('text').notNullable();
    table.boolean('text_confirmed').notNullable().defaultTo(false).comment('wording checked against the Declaration');
    table.unique(['target_code', 'code']);
    table.check("code ~ '^[1-9]\\.[1-9]$'", [], 'operational_goals_code_format');
    table.check('substr(code, 1, 1) = substr(target_code, 3, 1)', [], 'operational_goals_belongs_to_target');
  });

  await knex.schema.createTable('indicators', (table) => {
    table.string('code', 40).primary();
    table.text('name').notNullable();
    table.text('unit').notNullable();
    table.string('goal_code', 5).references('operational_goals.code');
    table.text('description').notNullable().defaultTo('');
    table.check("code ~ '^[a-z][a-z0-9_]*$'", [], 'indicators_code_format');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('indicators');
  await knex.schema.dropTable('operational_goals');
  await knex.schema.dropTable('policy_targets');
  await knex.schema.dropTable('countries');
}
