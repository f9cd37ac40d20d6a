import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeAction, makeCountry, makeCycle, makeReport, makeUser, unique } from './helpers/factories';
import { csrfTokenIn, postForm, signIn } from './helpers/session';

const PAYLOADS = [
  '<script>alert("xss-1")</script>',
  '<img src=x onerror=alert("xss-2")>',
  '"><svg onload=alert("xss-3")>',
  '\' onmouseover=\'alert("xss-4")',
  'javascript:alert("xss-5")',
  '</textarea><script>alert("xss-6")</script>',
  '{{constructor.constructor("alert(7)")()}}',
];
const payload = PAYLOADS.join(' ');

/** The page runs nothing: no script element, no event-handler attribute, no javascript: link. */
function expectInert(html: string, where: string) {
  const $ = cheerio.load(html);
  // The only scripts are the service's own files (the session timeout warning).
  expect({ where, scripts: $('script:not([src^="/static/"])').length }).toEqual({ where, scripts: 0 });
  const handlers = $('*').filter((_, element) =>
    Object.keys((element as unknown as { attribs?: Record<string, string> }).attribs ?? {}).some((name) => name.startsWith('on')),
  );
  expect({ where, handlers: handlers.length }).toEqual({ where, handlers: 0 });
  const links = $('[href], [src], [action]').filter((_, element) =>
    /^\s*javascript:/i.test($(element).attr('href') ?? $(element).attr('src') ?? $(element).attr('action') ?? ''),
  );
  expect({ where, links: links.length }).toEqual({ where, links: 0 });
}

