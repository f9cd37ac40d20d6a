import type { Knex } from 'knex';

// When the public data version last moved, for open data's Last-Modified. Open data used to
// date itself by the latest acceptance and member edit, and tag itself with their counts:
// a correction to an accepted report, a cycle renamed or an indicator reworded changed the
// files and neither, so a client holding the old file was answered 304 Not Modified. The
// version moves on all of these (and announces it), so the files are now tagged by the
// version and dated by when it moved. One trigger dates every writer of the version.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table public_data_version add column changed_at timestamptz not null default now()');
  await knex.raw(`
    create function date_public_data_version() returns trigger language plpgsql as $$
    begin
      new.changed_at := now();
      return new;
    end;
    $$`);
  await knex.raw(`create trigger public_data_version_dated before update of version on public_data_version
    for each row execute function date_public_data_version()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger public_data_version_dated on public_data_version');
  await knex.raw('drop function date_public_data_version()');
  await knex.raw('alter table public_data_version drop column changed_at');
}
