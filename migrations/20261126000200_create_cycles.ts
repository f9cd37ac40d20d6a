import type { Knex } from 'knex';

// A reporting cycle: its dates are the plan (opens_on, closes_on) and the deadline (due_on);
// its state is what the secretariat decided (planned, open, closed).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cycles', (table) => {
    table.increments('id');
    table.string('slug', 60).notNullable().unique();
    table.text('title').notNullable();
    table.text('kind').notNullable();
    table.date('opens_on').notNullable();
    table.date('due_on').notNullable();
    table.date('closes_on').notNullable();
    table.text('state').notNullable().defaultTo('planned');
    table.timestamps(true, true);
    table.check("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", [], 'cycles_slug_format');
    table.check("kind in ('commitments', 'progress')", [], 'cycles_kind_known');
    table.check("state in ('planned', 'open', 'closed')", [], 'cycles_state_known');
    table.check('opens_on < due_on and due_on <= closes_on', [], 'cycles_dates_in_order');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cycles');
}
