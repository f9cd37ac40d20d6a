import type { Knex } from 'knex';

// A counter that moves, and is announced on the channel `users_version`, whenever what a
// signed-in request reads about its user changes: a user's name, email, role, country or
// active flag, or a user deleted. App instances LISTEN to it and keep the users they have
// looked up until it moves (src/auth/kept-users.ts), so a signed-in page does not read its
// user on every request, yet a deactivation or a new role applies as soon as it commits.
// A sign-in (last_signed_in_at, language) does not move it.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create table users_version (id boolean primary key default true check (id), version bigint not null)');
  await knex.raw('insert into users_version (version) values (1)');
  await knex.raw(`
    create function bump_users_version() returns trigger language plpgsql as $$
    declare
      next_version bigint;
    begin
      update users_version set version = version + 1 returning version into next_version;
      perform pg_notify('users_version', next_version::text);
      return null;
    end;
    $$`);
  await knex.raw(`create trigger users_update_bump_users_version after update on users for each row
    when (old.email is distinct from new.email or old.name is distinct from new.name or old.role is distinct from new.role
      or old.country_code is distinct from new.country_code or old.active is distinct from new.active or old.id is distinct from new.id)
    execute function bump_users_version()`);
  await knex.raw('create trigger users_delete_bump_users_version after delete on users for each row execute function bump_users_version()');
  await knex.raw(
    'create trigger users_truncate_bump_users_version after truncate on users for each statement execute function bump_users_version()',
  );
}

export async function down(knex: Knex): Promise<void> {
  for (const event of ['update', 'delete', 'truncate']) await knex.raw(`drop trigger users_${event}_bump_users_version on users`);
  await knex.raw('drop function bump_users_version()');
  await knex.raw('drop table users_version');
}
