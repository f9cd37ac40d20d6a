import type { Knex } from 'knex';

// Every change of the public data version is also announced on the channel
// `public_data_version`, with the new version as payload. App instances LISTEN to it and
// so know the current version without asking the database on every public page.
// PostgreSQL delivers the notification when the transaction commits, never before.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function bump_public_data_version() returns trigger language plpgsql as $$
    declare
      next_version bigint;
    begin
      update public_data_version set version = version + 1 returning version into next_version;
      perform pg_notify('public_data_version', next_version::text);
      return null;
    end;
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function bump_public_data_version() returns trigger language plpgsql as $$
    begin
      update public_data_version set version = version + 1;
      return null;
    end;
    $$`);
}
