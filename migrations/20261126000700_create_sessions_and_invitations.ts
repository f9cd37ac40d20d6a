import type { Knex } from 'knex';

// Sign-in state. Sessions are stored in PostgreSQL (the connect-pg-simple layout) so
// that any app instance can serve any user, and a deactivated user's sessions can be
// deleted at once. Invitation tokens are stored only as SHA-256 hashes.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (table) => {
    table.string('sid').primary();
    table.json('sess').notNullable();
    table.timestamp('expire', { precision: 6, useTz: false }).notNullable();
    table.index('expire');
  });
  await knex.raw("create index sessions_user on sessions (((sess ->> 'userId')::integer))");

  await knex.schema.createTable('invitations', (table) => {
    table.increments('id');
    table.string('token_hash', 64).notNullable().unique();
    table.text('email').notNullable();
    table.text('name').notNullable();
    table.text('role').notNullable();
    table.string('country_code', 2).references('countries.code').onUpdate('CASCADE');
    table.integer('invited_by').references('users.id');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('expires_at', { useTz: true }).notNullable();
    table.timestamp('accepted_at', { useTz: true });
    table.integer('user_id').references('users.id');
    table.check("role in ('delegate', 'secretariat', 'admin')", [], 'invitations_role_known');
    table.check("(role = 'delegate') = (country_code is not null)", [], 'invitations_delegates_have_a_country');
    table.check('expires_at > created_at', [], 'invitations_expire_later');
    table.check('(accepted_at is null) = (user_id is null)', [], 'invitations_accepted_by_a_user');
  });

  // Failed sign-ins are counted from the audit trail to throttle guessing.
  await knex.raw(
    "create index audit_events_failed_sign_in_email on audit_events ((lower(details ->> 'email')), at) where verb = 'auth.sign_in_failed'",
  );
  await knex.raw("create index audit_events_failed_sign_in_address on audit_events (ip_address, at) where verb = 'auth.sign_in_failed'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index audit_events_failed_sign_in_address');
  await knex.raw('drop index audit_events_failed_sign_in_email');
  await knex.schema.dropTable('invitations');
  await knex.schema.dropTable('sessions');
}
