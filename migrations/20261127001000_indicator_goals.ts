import type { Knex } from 'knex';

// An indicator's goal as reference data instead of a constant in the code: the yearly change
// it asks for (goal 1.1: +10 % a year in victims identified in the ICSE database) and where
// that goal is written. Admins edit both; charts and the open data read them.
const GOAL_11_SOURCE =
  'Declaration on Launching the Global Alliance against Child Sexual Abuse Online, Brussels, 5 December 2012: operational goal 1.1';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('indicators', (table) => {
    table.decimal('goal_annual_change', 7, 4).comment('yearly change the goal asks for: 0.1 is +10 % a year; null when it sets none');
    table.text('goal_source').notNullable().defaultTo('').comment('where the goal is written');
    table.check('goal_annual_change between -1 and 10', [], 'indicators_goal_annual_change_range');
  });
  await knex('indicators').where({ code: 'victims_identified' }).update({ goal_annual_change: 0.1, goal_source: GOAL_11_SOURCE });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('indicators', (table) => {
    table.dropChecks(['indicators_goal_annual_change_range']);
    table.dropColumn('goal_annual_change');
    table.dropColumn('goal_source');
  });
}
