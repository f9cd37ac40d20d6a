import net from 'node:net';
import * as cheerio from 'cheerio';
import type { Express } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { buildTestApp } from './helpers/app';
import { serve } from './helpers/browser';
import { useTestDatabase } from './helpers/database';
import { makeAction, makeCountry, makeCycle, makeReport, makeUser } from './helpers/factories';
import { csrfTokenIn, signIn, type Agent } from './helpers/session';

// Generated hostile input at every form and query parameter: arrays, nested objects,
// __proto__, huge strings, control characters, invalid UTF-8, wrong types. Never a 5xx,
// never a polluted prototype, never a change to another country's data.

const FIELD_NAMES = [
  'email',
  'password',
  'next',
  'version',
  'title',
  'target',
  'goal',
  'body',
  'due_on',
  'description',
  'reason',
  'comment',
  'name',
  'role',
  'country',
  'code',
  'region',
  'eu_member',
  'joined_on',
  'left_on',
  'slug',
  'kind',
  'opens_on',
  'due_on',
  'closes_on',
  'state',
  'cycle',
  'confirm',
  'csv64',
  'baseline[PT1][existing]',
  'baseline[PT9][gaps]',
  'updates[a1][status]',
  'updates[1][percent]',
  'indicators[victims_identified][value]',
  'indicators[__proto__][value]',
  '__proto__',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  'x[]',
  'x[0][1][2][3][4][5][6][7]',
  'version[]',
  'title[a]',
  'q',
  'sort',
];

const value = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0007', '\u001b', '\r', '\n', '\t', '\u202e', '\ufeff', '\ud800') }),
  fc.integer().map(String),
  fc.constantFrom('', ' ', '-1', '1e309', 'NaN', 'true', 'null', '0x10', '2031-02-30', '9'.repeat(40), 'x'.repeat(20_000)),
);

/** A urlencoded body: every generated pair, plus now and then an invalid percent-escape. */
const body = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES), value), { maxLength: 12 }),
    fc.constantFrom('', '&bad=%FF%FE', '&x=%E0%A4%A', '&%=%%'),
  )
  .map(
    ([pairs, raw]) =>
      pairs
        .map(
          ([key, text]) =>
            `${encodeURIComponent(key).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'))}`,
        )
        .join('&') + raw,
  );

