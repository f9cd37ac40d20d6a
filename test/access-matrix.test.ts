import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeAction, makeCountry, makeCycle, makeReport, makeStocktaking, makeUser, unique } from './helpers/factories';
import { csrfTokenIn, signIn, type Agent } from './helpers/session';

// Every route × every kind of visitor → the status they get, and for every refusal,
// proof that nothing in the database changed.

type Who = 'anonymous' | 'delegate' | 'otherDelegate' | 'secretariat' | 'admin';
const WHO: Who[] = ['anonymous', 'delegate', 'otherDelegate', 'secretariat', 'admin'];
type Fixture = { code: string; cycle: string; userId: number };
type Case = {
  method: 'GET' | 'POST';
  path: (fixture: Fixture) => string;
  body?: (fixture: Fixture) => Record<string, unknown>;
  /** The state the country's report is in before the request. */
  report?: 'draft' | 'complete' | 'submitted';
  expected: Record<Who, number>;
};

const SIGN_IN = 303; // anonymous visitors are sent to /login
const all = (status: number, overrides: Partial<Record<Who, number>> = {}): Record<Who, number> => ({ anonymous: SIGN_IN, delegate: status, otherDelegate: status, secretariat: status, admin: status, ...overrides });

const cases: Case[] = [
  { method: 'GET', path: () => '/', expected: { anonymous: 200, delegate: 200, otherDelegate: 200, secretariat: 200, admin: 200 } },
  { method: 'GET', path: () => '/reports', expected: all(200, { secretariat: 303, admin: 303 }) },
  { method: 'GET', path: (f) => `/reports/${f.code}/${f.cycle}`, report: 'draft', expected: all(200, { otherDelegate: 404 }) },
  { method: 'GET', path: (f) => `/reports/${f.code}/${f.cycle}/edit`, report: 'draft', expected: all(200, { otherDelegate: 404 }) },
  { method: 'GET', path: () => '/review', expected: all(200, { delegate: 403, otherDelegate: 403 }) },
  { method: 'GET', path: (f) => `/review/${f.code}/${f.cycle}`, report: 'submitted', expected: all(200, { delegate: 403, otherDelegate: 403 }) },
  { method: 'GET', path: () => '/audit', expected: all(200, { delegate: 403, otherDelegate: 403 }) },
  { method: 'GET', path: () => '/admin/users', expected: all(403, { admin: 200 }) },
  { method: 'GET', path: () => '/admin/countries', expected: all(403, { admin: 200 }) },
  { method: 'GET', path: () => '/admin/cycles', expected: all(200, { delegate: 403, otherDelegate: 403 }) },
  {
    method: 'POST', path: (f) => `/reports/${f.code}/${f.cycle}/baseline`, report: 'draft',
    body: () => ({ version: 1, 'baseline[PT1][existing]': unique('Changed') }),
    expected: all(303, { otherDelegate: 404 }),
  },
  {
    method: 'POST', path: (f) => `/reports/${f.code}/${f.cycle}/actions`, report: 'draft',
    body: () => ({ version: 1, title: unique('New action'), target: 'PT2' }),
    expected: all(303, { otherDelegate: 404 }),
  },
  { method: 'POST', path: (f) => `/reports/${f.code}/${f.cycle}/submit`, report: 'complete', body: () => ({ version: 1 }), expected: all(403, { delegate: 303, otherDelegate: 404 }) },
  { method: 'POST', path: (f) => `/review/${f.code}/${f.cycle}/accept`, report: 'submitted', body: () => ({ version: 1 }), expected: all(303, { delegate: 403, otherDelegate: 403 }) },
  { method: 'POST', path: (f) => `/review/${f.code}/${f.cycle}/return`, report: 'submitted', body: () => ({ version: 1, comment: 'Add more detail' }), expected: all(303, { delegate: 403, otherDelegate: 403 }) },
  { method: 'POST', path: () => '/admin/users', body: () => ({ email: `${unique('x').replace(/\W/g, '')}@example.org`, name: 'New Person', role: 'secretariat', country: '' }), expected: all(403, { admin: 303 }) },
  { method: 'POST', path: (f) => `/admin/users/${f.userId}/deactivate`, body: () => ({}), expected: all(403, { admin: 303 }) },
  { method: 'POST', path: () => '/admin/countries', body: () => ({ code: 'QZ', name: unique('Newland'), region: 'Europe', eu_member: 'no', joined_on: '', left_on: '' }), expected: all(403, { admin: 303 }) },
  { method: 'POST', path: () => '/admin/cycles', body: () => ({ slug: `c-${Date.now()}-${Math.floor(Math.random() * 1e6)}`, title: 'New', kind: 'progress', opens_on: '2040-01-01', due_on: '2040-06-01', closes_on: '2040-07-01' }), expected: all(303, { delegate: 403, otherDelegate: 403 }) },
];

