import type { Knex } from 'knex';

// Every change to a stored session is announced on the channel `sessions_changed` when it
// commits: an update or delete with the session's id, a truncate with '*'. App instances
// keep the sessions they have read until then (src/auth/kept-sessions.ts), so a signed-in
// page does not read its session on every request, yet a sign-out, a new sign-in or a
// deactivated user's sessions deleted on one instance end there on every instance at once.
// A new session (an insert) is announced by nothing: no instance can have kept it.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function announce_session_change() returns trigger language plpgsql as $$
    begin
      perform pg_notify('sessions_changed', case when tg_op = 'TRUNCATE' then '*' else old.sid end);
      return null;
    end;
    $$`);
  await knex.raw(
    'create trigger sessions_announce_change after update or delete on sessions for each row execute function announce_session_change()',
  );
  await knex.raw(
    'create trigger sessions_announce_truncate after truncate on sessions for each statement execute function announce_session_change()',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger sessions_announce_truncate on sessions');
  await knex.raw('drop trigger sessions_announce_change on sessions');
  await knex.raw('drop function announce_session_change()');
}
