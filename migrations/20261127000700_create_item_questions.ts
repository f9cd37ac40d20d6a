import type { Knex } from 'knex';

// Questions the secretariat asks about single items of a report (a target's baseline, a
// pledge, a progress update, an indicator value), and the delegates' answers. A question
// is a draft until the report is returned with it (sent_at, and the report version it
// was sent about); the thread stays with the report and is never public (no public view
// reads this table).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('item_questions', (table) => {
    table.increments('id');
    table.integer('report_id').notNullable().references('reports.id').onDelete('CASCADE');
    table.text('item_key').notNullable().comment('the item: baseline-PT1, action-12, update-12, indicator-victims_identified');
    table.text('question').notNullable();
    table.integer('asked_by').notNullable().references('users.id');
    table.timestamp('asked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('sent_at', { useTz: true });
    table.integer('sent_with_version');
    table.text('answer');
    table.integer('answered_by').references('users.id');
    table.timestamp('answered_at', { useTz: true });
    table.index(['report_id', 'item_key']);
    table.check("item_key ~ '^(baseline|action|update|indicator)-[A-Za-z0-9_.]+$'", [], 'item_questions_item_known');
    table.check('length(btrim(question)) > 0', [], 'item_questions_question_present');
    table.check('(sent_at is null) = (sent_with_version is null)', [], 'item_questions_sent_with_version');
    table.check('answer is null or sent_at is not null', [], 'item_questions_answered_once_sent');
    table.check('(answer is null) = (answered_at is null)', [], 'item_questions_answer_dated');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('item_questions');
}
