import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeAction, makeCountry, makeCycle, makeReport, makeStocktaking, makeUser, unique } from './helpers/factories';
import { csrfTokenIn, signIn, type Agent } from './helpers/session';
import { POLICY_ACTIONS, refusal, type Actor, type PolicyAction } from '../src/auth/policy';
import { ACTION_COLUMNS } from '../src/exports/datasets';

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
  /** What the access policy says about the route; null for public pages. */
  action: PolicyAction | null;
  /** The status when the policy allows it. */
  allowed: number;
  /** Where a route answers otherwise than the policy's refusal (a redirect to one's home page). */
  overrides?: Partial<Record<Who, number>>;
};

const SIGN_IN = 303; // anonymous visitors are sent to /login

const cases: Case[] = [
  { method: 'GET', path: () => '/', action: null, allowed: 200 },
  { method: 'GET', path: () => '/reports', action: 'reports.list', allowed: 200, overrides: { secretariat: 303, admin: 303 } },
  { method: 'GET', path: (f) => `/reports/${f.code}/${f.cycle}`, report: 'draft', action: 'report.view', allowed: 200 },
  { method: 'GET', path: (f) => `/reports/${f.code}/${f.cycle}/about`, report: 'draft', action: 'report.view', allowed: 200 },
  { method: 'GET', path: () => '/review', action: 'review.decide', allowed: 200 },
  { method: 'GET', path: (f) => `/review/${f.code}/${f.cycle}`, report: 'submitted', action: 'review.decide', allowed: 200 },
  { method: 'GET', path: (f) => `/review/${f.code}/${f.cycle}/accept`, report: 'submitted', action: 'review.decide', allowed: 200 },
  { method: 'GET', path: (f) => `/review/${f.code}/${f.cycle}/return`, report: 'submitted', action: 'review.decide', allowed: 200 },
  { method: 'GET', path: () => '/audit', action: 'audit.read', allowed: 200 },
  { method: 'GET', path: () => '/exports', action: 'data.export', allowed: 200 },
  { method: 'GET', path: () => '/exports/actions.csv', action: 'data.export', allowed: 200 },
  { method: 'GET', path: () => '/exports/import', action: 'data.import', allowed: 200 },
  { method: 'GET', path: () => '/admin/users', action: 'users.manage', allowed: 200 },
  { method: 'GET', path: () => '/admin/countries', action: 'countries.manage', allowed: 200 },
  { method: 'GET', path: () => '/admin/indicators', action: 'indicators.manage', allowed: 200 },
  { method: 'GET', path: () => '/admin/outbox', action: 'mail.read', allowed: 200 },
  { method: 'GET', path: () => '/admin/cycles', action: 'cycles.manage', allowed: 200 },
  {
    method: 'POST',
    path: (f) => `/reports/${f.code}/${f.cycle}/baseline`,
    report: 'draft',
    body: () => ({ version: 1, 'baseline[PT1][existing]': unique('Changed') }),
    action: 'report.edit',
    allowed: 303,
  },
  {
    method: 'POST',
    path: (f) => `/reports/${f.code}/${f.cycle}/actions`,
    report: 'draft',
    body: () => ({ version: 1, title: unique('New action'), target: 'PT2' }),
    action: 'report.edit',
    allowed: 303,
  },
  {
    method: 'POST',
    path: (f) => `/reports/${f.code}/${f.cycle}/submit`,
    report: 'complete',
    body: () => ({ version: 1, declaration: 'yes' }),
    action: 'report.submit',
    allowed: 303,
  },
  {
    method: 'POST',
    path: (f) => `/review/${f.code}/${f.cycle}/accept`,
    report: 'submitted',
    body: () => ({ version: 1 }),
    action: 'review.decide',
    allowed: 303,
  },
  {
    method: 'POST',
    path: (f) => `/review/${f.code}/${f.cycle}/return`,
    report: 'submitted',
    body: () => ({ version: 1, comment: 'Add more detail' }),
    action: 'review.decide',
    allowed: 303,
  },
  {
    method: 'POST',
    path: () => '/exports/import',
    body: (f) => ({ cycle: f.cycle, confirm: '1', csv64: Buffer.from(importFile(f.code)).toString('base64') }),
    report: 'draft',
    action: 'data.import',
    allowed: 303,
  },
  {
    method: 'POST',
    path: () => '/admin/users',
    body: () => ({
      email: `${unique('x').replace(/\W/g, '')}@example.org`,
      name: 'New Person',
      role: 'secretariat',
      country: '',
      language: 'fr',
    }),
    action: 'users.manage',
    allowed: 303,
  },
  { method: 'POST', path: (f) => `/admin/users/${f.userId}/deactivate`, body: () => ({}), action: 'users.manage', allowed: 303 },
  {
    method: 'POST',
    path: () => '/admin/countries',
    body: () => ({ code: 'QZ', name: unique('Newland'), region: 'Europe', eu_member: 'no', joined_on: '', left_on: '' }),
    action: 'countries.manage',
    allowed: 303,
  },
  {
    method: 'POST',
    path: () => '/admin/indicators/offenders_prosecuted',
    body: () => ({ goal_code: '2.1', goal_annual_change: '', goal_source: '' }),
    action: 'indicators.manage',
    allowed: 303,
  },
  {
    method: 'POST',
    path: () => '/admin/cycles',
    body: () => ({
      slug: `c-${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
      title: 'New',
      kind: 'progress',
      opens_on: '2040-01-01',
      due_on: '2040-06-01',
      closes_on: '2040-07-01',
    }),
    action: 'cycles.manage',
    allowed: 303,
  },
];

/** A file in the actions.csv format with one new action for the country. */
function importFile(code: string): string {
  const row: Record<string, string> = { country_code: code, target_code: 'PT2', title: unique('Imported') };
  return [ACTION_COLUMNS.map((column) => column.name), ACTION_COLUMNS.map((column) => row[column.name] ?? '')]
    .map((line) => line.join(','))
    .join('\r\n');
}

/** The status the policy implies for a visitor: sign in, 404 for another country, 403 for a wrong role, else the route's own answer. */
function expectedStatus(testCase: Case, who: Who, actors: Record<Exclude<Who, 'anonymous'>, Actor>, country: string): number {
  if (testCase.action === null) return testCase.allowed;
  if (who === 'anonymous') return SIGN_IN;
  const override = testCase.overrides?.[who];
  if (override !== undefined) return override;
  const reason = refusal(actors[who], testCase.action, { countryCode: country });
  return reason === 'not_found' ? 404 : reason === 'forbidden' ? 403 : testCase.allowed;
}

describe('access matrix: every route for every kind of visitor', () => {
  const database = useTestDatabase();
  let app: Express;
  const agents = {} as Record<Who, Agent>;
  let country: string;
  let actors: Record<Exclude<Who, 'anonymous'>, Actor>;

  beforeAll(async () => {
    app = buildTestApp(database);
    country = (await makeCountry(database.db)).code;
    const other = (await makeCountry(database.db)).code;
    agents.anonymous = request.agent(app);
    agents.delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country })).email);
    agents.otherDelegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: other })).email);
    agents.secretariat = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    agents.admin = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
    actors = {
      delegate: { role: 'delegate', countryCode: country },
      otherDelegate: { role: 'delegate', countryCode: other },
      secretariat: { role: 'secretariat', countryCode: null },
      admin: { role: 'admin', countryCode: null },
    };
  });

  it('covers every action of the access policy with at least one route', () => {
    expect(POLICY_ACTIONS.filter((action) => !cases.some((testCase) => testCase.action === action))).toEqual([]);
  });

  /** A digest of everything a request could change (sessions and sign-in events aside). */
  const digest = async () => {
    const { rows } = await database.db.raw(`select md5(concat_ws('|',
      (select string_agg(concat_ws(',', id, state, version, review_comment), ';' order by id) from reports),
      (select string_agg(concat_ws(',', id, existing_measures), ';' order by id) from stocktaking_entries),
      (select string_agg(concat_ws(',', id, title), ';' order by id) from actions),
      (select count(*) from invitations), (select count(*) from outbox), (select count(*) from cycles), (select count(*) from countries),
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
        for (const target of ['PT1', 'PT2', 'PT3', 'PT4'])
          await makeStocktaking(database.db, report.id, target, target === 'PT1' ? {} : { no_action_reason: 'Covered already' });
        await makeAction(database.db, report);
        await database.db('reports').where({ id: report.id }).update({ text_language: 'fr' });
      }
    }
    return { code: country, cycle: cycle.slug, userId };
  }

  const table = cases.flatMap((testCase) =>
    WHO.map((who) => [`${testCase.method} ${testCase.path({ code: 'XX', cycle: ':cycle', userId: 0 })} as ${who}`, testCase, who] as const),
  );

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
      response = await agent
        // The import takes its token in the address, checked before its body is read.
        .post(path === '/exports/import' ? `${path}?_csrf=${encodeURIComponent(token)}` : path)
        .type('form')
        .send({ _csrf: token, ...testCase.body!(fixture) });
      const after = await digest();
      if (response.status >= 400 || who === 'anonymous') expect(after).toBe(before);
      else expect(after).not.toBe(before);
    }
    expect(response.status).toBe(expectedStatus(testCase, who, actors, country));
    if (who === 'anonymous' && testCase.action !== null) expect(response.headers.location).toMatch(/^\/login/);
  });
});
