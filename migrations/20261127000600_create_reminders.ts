import type { Knex } from 'knex';

// Reminders to members who have not submitted: N days before a cycle's due date (the
// cycle's reminder_days, 14 and 3 by default) and once when overdue. A row per member,
// cycle and kind is written with the reminder's mails, in one transaction; its primary
// key makes each reminder go at most once however often (and on however many app
// instances) the scheduler runs.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cycles', (table) => {
    table.specificType('reminder_days', 'integer[]').notNullable().defaultTo('{14,3}');
  });
  await knex.raw(
    'alter table cycles add constraint cycles_reminder_days_sensible check (cardinality(reminder_days) <= 5 and 1 <= all(reminder_days) and 90 >= all(reminder_days))',
  );
  await knex.schema.createTable('reminders', (table) => {
    table.integer('cycle_id').notNullable().references('cycles.id').onDelete('CASCADE');
    table.string('country_code', 2).notNullable().references('countries.code').onUpdate('CASCADE');
    table.text('kind').notNullable().comment("'before-<days>' or 'overdue'");
    table.timestamp('sent_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['cycle_id', 'country_code', 'kind']);
    table.check("kind ~ '^(before-[0-9]+|overdue)$'", [], 'reminders_kind_known');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reminders');
  await knex.raw('alter table cycles drop constraint cycles_reminder_days_sensible');
  await knex.schema.alterTable('cycles', (table) => {
    table.dropColumn('reminder_days');
  });
}
