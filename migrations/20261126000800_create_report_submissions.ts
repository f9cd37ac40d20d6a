import type { Knex } from 'knex';

// Every submitted version of a report, frozen as it was submitted, with the outcome of
// its review. A report's live rows change while it is a draft; these never do.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('report_submissions', (table) => {
    table.increments('id');
    table.integer('report_id').notNullable().references('reports.id').onDelete('CASCADE');
    table.integer('number').notNullable();
    table.timestamp('submitted_at', { useTz: true }).notNullable();
    table.integer('submitted_by').references('users.id');
    table.boolean('late').notNullable();
    table.jsonb('content').notNullable();
    table.text('outcome');
    table.timestamp('reviewed_at', { useTz: true });
    table.integer('reviewed_by').references('users.id');
    table.text('review_comment');
    table.unique(['report_id', 'number']);
    table.check('number >= 1', [], 'report_submissions_number_positive');
    table.check("outcome is null or outcome in ('accepted', 'returned')", [], 'report_submissions_outcome_known');
    table.check('(outcome is null) = (reviewed_at is null)', [], 'report_submissions_reviewed_have_a_date');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('report_submissions');
}