describe('access matrix: every route for every kind of visitor', () => {
  const database = useTestDatabase();
  let app: Express;
  const agents = {} as Record<Who, Agent>;
  let country: string;

  beforeAll(async () => {
    app = buildTestApp(database);
    country = (await makeCountry(database.db)).code;
    const other = (await makeCountry(database.db)).code;
    agents.anonymous = request.agent(app);
    agents.delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country })).email);
    agents.otherDelegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: other })).email);
    agents.secretariat = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    agents.admin = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
  });

  /** A digest of everything a request could change (sessions and sign-in events aside). */
  const digest = async () => {
    const { rows } = await database.db.raw(`select md5(concat_ws('|',
      (select string_agg(concat_ws(',', id, state, version, review_comment), ';' order by id) from reports),
      (select string_agg(concat_ws(',', id, existing_measures), ';' order by id) from stocktaking_entries),
      (select string_agg(concat_ws(',', id, title), ';' order by id) from actions),
      (select count(*) from invitations), (select count(*) from cycles), (select count(*) from countries),
      (select string_agg(concat_ws(',', id, role, active), ';' order by id) from users),
      (select count(*) from audit_events where verb not like 'auth.%'))) as digest`);
    return rows[0].digest as string;
  };

  async function fixtureFor(testCase: Case): Promise<Fixture> {
    const cycle = await makeCycle(database.db, { state: 'open', opens_on: '2020-01-01', due_on: '2099-06-30', closes_on: '2099-12-31' });
    const userId = (await makeUser(database.db, { role: 'delegate', country_code: 'FR' })).id;
    if (testCase.report) {
      const state = testCase.report === 'submitted' ? 'submitted' : 'draft';
      const report = await makeReport(database.db, country, cycle.id, state);
      if (testCase.report !== 'draft') {
        for (const target of ['PT1', 'PT2', 'PT3', 'PT4']) await makeStocktaking(database.db, report.id, target);
        await makeAction(database.db, report);
      }
    }
    return { code: country, cycle: cycle.slug, userId };
  }

  const table = cases.flatMap((testCase) => WHO.map((who) => [`${testCase.method} ${testCase.path({ code: 'XX', cycle: ':cycle', userId: 0 })} as ${who}`, testCase, who] as const));

  it.each(table)('%s', async (_name, testCase, who) => {
    const fixture = await fixtureFor(testCase);
    const agent = agents[who];
    const path = testCase.path(fixture);
    let response: request.Response;
    if (testCase.method === 'GET') {
      response = await agent.get(path);
    } else {
      // A real token of this visitor's own session, so only the role and country decide.
      const token = csrfTokenIn((await agent.get(who === 'anonymous' ? '/login' : '/')).text);
      const before = await digest();
      response = await agent.post(path).type('form').send({ _csrf: token, ...testCase.body!(fixture) });
      const after = await digest();
      if (response.status >= 400 || who === 'anonymous') expect(after).toBe(before);
      else expect(after).not.toBe(before);
    }
    expect(response.status).toBe(testCase.expected[who]);
    if (who === 'anonymous' && testCase.expected.anonymous === SIGN_IN) expect(response.headers.location).toMatch(/^\/login/);
  });
});
