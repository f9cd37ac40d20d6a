import type { Knex } from 'knex';

// Search reads a stored document instead of computing one per row. The full-text index of
// ...000900 indexed the expression to_tsvector(title || description || responsible_body),
// but PostgreSQL recomputes that expression for every row it checks: a word that 48,000
// actions contain cost half a second. The document is now a generated column, kept by
// PostgreSQL when an action's text changes, and indexed.
const DOCUMENT = "to_tsvector('simple', title || ' ' || description || ' ' || responsible_body)";

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table actions add column search_document tsvector generated always as (${DOCUMENT}) stored`);
  await knex.raw('drop index actions_text_search');
  await knex.raw('create index actions_search_document on actions using gin (search_document)');
  // Statistics for the new column: without them a common word is planned as a rare one.
  await knex.raw('analyze actions');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index actions_search_document');
  await knex.raw('alter table actions drop column search_document');
  await knex.raw(`create index actions_text_search on actions using gin (${DOCUMENT})`);
}
