import type { Knex } from 'knex';

// People who sign in. A delegate is bound to exactly one country; secretariat and
// admin staff to none. E-mail addresses are unique whatever their case.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (table) => {
    table.increments('id');
    table.text('email').notNullable();
    table.text('name').notNullable();
    table.text('role').notNullable();
    table.string('country_code', 2).references('countries.code').onUpdate('CASCADE');
    table.text('password_hash').comment('null until an invited person sets a password');
    table.boolean('active').notNullable().defaultTo(true);
    table.timestamp('last_signed_in_at', { useTz: true });
    table.timestamps(true, true);
    table.check("role in ('delegate', 'secretariat', 'admin')", [], 'users_role_known');
    table.check("(role = 'delegate') = (country_code is not null)", [], 'users_delegates_have_a_country');
    table.check("email ~ '^[^@\\s]+@[^@\\s]+$'", [], 'users_email_format');
    table.check('length(btrim(name)) > 0', [], 'users_name_present');
  });
  await knex.raw('create unique index users_email_unique on users (lower(email))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
}
