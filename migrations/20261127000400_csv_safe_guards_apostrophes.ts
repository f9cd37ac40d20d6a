import type { Knex } from 'knex';

// The formula guard also guards a cell that starts with an apostrophe, so the import can
// remove exactly the apostrophe the export added and keep one the member typed
// ("'=SUM(A1)" is exported as "''=SUM(A1)" and read back as "'=SUM(A1)").
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function csv_safe(value text) returns text
    language sql immutable parallel safe as $$
      select case when value ~ '^[=+@\\t\\r\\n''-]' then '''' || value else value end
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function csv_safe(value text) returns text
    language sql immutable parallel safe as $$
      select case when value ~ '^[=+@\\t\\r\\n-]' then '''' || value else value end
    $$`);
}
