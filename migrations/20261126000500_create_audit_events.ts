import type { Knex } from 'knex';

// The audit trail. Append-only in the database itself: a trigger refuses UPDATE,
// DELETE and TRUNCATE, whatever the application (or a person with psql) tries.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_events', (table) => {
    table.bigIncrements('id');
    table.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.integer('actor_user_id').references('users.id');
    table.text('actor_label').notNullable().comment('who, when there is no user: cli, anonymous, system');
    table.text('verb').notNullable();
    table.text('entity').notNullable();
    table.text('entity_id');
    table.string('country_code', 2);
    table.jsonb('details').notNullable().defaultTo('{}');
    table.specificType('ip_address', 'inet');
    table.check("verb ~ '^[a-z][a-z_.]*$'", [], 'audit_events_verb_format');
  });
  await knex.raw('create index audit_events_at on audit_events (at desc)');
  await knex.raw('create index audit_events_actor on audit_events (actor_user_id, at desc)');
  await knex.raw('create index audit_events_country on audit_events (country_code, at desc)');
  await knex.raw(`
    create function audit_events_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end;
    $$`);
  await knex.raw(`
    create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function audit_events_refuse_change()`);
  await knex.raw(`
    create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_refuse_change()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_events');
  await knex.raw('drop function audit_events_refuse_change()');
}