describe('hostile input', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  it('XSS: script tags, event attributes, javascript: links and broken-out quotes in every text field render inert, as text, on every page', async () => {
    const country = await makeCountry(database.db, { name: `Testland ${payload}` });
    const delegateUser = await makeUser(database.db, { role: 'delegate', country_code: country.code, name: `Delegate ${payload}` });
    const delegate = await signIn(app, delegateUser.email);
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat', name: `Staff ${payload}` })).email);
    const admin = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);

    // An accepted commitments report, filled in through the forms.
    const commitments = await makeCycle(database.db, {
      state: 'open',
      title: `Cycle ${payload}`,
      opens_on: '2020-01-01',
      due_on: '2099-06-30',
      closes_on: '2099-12-31',
    });
    const base = `/reports/${country.code}/${commitments.slug}`;
    const baseline = Object.fromEntries(
      ['PT1', 'PT2', 'PT3', 'PT4'].flatMap((target) => [
        [`baseline[${target}][existing]`, payload],
        [`baseline[${target}][gaps]`, payload],
      ]),
    );
    const noActionUnder = Object.fromEntries(['PT2', 'PT3', 'PT4'].map((target) => [`baseline[${target}][no_action_reason]`, payload]));
    expect((await postForm(delegate, base, `${base}/baseline`, { version: 0, ...baseline, ...noActionUnder })).status).toBe(303);
    await database.db('reports').where({ country_code: country.code }).update({ text_language: 'en' });
    expect(
      (
        await postForm(delegate, base, `${base}/actions`, {
          version: 1,
          title: payload,
          target: 'PT1',
          body: payload,
          description: payload,
        })
      ).status,
    ).toBe(303);
    expect(
      (
        await postForm(delegate, base, `${base}/indicators`, {
          version: 2,
          'indicators[victims_identified][value]': '12',
          'indicators[victims_identified][note]': payload,
        })
      ).status,
    ).toBe(303);
    expect((await postForm(delegate, base, `${base}/submit`, { version: 3, declaration: 'yes' })).status).toBe(303);
    const review = `/review/${country.code}/${commitments.slug}`;
    expect((await postForm(staff, review, `${review}/return`, { version: 4, comment: payload })).status).toBe(303);

    // An accepted progress report with an update and a withdrawal, straight in the database.
    const earlier = await makeCycle(database.db, {
      opens_on: '2010-01-01',
      due_on: '2010-06-30',
      closes_on: '2010-12-31',
      state: 'closed',
    });
    const pledged = await makeReport(database.db, country.code, earlier.id, 'accepted');
    const action = await makeAction(database.db, pledged, { title: payload, description: payload, responsible_body: payload });
    const progressCycle = await makeCycle(database.db, {
      kind: 'progress',
      state: 'open',
      opens_on: '2021-01-01',
      due_on: '2099-06-30',
      closes_on: '2099-12-31',
    });
    const progressBase = `/reports/${country.code}/${progressCycle.slug}`;
    expect(
      (
        await postForm(delegate, progressBase, `${progressBase}/updates`, {
          version: 0,
          [`updates[a${action.id}][status]`]: 'in_progress',
          [`updates[a${action.id}][narrative]`]: payload,
        })
      ).status,
    ).toBe(303);
    const withdrawnAction = await makeAction(database.db, pledged, { title: `Second ${unique('a')}` });
    expect(
      (
        await postForm(delegate, progressBase, `${progressBase}/actions/${withdrawnAction.id}/withdraw`, {
          version: 1,
          reason: payload,
        })
      ).status,
    ).toBe(303);
    await database
      .db('reports')
      .where({ country_code: country.code, cycle_id: progressCycle.id })
      .update({ state: 'accepted', submitted_at: new Date(), reviewed_at: new Date() });

    const pledgedId = (await database.db('actions').where({ country_code: country.code }).first()).id as number;
    const pages: Array<[string, request.Response]> = [
      ['task list', await delegate.get(base)],
      ...(await Promise.all(
        [
          'about',
          'stocktaking/PT1',
          'stocktaking/PT2',
          'actions',
          `actions/${pledgedId}`,
          `actions/${pledgedId}/remove`,
          'indicators',
          'check',
          'questions',
        ].map(async (section) => [section, await delegate.get(`${base}/${section}`)] as [string, request.Response]),
      )),
      ['report', await delegate.get(base)],
      ['progress report', await delegate.get(progressBase)],
      ['delegate list', await delegate.get('/reports')],
      ['review queue', await staff.get(`/review?cycle=${commitments.slug}`)],
      ['review report', await staff.get(review)],
      ['audit', await staff.get(`/audit?country=${country.code}`)],
      ['admin users', await admin.get('/admin/users')],
      ['admin countries', await admin.get('/admin/countries')],
      ['admin cycles', await admin.get('/admin/cycles')],
      ['public overview', await request(app).get('/')],
      ['public countries', await request(app).get('/countries')],
      ['public country', await request(app).get(`/countries/${country.code}`)],
      ['public target', await request(app).get('/targets/PT1')],
      ['public cycle', await request(app).get(`/cycles/${progressCycle.slug}`)],
    ];
    for (const [where, response] of pages) {
      expect({ where, status: response.status }).toEqual({ where, status: 200 });
      expectInert(response.text, where);
    }
    // The payloads are shown, as text, where the data is.
    for (const [where, response] of pages.filter(([where]) => ['edit', 'public country', 'review report'].includes(where))) {
      expect({ where, shown: cheerio.load(response.text)('main').text().includes(PAYLOADS[0]!) }).toEqual({ where, shown: true });
    }
  });

  it('CSRF: a POST without a token, or with another session’s token, is refused and changes nothing', async () => {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { state: 'open', opens_on: '2020-01-01', due_on: '2099-06-30', closes_on: '2099-12-31' });
    const delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    const other = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    const base = `/reports/${country.code}/${cycle.slug}`;
    const othersToken = csrfTokenIn((await other.get(base)).text);
    const fields = { version: 0, 'baseline[PT1][existing]': 'Forged' };

    const responses = [
      await delegate.post(`${base}/baseline`).type('form').send(fields),
      await delegate
        .post(`${base}/baseline`)
        .type('form')
        .send({ ...fields, _csrf: othersToken }),
      await delegate
        .post(`${base}/baseline`)
        .type('form')
        .send({ ...fields, _csrf: '' }),
      await delegate.post(`${base}/baseline`).set('X-CSRF-Token', othersToken).type('form').send(fields),
      await request(app).post('/login').type('form').send({ email: 'x@example.org', password: 'whatever' }),
    ];

    for (const response of responses) {
      expect(response.status).toBe(403);
      expect(response.text).toContain('This form has expired');
    }
    expect(await database.db('reports').where({ country_code: country.code })).toHaveLength(0);
  });

  it('mass assignment: extra fields such as country, state, role or version are refused and change nothing', async () => {
    const country = await makeCountry(database.db);
    const other = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { state: 'open', opens_on: '2020-01-01', due_on: '2099-06-30', closes_on: '2099-12-31' });
    const delegateUser = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    const delegate = await signIn(app, delegateUser.email);
    const base = `/reports/${country.code}/${cycle.slug}`;
    await postForm(delegate, base, `${base}/actions`, { version: 0, title: 'Kept', target: 'PT1' });

    const attempts = [
      ['baseline', { version: 1, 'baseline[PT1][existing]': 'x', state: 'accepted' }],
      ['baseline', { version: 1, 'baseline[PT1][existing]': 'x', country: other.code }],
      ['actions', { version: 1, title: 'Sneaky', target: 'PT1', country_code: other.code }],
      ['actions', { version: 1, title: 'Sneaky', target: 'PT1', pledged_in_report_id: '1' }],
      ['actions', { version: 1, title: 'Sneaky', target: 'PT1', role: 'admin' }],
      ['submit', { version: 1, state: 'accepted' }],
    ] as const;
    for (const [path, fields] of attempts) {
      const response = await postForm(delegate, base, `${base}/${path}`, fields);
      expect({ path, fields, status: response.status }).toEqual({ path, fields, status: 422 });
    }
    const admin = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
    const invite = await postForm(admin, '/admin/users', '/admin/users', {
      email: 'mass@example.org',
      name: 'Mass',
      role: 'secretariat',
      country: '',
      version: '7',
      active: 'false',
    });
    expect(invite.status).toBe(422);
    const roleChange = await postForm(admin, '/admin/users', `/admin/users/${delegateUser.id}/role`, {
      role: 'delegate',
      country: country.code,
      active: 'false',
      email: 'new@example.org',
    });
    expect(roleChange.status).toBe(422);

    const report = await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).first();
    expect(report).toMatchObject({ state: 'draft', version: 1 });
    expect(await database.db('actions').where({ pledged_in_report_id: report.id }).pluck('title')).toEqual(['Kept']);
    expect(await database.db('actions').where({ country_code: other.code })).toHaveLength(0);
    expect(await database.db('users').where({ id: delegateUser.id }).first()).toMatchObject({ email: delegateUser.email, active: true });
    expect(await database.db('invitations').where({ email: 'mass@example.org' })).toHaveLength(0);
  });

  it('a delegate cannot reach another country’s action through their own report', async () => {
    const mine = await makeCountry(database.db);
    const theirs = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { state: 'open', opens_on: '2020-01-01', due_on: '2099-06-30', closes_on: '2099-12-31' });
    const theirReport = await makeReport(database.db, theirs.code, cycle.id, 'draft');
    const theirAction = await makeAction(database.db, theirReport, { title: 'Theirs' });
    const delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: mine.code })).email);
    const base = `/reports/${mine.code}/${cycle.slug}`;
    await postForm(delegate, base, `${base}/baseline`, { version: 0, 'baseline[PT1][existing]': 'x' });

    const edit = await postForm(delegate, base, `${base}/actions/${theirAction.id}`, {
      version: 1,
      title: 'Hijacked',
      target: 'PT1',
    });
    const remove = await postForm(delegate, base, `${base}/actions/${theirAction.id}/remove`, { version: 1 });

    expect([edit.status, remove.status]).toEqual([404, 404]);
    expect(await database.db('actions').where({ id: theirAction.id }).first()).toMatchObject({ title: 'Theirs' });
  });
});
