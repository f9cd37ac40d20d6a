import type { Knex } from 'knex';
import { statusOf } from './20261127000900_public_action_status';

/**
 * Recounts the kept counts of the members `members` selects (a query of country codes),
 * changing only the count rows that differ.
 */
export const recountPublicActionCounts = (members: string) => `
      with fresh as (
        select country_code, target_code, latest_status, count(*)::integer as actions from public_action_status
         where country_code in (${members})
         group by country_code, target_code, latest_status),
      gone as (
        delete from public_action_counts c
         where c.country_code in (${members})
           and not exists (select 1 from fresh f
                            where f.country_code = c.country_code and f.target_code = c.target_code and f.latest_status = c.latest_status))
      insert into public_action_counts (country_code, target_code, latest_status, actions)
      select country_code, target_code, latest_status, actions from fresh
      on conflict (country_code, target_code, latest_status) do update set actions = excluded.actions
       where public_action_counts.actions <> excluded.actions;`;

/** The refresh as this migration defines it (a later migration's down puts it back). */
export const REFRESH_PUBLIC_ACTION_STATUS = `
    create or replace function refresh_public_action_status(ids integer[]) returns void language sql as $$
      delete from public_action_status where action_id in (select unnest(ids));
      insert into public_action_status ${statusOf('ids')};
      ${recountPublicActionCounts('select distinct country_code from actions where id in (select unnest(ids))')}
    $$`;

// The public data version (which the page cache and the app's per-version memo of the public
// summaries follow) moves whenever the kept per-member counts change, whoever changed them —
// an accepted report, the import, the demo loader, a correction in SQL — and only then: a
// delegate's draft also runs the refresh, which now changes only the count rows that differ
// (it deleted and re-inserted a member's rows) and so bumps nothing.
// One trigger per event, because a trigger with transition tables may have only one.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(REFRESH_PUBLIC_ACTION_STATUS);
  await knex.raw(`
    create function bump_public_data_version_if_counts_changed() returns trigger language plpgsql as $$
    declare
      next_version bigint;
    begin
      if tg_op = 'DELETE' then
        if not exists (select 1 from changed_old) then return null; end if;
      elsif not exists (select 1 from changed_new) then
        return null;
      end if;
      update public_data_version set version = version + 1 returning version into next_version;
      perform pg_notify('public_data_version', next_version::text);
      return null;
    end;
    $$`);
  await knex.raw(`create trigger public_action_counts_insert_bump after insert on public_action_counts
    referencing new table as changed_new for each statement execute function bump_public_data_version_if_counts_changed()`);
  await knex.raw(`create trigger public_action_counts_update_bump after update on public_action_counts
    referencing new table as changed_new for each statement execute function bump_public_data_version_if_counts_changed()`);
  await knex.raw(`create trigger public_action_counts_delete_bump after delete on public_action_counts
    referencing old table as changed_old for each statement execute function bump_public_data_version_if_counts_changed()`);
}

export async function down(knex: Knex): Promise<void> {
  for (const event of ['insert', 'update', 'delete'])
    await knex.raw(`drop trigger public_action_counts_${event}_bump on public_action_counts`);
  await knex.raw('drop function bump_public_data_version_if_counts_changed()');
  await knex.raw(`
    create or replace function refresh_public_action_status(ids integer[]) returns void language sql as $$
      delete from public_action_status where action_id in (select unnest(ids));
      insert into public_action_status ${statusOf('ids')};
      delete from public_action_counts
       where country_code in (select distinct country_code from actions where id in (select unnest(ids)));
      insert into public_action_counts (country_code, target_code, latest_status, actions)
      select country_code, target_code, latest_status, count(*) from public_action_status
       where country_code in (select distinct country_code from actions where id in (select unnest(ids)))
       group by country_code, target_code, latest_status;
    $$`);
}
