import type { Knex } from 'knex';

// One counter that moves whenever something the public pages show changes: a report
// accepted (or an accepted one changed), members, cycles, targets, goals, indicators.
// Every app instance compares it with the version of its cached pages, so a cache is
// never stale, however many instances share the database.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create table public_data_version (id boolean primary key default true check (id), version bigint not null)');
  await knex.raw('insert into public_data_version (version) values (1)');
  await knex.raw(`
    create function bump_public_data_version() returns trigger language plpgsql as $$
    begin
      update public_data_version set version = version + 1;
      return null;
    end;
    $$`);
  await knex.raw(`create trigger reports_insert_bump_public_data_version after insert on reports
    for each row when (new.state = 'accepted') execute function bump_public_data_version()`);
  await knex.raw(`create trigger reports_update_bump_public_data_version after update on reports
    for each row when (old.state = 'accepted' or new.state = 'accepted') execute function bump_public_data_version()`);
  await knex.raw(`create trigger reports_delete_bump_public_data_version after delete on reports
    for each row when (old.state = 'accepted') execute function bump_public_data_version()`);
  for (const table of ['countries', 'cycles', 'policy_targets', 'operational_goals', 'indicators']) {
    await knex.raw(`create trigger ${table}_bump_public_data_version after insert or update or delete or truncate on ${table}
      for each statement execute function bump_public_data_version()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const event of ['insert', 'update', 'delete']) await knex.raw(`drop trigger reports_${event}_bump_public_data_version on reports`);
  for (const table of ['countries', 'cycles', 'policy_targets', 'operational_goals', 'indicators']) {
    await knex.raw(`drop trigger ${table}_bump_public_data_version on ${table}`);
  }
  await knex.raw('drop function bump_public_data_version()');
  await knex.raw('drop table public_data_version');
}
