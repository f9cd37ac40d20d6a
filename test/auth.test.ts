import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { THROTTLE } from '../src/auth/service';
import { hashToken } from '../src/auth/tokens';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeUser, TEST_PASSWORD } from './helpers/factories';
import { attemptSignIn, csrfTokenIn, postForm, signIn } from './helpers/session';

const sessionCookie = (response: request.Response) =>
  ([] as string[])
    .concat(response.headers['set-cookie'] ?? [])
    .find((cookie) => cookie.startsWith('alliance.sid='))
    ?.split(';')[0];

describe('signing in and sessions', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  const attempt = (email: string, password: string, address = '203.0.113.1') => attemptSignIn(app, email, password, address);

  it('a signed-in page does not write the session each time: "last seen" is kept to the minute', async () => {
    const user = await makeUser(database.db, { role: 'secretariat' });
    const agent = await signIn(app, user.email);
    const stored = () => database.db('sessions').whereRaw("(sess ->> 'userId')::integer = ?", [user.id]).first('sess', 'expire');
    await agent.get('/review');
    const first = await stored();
    for (let i = 0; i < 3; i += 1) {
      const page = await agent.get('/review');
      expect(page.status).toBe(200);
      // Nor is the cookie sent again: its expiry moves when the session is saved (below).
      expect(sessionCookie(page)).toBeUndefined();
    }
    expect(await stored()).toEqual(first);

    // A minute on (the session last saved an hour ago, say), "last seen" is saved, and the
    // cookie is sent again: both last twelve hours from now.
    await database
      .db('sessions')
      .whereRaw("(sess ->> 'userId')::integer = ?", [user.id])
      .update({
        sess: database.db.raw("jsonb_set(sess::jsonb, '{lastSeenAt}', to_jsonb(?::bigint))::json", [Date.now() - 61_000]),
        expire: database.db.raw("expire - interval '1 hour'"),
      });
    const later = await agent.get('/review');
    expect(later.status).toBe(200);
    const cookie = ([] as string[]).concat(later.headers['set-cookie'] ?? []).find((value) => value.startsWith('alliance.sid='));
    const twelveHoursOn = Date.now() + 12 * 3600_000;
    expect(Math.abs(Date.parse(/Expires=([^;]+)/.exec(cookie ?? '')?.[1] ?? '') - twelveHoursOn)).toBeLessThan(60_000);
    expect(Math.abs((await stored()).expire.getTime() - twelveHoursOn)).toBeLessThan(60_000);
  });

  it('issues a new session id at sign-in, with a safe cookie, and sends the user to their work', async () => {
    const user = await makeUser(database.db, { role: 'delegate', country_code: 'FR' });
    const agent = request.agent(app);
    const form = await agent.get('/login');
    const before = sessionCookie(form);
    expect(before).toBeDefined();

    const response = await agent
      .post('/login')
      .type('form')
      .send({ email: user.email.toUpperCase(), password: TEST_PASSWORD, _csrf: csrfTokenIn(form.text) });

    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/reports');
    const after = sessionCookie(response);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const cookie = ([] as string[]).concat(response.headers['set-cookie']!).find((value) => value.startsWith('alliance.sid='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    // The cookie lasts as long as a sign-in may (12 hours); the idle timeout ends the sign-in on the server.
    const expires = Date.parse(/Expires=([^;]+)/.exec(cookie)![1]!);
    expect(Math.abs(expires - (Date.now() + 12 * 3600_000))).toBeLessThan(60_000);
    // The pre-sign-in session id is dead.
    expect((await request(app).get('/reports').set('Cookie', before!)).status).toBe(303);
    expect(await database.db('audit_events').where({ verb: 'auth.signed_in', actor_user_id: user.id })).toHaveLength(1);
  });

  it('gives the same answer for an unknown e-mail, a wrong password and a deactivated account, and audits each failure', async () => {
    const user = await makeUser(database.db);
    const inactive = await makeUser(database.db, { active: false });
    const responses = await Promise.all([
      attempt('nobody@example.org', TEST_PASSWORD),
      attempt(user.email, 'wrong password here'),
      attempt(inactive.email, TEST_PASSWORD),
    ]);
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(cheerio.load(response.text)('.govuk-error-summary').text()).toContain('Enter a correct e-mail address and password.');
    }
    expect(cheerio.load(responses[1].text)('#email').val()).toBe(user.email);
    const failures = await database
      .db('audit_events')
      .where({ verb: 'auth.sign_in_failed' })
      .whereRaw("details ->> 'email' = any(?)", [['nobody@example.org', user.email, inactive.email]]);
    expect(failures).toHaveLength(3);
    expect(JSON.stringify(failures)).not.toContain('wrong password here');
  });

  it('throttles an account after repeated failures, even with the right password, and says so', async () => {
    const user = await makeUser(database.db);
    for (let index = 0; index < THROTTLE.perAccount; index += 1) {
      expect((await attempt(user.email, `wrong-${index}-password`, `198.51.100.${index}`)).status).toBe(401);
    }
    const blocked = await attempt(user.email, TEST_PASSWORD, '198.51.100.99');
    expect(blocked.status).toBe(429);
    expect(blocked.text).toContain('Too many failed attempts');
    expect(
      await database.db('audit_events').where({ verb: 'auth.sign_in_throttled' }).whereRaw("details ->> 'email' = ?", [user.email]),
    ).toHaveLength(1);
  });

  it('ends the session at sign-out: the old cookie no longer works', async () => {
    const user = await makeUser(database.db, { role: 'secretariat' });
    const agent = await signIn(app, user.email);
    const page = await agent.get('/review');
    expect(page.status).toBe(200);
    const cookie = sessionCookie(await agent.get('/review'));

    const out = await agent
      .post('/logout')
      .type('form')
      .send({ _csrf: csrfTokenIn(page.text) });

    expect(out.status).toBe(303);
    expect((await agent.get('/review')).status).toBe(303);
    if (cookie) expect((await request(app).get('/review').set('Cookie', cookie)).status).toBe(303);
    expect(await database.db('audit_events').where({ verb: 'auth.signed_out', actor_user_id: user.id })).toHaveLength(1);
  });

  it('throws a deactivated user out at once, on their very next request', async () => {
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: 'DE' });
    const admin = await makeUser(database.db, { role: 'admin' });
    const delegateAgent = await signIn(app, delegate.email);
    expect((await delegateAgent.get('/reports')).status).toBe(200);
    const adminAgent = await signIn(app, admin.email);

    const response = await postForm(adminAgent, '/admin/users', `/admin/users/${delegate.id}/deactivate`, {});

    expect(response.status).toBe(303);
    const next = await delegateAgent.get('/reports');
    expect(next.status).toBe(303);
    expect(next.headers.location).toMatch(/^\/login/);
    expect(await database.db('sessions').whereRaw("(sess ->> 'userId')::integer = ?", [delegate.id])).toHaveLength(0);
    expect(
      (
        await database
          .db('audit_events')
          .where({ verb: 'user.deactivated', entity_id: String(delegate.id) })
          .first()
      ).details.sessions_ended,
    ).toBeGreaterThanOrEqual(1);
  });

  it('ends a session after 12 hours however active, and after 30 idle minutes', async () => {
    const user = await makeUser(database.db, { role: 'secretariat' });
    const longAgo = await signIn(app, user.email);
    const idle = await signIn(app, user.email);
    const sessions = await database.db('sessions').whereRaw("(sess ->> 'userId')::integer = ?", [user.id]).select('sid');
    expect(sessions).toHaveLength(2);
    await database
      .db('sessions')
      .where({ sid: sessions[0]!.sid })
      .update({
        sess: database.db.raw(
          "jsonb_set(sess::jsonb, '{signedInAt}', to_jsonb((extract(epoch from now() - interval '13 hours') * 1000)::bigint))::json",
        ),
      });
    await database
      .db('sessions')
      .where({ sid: sessions[1]!.sid })
      .update({ expire: database.db.raw("now() - interval '1 minute'") });

    const results = await Promise.all([longAgo.get('/review'), idle.get('/review')]);

    expect(results.map((result) => result.status)).toEqual([303, 303]);
  });

  it('only follows a local path after sign-in', async () => {
    const user = await makeUser(database.db, { role: 'secretariat' });
    for (const [next, expected] of [
      ['/audit', '/audit'],
      ['//evil.example/', '/review'],
      ['https://evil.example/', '/review'],
      ['/\\evil.example', '/review'],
    ]) {
      const agent = request.agent(app);
      const form = await agent.get('/login');
      const response = await agent
        .post('/login')
        .type('form')
        .send({ email: user.email, password: TEST_PASSWORD, next, _csrf: csrfTokenIn(form.text) });
      expect({ next, location: response.headers.location }).toEqual({ next, location: expected });
    }
  });
});