describe('hostile input', () => {
  const database = useTestDatabase();
  let app: Express;
  let delegate: Agent;
  let staff: Agent;
  let admin: Agent;
  let base: string;
  let otherCountryDigest: () => Promise<string>;

  beforeAll(async () => {
    app = buildTestApp(database);
    const country = await makeCountry(database.db);
    const other = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { state: 'open', opens_on: '2020-01-01', due_on: '2099-06-30', closes_on: '2099-12-31' });
    const otherReport = await makeReport(database.db, other.code, cycle.id, 'draft');
    await makeAction(database.db, otherReport, { title: 'Untouchable' });
    base = `/reports/${country.code}/${cycle.slug}`;
    delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    admin = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
    otherCountryDigest = async () =>
      JSON.stringify(
        await database
          .db('reports')
          .leftJoin('actions', 'actions.pledged_in_report_id', 'reports.id')
          .where('reports.country_code', other.code)
          .select('reports.version', 'reports.state', 'actions.title'),
      );
  });

  it('generated form bodies never cause a 5xx, a polluted prototype or a change to another country', async () => {
    const before = await otherCountryDigest();
    const targets: Array<[Agent, string, string]> = [
      [request.agent(app), '/login', '/login'],
      [delegate, base, `${base}/baseline`],
      [delegate, base, `${base}/actions`],
      [delegate, base, `${base}/actions/1`],
      [delegate, base, `${base}/updates`],
      [delegate, base, `${base}/indicators`],
      [delegate, base, `${base}/submit`],
      [staff, '/review', `/review/${base.split('/')[2]}/${base.split('/')[3]}/return`],
      [staff, '/exports/import', '/exports/import'],
      [admin, '/admin/users', '/admin/users'],
      [admin, '/admin/users', '/admin/users/1/role'],
      [admin, '/admin/cycles', '/admin/cycles'],
      [admin, '/admin/countries', '/admin/countries'],
      [admin, '/admin/countries', '/admin/countries/FR'],
      [request.agent(app), '/login', '/invitations/abc'],
    ];
    for (const [agent, formPage, action] of targets) {
      const token = csrfTokenIn((await agent.get(formPage)).text);
      await fc.assert(
        fc.asyncProperty(body, async (encoded) => {
          // The import takes its token in the address (checked before its body is read).
          const url = action === '/exports/import' ? `${action}?_csrf=${encodeURIComponent(token)}` : action;
          const response = await agent
            .post(url)
            .set('Content-Type', 'application/x-www-form-urlencoded')
            .send(`_csrf=${encodeURIComponent(token)}&${encoded}`);
          expect({ action, encoded, status: response.status < 500 }).toEqual({ action, encoded, status: true });
        }),
        { numRuns: 25 },
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await otherCountryDigest()).toBe(before);
  });

  it('generated query strings never cause a 5xx', async () => {
    const pages: Array<[Agent, string]> = [
      [request.agent(app), '/'],
      [request.agent(app), '/countries'],
      [request.agent(app), '/login'],
      [request.agent(app), '/open-data/actions.csv'],
      [request.agent(app), '/actions'],
      [staff, '/review'],
      [staff, '/audit'],
      [staff, '/exports'],
      [staff, '/exports/updates.csv'],
    ];
    for (const [agent, path] of pages) {
      await fc.assert(
        fc.asyncProperty(body, async (query) => {
          const response = await agent.get(`${path}?${query}`);
          expect({ path, query, status: response.status < 500 }).toEqual({ path, query, status: true });
        }),
        { numRuns: 20 },
      );
    }
  });

  it('answers every NUL character, wherever it is, with a 4xx that says so: in an address, a form field, a field name', async () => {
    for (const url of ['/actions?q=%00', '/?region=%00', '/countries?sort=a%00b', '/actions?q%00=x']) {
      const response = await request(app).get(url);
      expect({ url, status: response.status }).toEqual({ url, status: 400 });
    }
    const token = csrfTokenIn((await delegate.get(base)).text);
    for (const fields of [
      { title: 'a\u0000b', target: 'PT1' },
      { 'tit\u0000le': 'x', target: 'PT1' },
      { title: 'ok', target: 'PT1', description: '\u0000' },
    ]) {
      const response = await delegate
        .post(`${base}/actions`)
        .type('form')
        .send({ _csrf: token, version: '0', ...fields });
      expect({ fields, status: response.status }).toEqual({ fields, status: 422 });
    }
  });

  it('refuses an oversized body with 413 and a readable page', async () => {
    const token = csrfTokenIn((await delegate.get(base)).text);
    const response = await delegate
      .post(`${base}/baseline`)
      .type('form')
      .send({ _csrf: token, version: '0', 'baseline[PT1][existing]': 'x'.repeat(300_000) });
    expect(response.status).toBe(413);
    expect(cheerio.load(response.text)('main').text()).toContain('too large');
  });

  it('cuts off a client that sends its headers too slowly, while others are served', async () => {
    const server = await serve(buildTestApp(database), { headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
    const { port } = new URL(server.url);
    try {
      const started = Date.now();
      const closed = new Promise<number>((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n'));
        const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
        socket.on('close', () => {
          clearInterval(drip);
          resolve(Date.now() - started);
        });
        socket.on('error', () => undefined);
      });
      // Meanwhile another visitor is served at once.
      const other = await fetch(`${server.url}/healthz`);
      expect(other.status).toBe(200);
      expect(await closed).toBeLessThan(5000);
    } finally {
      await server.close();
    }
  });

  it('sends strict security headers, no-store on signed-in pages, HSTS in production', async () => {
    const page = await request(app).get('/');
    const csp = page.headers['content-security-policy']!;
    for (const directive of ["script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"])
      expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(page.headers['strict-transport-security']).toBeUndefined();
    // Personal pages are never revalidated, so they carry no validator; public ones carry the data version's.
    for (const url of ['/reports', '/']) {
      const personal = await delegate.get(url);
      expect({ url, cache: personal.headers['cache-control'], etag: personal.headers.etag }).toEqual({
        url,
        cache: 'no-store',
        etag: undefined,
      });
    }
    expect(page.headers.etag).toMatch(/^W\/"/);

    const secure = await request(buildTestApp(database, { production: true })).get('/healthz');
    expect(secure.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('a forced error shows a generic page with a request id, and no stack trace or SQL', async () => {
    // The search reads the kept statuses on every request; the members' names it takes from the
    // reference data kept per data version (which a rename does not move), so renaming the
    // members' table failed the search only when no earlier request had kept them.
    await database.db.raw('alter table public_action_status rename to public_action_status_gone');
    try {
      // A URL of its own (words no other test searches for), so no cached copy of the page answers.
      const response = await request(app).get('/actions?q=forced-error');
      expect(response.status).toBe(500);
      const text = cheerio.load(response.text)('main').text();
      expect(text).toContain('Something went wrong on our side');
      expect(text).toContain(String(response.headers['x-request-id']));
      expect(response.text).not.toMatch(/public_action_status|relation|select |at .*\.(ts|js):\d+/i);
    } finally {
      await database.db.raw('alter table public_action_status_gone rename to public_action_status');
    }
  });
});
