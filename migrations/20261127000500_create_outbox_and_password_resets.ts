import type { Knex } from 'knex';

// Mail and getting back in.
//
// outbox: every message is written here in the transaction of the event that causes
// it, then delivered by the sender (src/mail/sender.ts), which claims one row at a time
// with FOR UPDATE SKIP LOCKED so that several app instances never send the same one.
// `dedupe_key` makes a message that must go once (a reminder per member, cycle and kind)
// unique however often the code that writes it runs.
//
// password_resets: one-time links, stored only as SHA-256 hashes, like invitations.
//
// users.language: mail goes out in the language the person uses the site in.
// users.password_changed_at: failed sign-ins before it no longer count against the
// account, so the owner who proved it with a reset link is let through.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (table) => {
    table.text('language').notNullable().defaultTo('en');
    table.timestamp('password_changed_at', { useTz: true });
    table.check("language in ('en', 'fr', 'de')", [], 'users_language_known');
  });
  await knex.schema.alterTable('invitations', (table) => {
    table.text('language').notNullable().defaultTo('en');
    table.check("language in ('en', 'fr', 'de')", [], 'invitations_language_known');
  });

  await knex.schema.createTable('outbox', (table) => {
    table.bigIncrements('id');
    table.text('kind').notNullable();
    table.text('recipient').notNullable();
    table.integer('user_id').references('users.id');
    table.text('language').notNullable();
    table.text('subject').notNullable();
    table.text('body_text').notNullable();
    table.text('body_html').notNullable();
    table.text('dedupe_key').unique();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.integer('attempts').notNullable().defaultTo(0);
    table.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('sent_at', { useTz: true });
    table.text('last_error');
    table.check("language in ('en', 'fr', 'de')", [], 'outbox_language_known');
    table.check("recipient ~ '^[^@\\s]+@[^@\\s]+$'", [], 'outbox_recipient_format');
  });
  await knex.raw('create index outbox_due on outbox (next_attempt_at, id) where sent_at is null');

  await knex.schema.createTable('password_resets', (table) => {
    table.increments('id');
    table.string('token_hash', 64).notNullable().unique();
    table.integer('user_id').notNullable().references('users.id');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('expires_at', { useTz: true }).notNullable();
    table.timestamp('used_at', { useTz: true });
    table.check('expires_at > created_at', [], 'password_resets_expire_later');
    table.index(['user_id', 'created_at']);
  });

  // Failed sign-ins are counted per throttle key (the account, or the address as typed),
  // not per e-mail text any more.
  await knex.raw('drop index audit_events_failed_sign_in_email');
  await knex.raw(
    "create index audit_events_failed_sign_in_key on audit_events ((details ->> 'key'), at) where verb = 'auth.sign_in_failed'",
  );
  await knex.raw(
    "create index audit_events_reset_requests on audit_events (ip_address, at) where verb in ('auth.password_reset_requested', 'auth.password_reset_throttled')",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index audit_events_reset_requests');
  await knex.raw('drop index audit_events_failed_sign_in_key');
  await knex.raw(
    "create index audit_events_failed_sign_in_email on audit_events ((lower(details ->> 'email')), at) where verb = 'auth.sign_in_failed'",
  );
  await knex.schema.dropTable('password_resets');
  await knex.schema.dropTable('outbox');
  await knex.schema.alterTable('invitations', (table) => {
    table.dropChecks(['invitations_language_known']);
    table.dropColumn('language');
  });
  await knex.schema.alterTable('users', (table) => {
    table.dropChecks(['users_language_known']);
    table.dropColumn('password_changed_at');
    table.dropColumn('language');
  });
}