describe('invitations', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  async function invite(fields: Record<string, string>) {
    const admin = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
    const response = await postForm(admin, '/admin/users', '/admin/users', fields);
    const page = cheerio.load((await admin.get('/admin/users')).text);
    return { response, admin, link: page('.flash__detail code').text(), page };
  }

  it('an admin invites a delegate; the link sets a password once, stored hashed, and the person can sign in', async () => {
    const email = `invited-${Date.now()}@example.org`;
    const { response, link } = await invite({ email, name: 'Jana Novak', role: 'delegate', country: 'CZ' });
    expect(response.status).toBe(303);
    const token = link.split('/invitations/')[1]!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const stored = await database.db('invitations').where({ email }).first();
    expect(stored.token_hash).toBe(hashToken(token));
    expect(JSON.stringify(await database.db('audit_events').where({ verb: 'invitation.created' }))).not.toContain(token);

    const agent = request.agent(app);
    const form = await agent.get(`/invitations/${token}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Jana Novak');
    const weak = await agent
      .post(`/invitations/${token}`)
      .type('form')
      .send({ password: 'password1', confirm: 'password1', _csrf: csrfTokenIn(form.text) });
    expect(weak.status).toBe(422);
    expect(weak.text).toContain('too common');
    const mismatch = await agent
      .post(`/invitations/${token}`)
      .type('form')
      .send({ password: 'a fine long passphrase', confirm: 'another one', _csrf: csrfTokenIn(form.text) });
    expect(mismatch.status).toBe(422);
    const accepted = await agent
      .post(`/invitations/${token}`)
      .type('form')
      .send({ password: 'a fine long passphrase', confirm: 'a fine long passphrase', _csrf: csrfTokenIn(form.text) });
    expect(accepted.status).toBe(303);

    expect(await database.db('users').where({ email }).first()).toMatchObject({ role: 'delegate', country_code: 'CZ', active: true });
    expect((await request(app).get(`/invitations/${token}`)).status).toBe(410);
    const signedIn = await signIn(app, email, 'a fine long passphrase');
    expect((await signedIn.get('/reports')).text).toContain('Czech Republic');
  });

  it('an expired link is refused with a clear message', async () => {
    const email = `late-${Date.now()}@example.org`;
    const { link } = await invite({ email, name: 'Late Comer', role: 'secretariat', country: '' });
    const token = link.split('/invitations/')[1]!;
    await database
      .db('invitations')
      .where({ email })
      .update({ created_at: database.db.raw("now() - interval '8 days'"), expires_at: database.db.raw("now() - interval '1 day'") });
    const response = await request(app).get(`/invitations/${token}`);
    expect(response.status).toBe(410);
    expect(response.text).toContain('expired');
    expect((await request(app).get('/invitations/not-a-real-token')).status).toBe(410);
  });

  it('an invitation with bad answers is refused, keeping them, and creates nothing', async () => {
    const { response } = await invite({ email: 'not an address', name: 'Someone Typed', role: 'delegate', country: '' });
    expect(response.status).toBe(422);
    const $ = cheerio.load(response.text);
    expect(
      $('.govuk-error-summary a')
        .map((_, link) => $(link).attr('href'))
        .get(),
    ).toEqual(expect.arrayContaining(['#invite-email', '#invite-country']));
    expect($('#invite-name').val()).toBe('Someone Typed');
    expect(await database.db('invitations').where({ name: 'Someone Typed' })).toHaveLength(0);
  });
});
