import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeCountry, makeCycle, makeIndicatorValue, makeReport, makeUser, unique } from './helpers/factories';
import { csrfTokenIn, postForm, signIn, type Agent } from './helpers/session';

describe('administration', () => {
  const database = useTestDatabase();
  let app: Express;
  let admin: Agent;
  let adminId: number;
  beforeAll(async () => {
    app = buildTestApp(database);
    const user = await makeUser(database.db, { role: 'admin' });
    adminId = user.id;
    admin = await signIn(app, user.email);
  });

  it('cycles: the secretariat plans one, opens it (delegates can then edit), edits its dates and closes it (locked)', async () => {
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    const country = await makeCountry(database.db);
    const delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    const slug = `2040-progress-${Date.now()}`;

    const bad = await postForm(staff, '/admin/cycles', '/admin/cycles', {
      slug,
      title: 'Progress 2040',
      kind: 'progress',
      opens_on: '2040-05-01',
      due_on: '2040-04-01',
      closes_on: '2040-06-01',
    });
    expect(bad.status).toBe(422);
    expect(cheerio.load(bad.text)('#cycle-due_on-error').text()).toContain('after the opening date');
    expect(cheerio.load(bad.text)('#cycle-title').val()).toBe('Progress 2040');

    expect(
      (
        await postForm(staff, '/admin/cycles', '/admin/cycles', {
          slug,
          title: 'Progress 2040',
          kind: 'progress',
          opens_on: '2040-01-01',
          due_on: '2040-04-01',
          closes_on: '2040-06-01',
        })
      ).status,
    ).toBe(303);
    expect((await delegate.get(`/reports/${country.code}/${slug}`)).text).toContain('has not opened yet');
    expect((await postForm(staff, '/admin/cycles', `/admin/cycles/${slug}/state`, { state: 'open' })).status).toBe(303);
    expect(cheerio.load((await delegate.get(`/reports/${country.code}/${slug}`)).text)('#lock-reason')).toHaveLength(0);
    expect(
      (
        await postForm(staff, '/admin/cycles', `/admin/cycles/${slug}`, {
          title: 'Progress 2040',
          opens_on: '2040-01-01',
          due_on: '2040-05-01',
          closes_on: '2040-06-01',
        })
      ).status,
    ).toBe(303);
    expect((await database.db('cycles').where({ slug }).first()).due_on).toBe('2040-05-01');
    expect((await postForm(staff, '/admin/cycles', `/admin/cycles/${slug}/state`, { state: 'closed' })).status).toBe(303);
    expect((await delegate.get(`/reports/${country.code}/${slug}`)).text).toContain('closed on');
    expect(await database.db('audit_events').where({ entity: 'cycle', entity_id: slug }).orderBy('id').pluck('verb')).toEqual([
      'cycle.created',
      'cycle.opened',
      'cycle.changed',
      'cycle.closed',
    ]);
  });

  it('countries: an admin adds a member and renames one, and the public pages follow', async () => {
    const name = unique('Newland');
    const added = await postForm(admin, '/admin/countries', '/admin/countries', {
      code: 'qx',
      name,
      region: 'Africa',
      eu_member: 'no',
      joined_on: '2014-03-01',
      left_on: '',
    });
    expect(added.status).toBe(303);
    expect(await database.db('countries').where({ code: 'QX' }).first()).toMatchObject({ name, joined_on: '2014-03-01' });
    const duplicate = await postForm(admin, '/admin/countries', '/admin/countries', {
      code: 'QX',
      name: unique('Other'),
      region: 'Africa',
      eu_member: 'no',
      joined_on: '',
      left_on: '',
    });
    expect(duplicate.status).toBe(409);
    expect(cheerio.load(duplicate.text)('#country-code-error').text()).toContain('already a member');

    const renamed = await postForm(admin, '/admin/countries', '/admin/countries/TR', {
      name: 'Türkiye',
      region: 'Europe',
      eu_member: 'no',
      joined_on: '2012-12-05',
      left_on: '',
    });
    expect(renamed.status).toBe(303);
    expect(
      cheerio
        .load((await request(app).get('/countries/TR')).text)('h1')
        .text(),
    ).toBe('Türkiye');
    const badDates = await postForm(admin, '/admin/countries', '/admin/countries/TR', {
      name: 'Türkiye',
      region: 'Europe',
      eu_member: 'no',
      joined_on: '2012-12-05',
      left_on: '2012-01-01',
    });
    expect(badDates.status).toBe(422);
    expect(cheerio.load(badDates.text)('#country-TR-left_on').val()).toBe('2012-01-01');
  });

  it('indicators: an admin sets a goal’s yearly change and source, as they write numbers; the chart and the open data follow', async () => {
    const french = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
    await french.get('/language/fr');
    const saved = await postForm(french, '/admin/indicators', '/admin/indicators/offenders_prosecuted', {
      goal_code: '2.1',
      goal_annual_change: '12,5',
      goal_source: 'Rapport du secrétariat, 2014',
    });
    expect(saved.status).toBe(303);
    expect(await database.db('indicators').where({ code: 'offenders_prosecuted' }).first()).toMatchObject({
      goal_code: '2.1',
      goal_annual_change: 0.125,
      goal_source: 'Rapport du secrétariat, 2014',
    });
    // Shown back as the admin writes it.
    expect(
      cheerio
        .load((await french.get('/admin/indicators')).text)('#indicator-offenders_prosecuted-goal_annual_change')
        .val(),
    ).toBe('12,5');
    const audit = await database.db('audit_events').where({ entity: 'indicator', entity_id: 'offenders_prosecuted' }).first();
    expect(audit).toMatchObject({ verb: 'indicator.goal_changed' });

    // Refused with what was typed kept: not a number, a change without a goal, an unknown goal.
    for (const [fields, field] of [
      [{ goal_code: '2.1', goal_annual_change: 'ten', goal_source: '' }, 'goal_annual_change'],
      [{ goal_code: '', goal_annual_change: '5', goal_source: '' }, 'goal_code'],
      [{ goal_code: '9.9', goal_annual_change: '5', goal_source: '' }, 'goal_code'],
    ] as const) {
      const refused = await postForm(french, '/admin/indicators', '/admin/indicators/offenders_prosecuted', fields);
      expect(refused.status).toBe(422);
      const $ = cheerio.load(refused.text);
      expect($(`#indicator-offenders_prosecuted-${field}-error`).text()).not.toBe('');
      expect($('#indicator-offenders_prosecuted-goal_annual_change').val()).toBe(fields.goal_annual_change);
    }
    expect((await database.db('indicators').where({ code: 'offenders_prosecuted' }).first()).goal_annual_change).toBe(0.125);
    const unknown = await postForm(french, '/admin/indicators', '/admin/indicators/no_such_indicator', {
      goal_code: '',
      goal_annual_change: '',
      goal_source: '',
    });
    expect(unknown.status).toBe(404);

    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { kind: 'progress' });
    await makeIndicatorValue(
      database.db,
      (await makeReport(database.db, country.code, cycle.id, 'accepted')).id,
      'offenders_prosecuted',
      7,
    );
    const openData = (await request(app).get('/open-data/indicators.json')).body as Array<Record<string, unknown>>;
    expect(openData.find((row) => row.country_code === country.code)).toMatchObject({
      goal_code: '2.1',
      goal_annual_change: 0.125,
      goal_source: 'Rapport du secrétariat, 2014',
    });
    // Only admins: the secretariat may not.
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    expect((await staff.get('/admin/indicators')).status).toBe(403);
  });

  it('users: role and country changes take effect at once; an admin cannot demote or deactivate themselves', async () => {
    const user = await makeUser(database.db, { role: 'delegate', country_code: 'FR' });
    const agent = await signIn(app, user.email);
    expect((await agent.get('/review')).status).toBe(403);

    const changed = await postForm(admin, '/admin/users', `/admin/users/${user.id}/role`, { role: 'secretariat', country: '' });
    expect(changed.status).toBe(303);
    expect((await agent.get('/review')).status).toBe(200);
    const delegateWithoutCountry = await postForm(admin, '/admin/users', `/admin/users/${user.id}/role`, { role: 'delegate', country: '' });
    expect(delegateWithoutCountry.status).toBe(422);

    expect((await postForm(admin, '/admin/users', `/admin/users/${adminId}/deactivate`, {})).status).toBe(409);
    expect((await postForm(admin, '/admin/users', `/admin/users/${adminId}/role`, { role: 'secretariat', country: '' })).status).toBe(409);
    expect(await database.db('users').where({ id: adminId }).first()).toMatchObject({ role: 'admin', active: true });
  });

  it('users: two admins removing each other at once leave one admin; the last admin can be neither demoted nor deactivated', async () => {
    const first = await makeUser(database.db, { role: 'admin' });
    const second = await makeUser(database.db, { role: 'admin' });
    const [one, two] = [await signIn(app, first.email), await signIn(app, second.email)];
    // Only these two may manage users during this test; the others are restored after it.
    const others = await database.db('users').where({ role: 'admin', active: true }).whereNotIn('id', [first.id, second.id]).pluck('id');
    await database.db('users').whereIn('id', others).update({ active: false });
    try {
      const tokens = await Promise.all([one, two].map(async (agent) => csrfTokenIn((await agent.get('/admin/users')).text)));
      const demotions = await Promise.all([
        one.post(`/admin/users/${second.id}/role`).type('form').send({ _csrf: tokens[0], role: 'secretariat', country: '' }),
        two.post(`/admin/users/${first.id}/role`).type('form').send({ _csrf: tokens[1], role: 'secretariat', country: '' }),
      ]);

      // The loser is refused either by the rule (409: it passed the role check before the other
      // committed) or, arriving after, as no longer an admin (403); both leave one admin.
      const statuses = demotions.map((response) => response.status).sort();
      expect([
        [303, 403],
        [303, 409],
      ]).toContainEqual(statuses);
      const refused = demotions.find((response) => response.status === 409);
      if (refused) expect(cheerio.load(refused.text)('.govuk-error-summary').text()).toContain('Nobody else could manage users then');
      const remaining = await database.db('users').whereIn('id', [first.id, second.id]).andWhere({ role: 'admin', active: true });
      expect(remaining).toHaveLength(1);
      const last = remaining[0].id === first.id ? one : two;
      expect((await postForm(last, '/admin/users', `/admin/users/${remaining[0].id}/deactivate`, {})).status).toBe(409);
      expect(await database.db('users').where({ id: remaining[0].id }).first()).toMatchObject({ role: 'admin', active: true });
    } finally {
      await database.db('users').whereIn('id', others).update({ active: true });
    }
  });

  it('the audit log filters by actor, country, verb and date', async () => {
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { state: 'open', opens_on: '2020-01-01', due_on: '2099-06-30', closes_on: '2099-12-31' });
    const delegateUser = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    const delegate = await signIn(app, delegateUser.email);
    const base = `/reports/${country.code}/${cycle.slug}`;
    await postForm(delegate, base, `${base}/baseline`, { version: 0, 'baseline[PT1][existing]': 'x' });

    const today = new Date().toISOString().slice(0, 10);
    const page = cheerio.load(
      (
        await staff.get(
          `/audit?country=${country.code}&verb=report.baseline_saved&from=${today}&to=${today}&actor=${encodeURIComponent(delegateUser.email)}`,
        )
      ).text,
    );
    expect(page('tbody tr')).toHaveLength(1);
    expect(page('tbody tr').text()).toContain('report.baseline_saved');
    expect(
      cheerio
        .load((await staff.get(`/audit?country=${country.code}&verb=report.submitted`)).text)('tbody tr')
        .text(),
    ).toContain('Nothing matches');
    expect(
      cheerio
        .load((await staff.get('/audit?to=2000-01-01')).text)('tbody tr')
        .text(),
    ).toContain('Nothing matches');
    expect((await staff.get('/audit?country[]=x')).status).toBe(400);
  });
});
