import { useTestDatabase } from './helpers/database';
import { makeAction, makeCountry, makeCycle, makeReport, makeUpdate } from './helpers/factories';

// The rules live in the database too: these inserts go straight to PostgreSQL,
// bypassing the app, and must be refused there.
describe('database constraints', () => {
  const database = useTestDatabase();

  const refused = (promise: Promise<unknown>, constraint: RegExp | string) => expect(promise).rejects.toThrow(constraint);

  it('allow one report per country and cycle', async () => {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db);
    await makeReport(database.db, country.code, cycle.id, 'draft');
    await refused(makeReport(database.db, country.code, cycle.id, 'draft'), /reports_country_code_cycle_id_unique/);
  });

  it('refuse unknown report states, statuses and out-of-range percentages', async () => {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db);
    await refused(makeReport(database.db, country.code, cycle.id, 'published' as 'draft'), /reports_state_known/);
    const report = await makeReport(database.db, country.code, cycle.id);
    const action = await makeAction(database.db, report);
    await refused(makeUpdate(database.db, report, action.id, { status: 'finished' }), /action_updates_status_known/);
    await refused(makeUpdate(database.db, report, action.id, { percent_complete: 101 }), /action_updates_percent_range/);
    await refused(makeUpdate(database.db, report, action.id, { percent_complete: -1 }), /action_updates_percent_range/);
    await refused(
      makeUpdate(database.db, report, action.id, { status: 'completed', percent_complete: 40 }),
      /action_updates_completed_is_whole/,
    );
  });

  it('allow one update per action and report', async () => {
    const country = await makeCountry(database.db);
    const report = await makeReport(database.db, country.code, (await makeCycle(database.db)).id);
    const action = await makeAction(database.db, report);
    await makeUpdate(database.db, report, action.id);
    await refused(makeUpdate(database.db, report, action.id), /action_updates_report_id_action_id_unique/);
  });

  it("keep a report to its own country: no update of another country's action", async () => {
    const cycle = await makeCycle(database.db);
    const mine = await makeReport(database.db, (await makeCountry(database.db)).code, cycle.id);
    const theirs = await makeReport(database.db, (await makeCountry(database.db)).code, cycle.id);
    const theirAction = await makeAction(database.db, theirs);
    await refused(
      database
        .db('action_updates')
        .insert({ report_id: mine.id, action_id: theirAction.id, country_code: mine.country_code, status: 'in_progress' }),
      /action_updates_action_id_country_code_foreign/,
    );
  });

  it('refuse a goal that belongs to another target', async () => {
    const report = await makeReport(database.db, (await makeCountry(database.db)).code, (await makeCycle(database.db)).id);
    await refused(makeAction(database.db, report, { target_code: 'PT1', goal_code: '4.2' }), /actions_target_code_goal_code_foreign/);
    await expect(makeAction(database.db, report, { target_code: 'PT4', goal_code: '4.2' })).resolves.toBeDefined();
  });

  it('refuse a withdrawal without a reason', async () => {
    const country = await makeCountry(database.db);
    const pledged = await makeReport(database.db, country.code, (await makeCycle(database.db)).id);
    const later = await makeReport(database.db, country.code, (await makeCycle(database.db, { kind: 'progress' })).id, 'draft');
    const action = await makeAction(database.db, pledged);
    await refused(
      database.db('actions').where({ id: action.id }).update({ withdrawn_in_report_id: later.id }),
      /actions_withdrawal_has_a_reason/,
    );
  });

  it('refuse cycles whose dates are out of order and returned reports without a comment', async () => {
    await refused(
      makeCycle(database.db, { opens_on: '2030-06-30', due_on: '2030-01-01', closes_on: '2030-12-31' }),
      /cycles_dates_in_order/,
    );
    await refused(
      makeCycle(database.db, { opens_on: '2030-01-01', due_on: '2030-06-30', closes_on: '2030-03-01' }),
      /cycles_dates_in_order/,
    );
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db);
    await refused(
      database.db('reports').insert({
        country_code: country.code,
        cycle_id: cycle.id,
        state: 'returned',
        submitted_at: new Date(),
        reviewed_at: new Date(),
        review_comment: '  ',
      }),
      /reports_returned_have_a_comment/,
    );
  });

  it('keep e-mail addresses unique whatever their case, and delegates bound to a country', async () => {
    await database.db('users').insert({ email: 'Delegate@Example.org', name: 'A', role: 'secretariat' });
    await refused(database.db('users').insert({ email: 'delegate@example.ORG', name: 'B', role: 'secretariat' }), /users_email_unique/);
    await refused(database.db('users').insert({ email: 'c@example.org', name: 'C', role: 'delegate' }), /users_delegates_have_a_country/);
    await refused(
      database.db('users').insert({ email: 'd@example.org', name: 'D', role: 'admin', country_code: 'FR' }),
      /users_delegates_have_a_country/,
    );
    await refused(database.db('users').insert({ email: 'e@example.org', name: 'E', role: 'superuser' }), /users_role_known/);
  });

  it('keep country codes to two capital letters and membership dates in order', async () => {
    await refused(database.db('countries').insert({ code: 'fr', name: 'Lowercase', region: 'Europe' }), /countries_code_format/);
    await refused(makeCountry(database.db, { joined_on: '2014-01-01', left_on: '2013-01-01' }), /countries_left_after_joined/);
  });

  it('keep the audit trail append-only', async () => {
    const [event] = await database.db('audit_events').insert({ actor_label: 'test', verb: 'test.done', entity: 'test' }).returning('id');
    await refused(database.db('audit_events').where({ id: event.id }).update({ verb: 'test.changed' }), /append-only/);
    await refused(database.db('audit_events').where({ id: event.id }).delete(), /append-only/);
    await refused(database.db.raw('truncate audit_events'), /append-only/);
    expect(await database.db('audit_events').where({ id: event.id }).first()).toMatchObject({ verb: 'test.done' });
  });
});
