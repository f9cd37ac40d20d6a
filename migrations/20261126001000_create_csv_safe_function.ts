import type { Knex } from 'knex';

// Spreadsheet formula injection (OWASP "CSV injection"): a text cell that starts with
// = + - @ or a tab, CR or LF is exported with a leading apostrophe, so a spreadsheet shows
// it as text and never runs it. Done in SQL so exports can stream straight from COPY.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function csv_safe(value text) returns text
    language sql immutable parallel safe as $$
      select case when value ~ '^[=+@\\t\\r\\n-]' then '''' || value else value end
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function csv_safe(text)');
}
