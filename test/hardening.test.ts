import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { THROTTLE } from '../src/auth/service';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeCountry, makeCycle, makeReport, makeUser, TEST_PASSWORD, unique } from './helpers/factories';
import { csrfTokenIn, postForm, signIn } from './helpers/session';

// What a hostile test of the running app broke, each fixed at its root (see issue 14).

describe('hardening', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  it('a NUL character in a query string is a 400 with a page that says so, never a 500', async () => {
    for (const url of ['/actions?q=%00', '/actions?q=ab%00cd', '/?region=Eur%00ope', '/open-data?x=%00']) {
      const response = await request(app).get(url);
      expect({ url, status: response.status }).toEqual({ url, status: 400 });
      expect(cheerio.load(response.text)('main').text()).toContain('NUL character');
    }
  });

  it('a NUL character in a form field is shown back without it, beside the field, and nothing is saved', async () => {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { state: 'open' });
    await makeReport(database.db, country.code, cycle.id, 'draft');
    const delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    const base = `/reports/${country.code}/${cycle.slug}`;
    const response = await postForm(delegate, base, `${base}/actions`, { version: 1, title: 'Hot\u0000line', target: 'PT4' });
    expect(response.status).toBe(422);
    const $ = cheerio.load(response.text);
    expect($('#new-action-title').val()).toBe('Hotline');
    expect($('.govuk-error-summary a[href="#new-action-title"]').text()).toContain('NUL character');
    expect(await database.db('actions').where({ country_code: country.code })).toHaveLength(0);
  });

  it('a page rendered for a signed-in user is never cacheable by a shared cache', async () => {
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    for (const url of ['/open-data', '/open-data/dictionary', '/open-data/datapackage.json']) {
      expect({ url, cache: (await staff.get(url)).headers['cache-control'] }).toEqual({ url, cache: 'private, no-store' });
      expect((await request(app).get(url)).headers['cache-control']).toMatch(/^public, max-age=\d+$/);
    }
  });

  it('translates keys, never data: i18next syntax in a search or a stored title is shown as written', async () => {
    for (const words of ['{{lng}}', '$t(site.name)']) {
      const $ = cheerio.load((await request(app).get(`/actions?q=${encodeURIComponent(words)}`)).text);
      expect($('title').text()).toContain(words);
      expect($('#q').val()).toBe(words);
    }
    const cycle = await makeCycle(database.db, { state: 'open', title: 'Cycle $t(site.name) {{lng}}' });
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    expect(
      cheerio
        .load((await staff.get(`/review?cycle=${cycle.slug}`)).text)('h1')
        .text(),
    ).toContain('Cycle $t(site.name) {{lng}}');
  });

  it('a throttled burst of sign-ins writes one audit row, however many attempts it holds', async () => {
    const user = await makeUser(database.db);
    const agent = request.agent(app);
    const attempt = async () => {
      const token = csrfTokenIn((await agent.get('/login')).text);
      return agent.post('/login').type('form').send({ _csrf: token, email: user.email, password: 'wrong password here' });
    };
    for (let index = 0; index < THROTTLE.pairFree; index += 1) await attempt();
    for (let index = 0; index < 15; index += 1) expect((await attempt()).status).toBe(429);
    expect(
      await database.db('audit_events').where({ verb: 'auth.sign_in_throttled' }).whereRaw("details ->> 'email' = ?", [user.email]),
    ).toHaveLength(1);
  });

  it('refuses a password that holds the e-mail address, and a return comment of invisible characters', async () => {
    const admin = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
    const email = `${unique('maria').replace(/\W/g, '')}@example.org`;
    await postForm(admin, '/admin/users', '/admin/users', { email, name: 'Maria', role: 'secretariat', country: '' });
    const link = cheerio
      .load((await admin.get('/admin/users')).text)('.flash__detail code')
      .text();
    const token = link.split('/invitations/')[1]!;
    const visitor = request.agent(app);
    const form = await visitor.get(`/invitations/${token}`);
    const local = email.split('@')[0]!;
    for (const password of [email, `${email}2024!`, `My ${local.toUpperCase()} pass`]) {
      const refused = await visitor
        .post(`/invitations/${token}`)
        .type('form')
        .send({ _csrf: csrfTokenIn(form.text), password, confirm: password });
      expect({ password, status: refused.status }).toEqual({ password, status: 422 });
      expect(refused.text).toContain('does not contain your e-mail address');
    }
    expect(await database.db('users').where({ email })).toHaveLength(0);

    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { state: 'open' });
    const report = await makeReport(database.db, country.code, cycle.id, 'submitted');
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    const review = `/review/${country.code}/${cycle.slug}`;
    const invisible = await postForm(staff, review, `${review}/return`, { version: 1, comment: ' \u200b\u2060\ufeff\u00ad \u3000' });
    expect(invisible.status).toBe(422);
    expect(cheerio.load(invisible.text)('#return-comment-error').text()).toContain('Explain what the country must change');
    expect((await database.db('reports').where({ id: report.id }).first()).state).toBe('submitted');
  });

  it('believes X-Forwarded-For only from the trusted hops: an address a client invents is not the one counted', async () => {
    const failedFrom = async (proxied: Express, forwarded: string) => {
      const email = `${unique('nobody').replace(/\W/g, '')}@example.org`;
      const agent = request.agent(proxied);
      const token = csrfTokenIn((await agent.get('/login')).text);
      await agent.post('/login').set('X-Forwarded-For', forwarded).type('form').send({ _csrf: token, email, password: 'not the password' });
      return (await database.db('audit_events').where({ verb: 'auth.sign_in_failed' }).whereRaw("details ->> 'email' = ?", [email]).first())
        .ip_address;
    };
    // One proxy in front: the address it appended (the last) is the client's; the invented one before it is ignored.
    expect(await failedFrom(buildTestApp(database, { trustProxy: 1 }), '203.0.113.9, 198.51.100.7')).toBe('198.51.100.7');
    // No proxy trusted: the header is ignored altogether.
    expect(await failedFrom(buildTestApp(database, { trustProxy: false }), '203.0.113.9')).toMatch(/127\.0\.0\.1|::1|::ffff:127\.0\.0\.1/);
  });

  it('counts failures against the account whatever the spelling of its address (a dotted capital I, case, compatibility forms)', async () => {
    const user = await makeUser(database.db, { email: `victim-${Date.now()}@example.org` });
    const spellings = [user.email.replace('i', '\u0130'), user.email.toUpperCase(), user.email.replace('e', '\uff45')];
    const agent = request.agent(app);
    const attempt = async (email: string, password: string) => {
      const token = csrfTokenIn((await agent.get('/login')).text);
      return agent.post('/login').type('form').send({ _csrf: token, email, password });
    };
    for (let index = 0; index < THROTTLE.pairFree; index += 1)
      await attempt(spellings[index % spellings.length]!, `wrong password ${index}`);
    const rightPassword = await attempt(user.email, TEST_PASSWORD);
    expect(rightPassword.status).toBe(429);
  });
});
