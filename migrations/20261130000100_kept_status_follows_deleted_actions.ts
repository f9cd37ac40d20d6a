import type { Knex } from 'knex';
import { statusOf } from './20261127000900_public_action_status';
import { recountPublicActionCounts, REFRESH_PUBLIC_ACTION_STATUS } from './20261127001100_summaries_bump_public_data_version';

// Two faults of the kept status (public_action_status) and its counts (public_action_counts):
//
// - A published action deleted (a correction in SQL, or its report deleted, which cascades)
//   left its member's counts as they were: the status row went by its foreign key's cascade,
//   and nothing recounted. A member's counts are now recounted whenever one of its actions
//   goes, or moves to another member.
// - Every status row written checked that foreign key, one row at a time, with a plan the
//   connection made once and kept. Made while `actions` was small, that plan reads the whole
//   table for each row: one insert of 20,000 actions spent 7.5 of its 8.2 s there (auto_explain,
//   the exports tests' database). The status is derived from `actions` and written only by the
//   refresh, which now also removes the rows of deleted actions, so the key guarded nothing
//   the refresh does not; it is dropped (the same insert: 0.7 s).
//
// The counts' recount becomes a function of its own, which the actions' delete trigger and
// their update trigger call with the members the statement's actions left.

const REFRESH_PUBLIC_ACTION_COUNTS = `
  create function refresh_public_action_counts(members varchar[]) returns void language sql as $$
    ${recountPublicActionCounts('select unnest(members)')}
  $$`;

const REFRESH_PUBLIC_ACTION_STATUS_AND_COUNTS = `
  create or replace function refresh_public_action_status(ids integer[]) returns void language sql as $$
    delete from public_action_status where action_id in (select unnest(ids));
    insert into public_action_status ${statusOf('ids')};
    select refresh_public_action_counts(array(select distinct country_code from actions where id in (select unnest(ids))));
  $$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table public_action_status drop constraint public_action_status_action_id_fkey');
  await knex.raw(REFRESH_PUBLIC_ACTION_COUNTS);
  await knex.raw(REFRESH_PUBLIC_ACTION_STATUS_AND_COUNTS);
  await knex.raw(`
    create function actions_delete_refresh_public_action_status() returns trigger language plpgsql as $$
    begin
      perform refresh_public_action_status(array(select id from old_rows));
      perform refresh_public_action_counts(array(select distinct country_code from old_rows));
      return null;
    end;
    $$`);
  await knex.raw(`create trigger actions_delete_refresh_public_action_status after delete on actions
    referencing old table as old_rows for each statement execute function actions_delete_refresh_public_action_status()`);
  // The update trigger's function (20261127000900) now also recounts the member an action left.
  await knex.raw(`
    create or replace function actions_update_refresh_public_action_status() returns trigger language plpgsql as $$
    begin
      perform refresh_public_action_status(array(select distinct id from new_rows));
      perform refresh_public_action_counts(array(
        select distinct o.country_code from old_rows o join new_rows n on n.id = o.id where n.country_code <> o.country_code));
      return null;
    end;
    $$`);
  // The counts a deletion before this migration left as they were.
  await knex.raw('select refresh_public_action_counts(array(select code from countries))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function actions_update_refresh_public_action_status() returns trigger language plpgsql as $$
    begin
      perform refresh_public_action_status(array(select distinct id from (select id from new_rows) as concerned (id)));
      return null;
    end;
    $$`);
  await knex.raw('drop trigger actions_delete_refresh_public_action_status on actions');
  await knex.raw('drop function actions_delete_refresh_public_action_status()');
  await knex.raw(REFRESH_PUBLIC_ACTION_STATUS);
  await knex.raw('drop function refresh_public_action_counts(varchar[])');
  await knex.raw(`alter table public_action_status
    add constraint public_action_status_action_id_fkey foreign key (action_id) references actions (id) on delete cascade`);
}
