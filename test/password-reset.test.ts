import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { PASSWORD_RESET, pairDelayMinutes, THROTTLE } from '../src/auth/service';
import { buildTestApp, TEST_PUBLIC_URL } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeUser, TEST_PASSWORD } from './helpers/factories';
import { attemptSignIn, csrfTokenIn, signIn } from './helpers/session';

const NEW_PASSWORD = 'a brand new passphrase';

describe('forgotten password', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  /** Asks for a reset link from a network address, as the form does. */
  async function askForLink(email: string, address = '192.0.2.10', host?: string) {
    const agent = request.agent(app);
    const form = await agent.get('/password-reset');
    const post = agent.post('/password-reset').set('X-Forwarded-For', address);
    if (host) void post.set('Host', host);
    return post.type('form').send({ email, _csrf: csrfTokenIn(form.text) });
  }

  const mailsTo = (email: string) => database.db('outbox').where({ recipient: email }).orderBy('id');

  /** The token in the newest reset mail to this address. */
  async function linkTokenFor(email: string): Promise<string> {
    const mails = await mailsTo(email);
    const body = String(mails.at(-1)?.body_text);
    const match = new RegExp(`${TEST_PUBLIC_URL}/password-reset/([A-Za-z0-9_-]+)`).exec(body);
    if (!match) throw new Error(`No reset link in: ${body}`);
    return match[1]!;
  }

  async function choosePassword(token: string, password: string, confirmation = password) {
    const agent = request.agent(app);
    const form = await agent.get(`/password-reset/${token}`);
    if (form.status !== 200) return form;
    return agent
      .post(`/password-reset/${token}`)
      .type('form')
      .send({ password, password_confirmation: confirmation, _csrf: csrfTokenIn(form.text) });
  }

  /** Failed sign-ins written straight into the log, as the sign-in form writes them, at a time in the past. */
  async function pastFailures(
    count: number,
    fields: { key: (index: number) => string; address: (index: number) => string; minutesAgo: number },
  ) {
    await database.db('audit_events').insert(
      Array.from({ length: count }, (_, index) => ({
        at: database.db.raw(`now() - make_interval(mins => ?)`, [fields.minutesAgo]),
        actor_label: 'anonymous',
        verb: 'auth.sign_in_failed',
        entity: 'session',
        details: JSON.stringify({ key: fields.key(index) }),
        ip_address: fields.address(index),
      })),
    );
  }

  it('the sign-in page leads to it, and the answer is the same whether or not the address has an account', async () => {
    const login = cheerio.load((await request(app).get('/login')).text);
    expect(login('a[href="/password-reset"]').text()).toBe('Forgot your password?');
    const user = await makeUser(database.db);
    const known = await askForLink(user.email.toUpperCase());
    const unknown = await askForLink('nobody-at-all@example.org');
    for (const response of [known, unknown]) {
      expect(response.status).toBe(303);
      expect(response.headers.location).toBe('/password-reset?sent=1');
    }
    const sent = await request(app).get('/password-reset?sent=1');
    expect(cheerio.load(sent.text)('h1').text()).toBe('Check your e-mail');
    expect(sent.text).toContain('If there is an account for that address');
    expect(await mailsTo(user.email)).toHaveLength(1);
    expect(await mailsTo('nobody-at-all@example.org')).toHaveLength(0);
  });

  it('mails a one-time link in the person’s language, built from PUBLIC_URL and never from the Host header', async () => {
    const user = await makeUser(database.db, { name: 'Amélie <b>Durand</b>' });
    await database.db('users').where({ id: user.id }).update({ language: 'fr' });
    await askForLink(user.email, '192.0.2.11', 'evil.example.com');
    const [mail] = await mailsTo(user.email);
    expect(mail).toMatchObject({ kind: 'password_reset', user_id: user.id, language: 'fr', subject: 'Réinitialiser votre mot de passe' });
    expect(mail.body_text).toContain('Bonjour Amélie <b>Durand</b>,');
    expect(mail.body_text).toContain(`${TEST_PUBLIC_URL}/password-reset/`);
    expect(`${mail.body_text}${mail.body_html}`).not.toContain('evil.example.com');
    expect(mail.body_html).toContain('Amélie &lt;b&gt;Durand&lt;/b&gt;');
    const token = await linkTokenFor(user.email);
    const stored = await database.db('password_resets').where({ user_id: user.id }).first();
    expect(stored.token_hash).not.toContain(token);
    expect(JSON.stringify(await database.db('audit_events').where({ entity_id: String(user.id) }))).not.toContain(token);
  });

  it('sets the new password through the link once, ends every session, and kills the link and any older one', async () => {
    const user = await makeUser(database.db);
    const elsewhere = await signIn(app, user.email);
    expect((await elsewhere.get('/reports')).status).toBe(200);
    await askForLink(user.email);
    const older = await linkTokenFor(user.email);
    // A second link, asked for after the minutes between two mails.
    await database
      .db('password_resets')
      .where({ user_id: user.id })
      .update({
        created_at: database.db.raw(`created_at - interval '10 minutes'`),
        expires_at: database.db.raw(`expires_at - interval '10 minutes'`),
      });
    await askForLink(user.email);
    const token = await linkTokenFor(user.email);
    expect(token).not.toBe(older);

    const page = await request(app).get(`/password-reset/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toContain('no-store');
    expect(cheerio.load(page.text)('input[name="username"]').val()).toBe(user.email);

    const weak = await choosePassword(token, 'password1');
    expect(weak.status).toBe(422);
    expect(weak.text).toContain('too common');
    const mismatch = await choosePassword(token, NEW_PASSWORD, 'something else entirely');
    expect(mismatch.status).toBe(422);
    expect(cheerio.load(mismatch.text)('#password_confirmation-error').text()).toContain('The two passwords are not the same');
    const withEmail = await choosePassword(token, `${user.email} rocks`);
    expect(withEmail.status).toBe(422);

    const done = await choosePassword(token, NEW_PASSWORD);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/login');
    expect((await elsewhere.get('/reports')).status).toBe(303);
    expect((await attemptSignIn(app, user.email, TEST_PASSWORD, '192.0.2.12')).status).toBe(401);
    expect((await attemptSignIn(app, user.email, NEW_PASSWORD, '192.0.2.12')).status).toBe(303);
    const gone = await request(app).get(`/password-reset/${token}`);
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('This link has expired or has already been used');
    expect((await request(app).get(`/password-reset/${older}`)).status).toBe(410);
    expect((await choosePassword(older, 'yet another passphrase')).status).toBe(410);
    const reset = await database.db('audit_events').where({ verb: 'auth.password_reset', actor_user_id: user.id }).first();
    expect(reset.details).toEqual({ sessions_ended: 1 });
  });

  it('refuses an expired link, an unknown one, and a deactivated account’s', async () => {
    const user = await makeUser(database.db);
    await askForLink(user.email);
    const token = await linkTokenFor(user.email);
    await database
      .db('password_resets')
      .where({ user_id: user.id })
      .update({ created_at: database.db.raw(`now() - interval '2 hours'`), expires_at: database.db.raw(`now() - interval '1 hour'`) });
    expect((await request(app).get(`/password-reset/${token}`)).status).toBe(410);
    expect((await request(app).get('/password-reset/not-a-real-token')).status).toBe(410);

    const leaver = await makeUser(database.db);
    await askForLink(leaver.email);
    const leaverToken = await linkTokenFor(leaver.email);
    await database.db('users').where({ id: leaver.id }).update({ active: false });
    expect((await choosePassword(leaverToken, NEW_PASSWORD)).status).toBe(410);
    const deactivated = await makeUser(database.db, { active: false });
    await askForLink(deactivated.email);
    expect(await mailsTo(deactivated.email)).toHaveLength(0);
  });

  it(`mails one account one link in ${PASSWORD_RESET.minutesBetweenMails} minutes and ${PASSWORD_RESET.perAccount} an hour at most, and refuses an address after ${PASSWORD_RESET.perAddress} requests`, async () => {
    const user = await makeUser(database.db);
    const earlier = (minutes: number) =>
      database
        .db('password_resets')
        .where({ user_id: user.id })
        .update({
          created_at: database.db.raw(`created_at - make_interval(mins => ?)`, [minutes]),
          expires_at: database.db.raw(`expires_at - make_interval(mins => ?)`, [minutes]),
        });
    for (let index = 0; index < 4; index += 1) expect((await askForLink(user.email, `192.0.2.${20 + index}`)).status).toBe(303);
    expect(await mailsTo(user.email)).toHaveLength(1);
    for (let round = 2; round <= PASSWORD_RESET.perAccount + 1; round += 1) {
      await earlier(PASSWORD_RESET.minutesBetweenMails + 1);
      await askForLink(user.email, '192.0.2.30');
    }
    expect(await mailsTo(user.email)).toHaveLength(PASSWORD_RESET.perAccount);

    const address = '198.51.100.200';
    for (let index = 0; index < PASSWORD_RESET.perAddress; index += 1)
      expect((await askForLink(`someone-${index}@example.org`, address)).status).toBe(303);
    for (let index = 0; index < 3; index += 1) {
      const refused = await askForLink(user.email, address);
      expect(refused.status).toBe(429);
      expect(cheerio.load(refused.text)('#email').val()).toBe(user.email);
      expect(refused.text).toContain('Too many requests to reset a password from your network');
    }
    expect(await database.db('audit_events').where({ verb: 'auth.password_reset_throttled', ip_address: address })).toHaveLength(1);
  });

  describe('sign-in throttling that stops guessing without locking out the owner', () => {
    it('slows one address on one account with growing delays', () => {
      const delays = Array.from({ length: 12 }, (_, failures) => pairDelayMinutes(failures));
      expect(delays).toEqual([0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 30, 30]);
    });

    it(`after ${THROTTLE.pairFree} failures from one address, that address waits; the owner at another address signs in`, async () => {
      const user = await makeUser(database.db);
      for (let index = 0; index < THROTTLE.pairFree; index += 1)
        expect((await attemptSignIn(app, user.email, `wrong guess ${index}`, '203.0.113.50')).status).toBe(401);
      const waiting = await attemptSignIn(app, user.email, TEST_PASSWORD, '203.0.113.50');
      expect(waiting.status).toBe(429);
      expect(cheerio.load(waiting.text)('.govuk-error-summary').text()).toContain('Wait 1 minute, then try again, or reset your password.');
      expect((await attemptSignIn(app, user.email, TEST_PASSWORD, '198.51.100.51')).status).toBe(303);
    });

    it('lets the address try again once the delay is over, and the next delay is longer', async () => {
      const user = await makeUser(database.db);
      await pastFailures(THROTTLE.pairFree, { key: () => `user:${user.id}`, address: () => '203.0.113.60', minutesAgo: 2 });
      expect((await attemptSignIn(app, user.email, 'one more wrong guess', '203.0.113.60')).status).toBe(401);
      const waiting = await attemptSignIn(app, user.email, TEST_PASSWORD, '203.0.113.60');
      expect(waiting.status).toBe(429);
      expect(waiting.text).toContain('Wait 2 minutes');
    });

    it('does not lock an office behind one address out for thirty failures on other accounts; stops it at its own ceiling', async () => {
      const user = await makeUser(database.db);
      const office = '203.0.113.70';
      await pastFailures(30, { key: (index) => `email:colleague-${index}@example.org`, address: () => office, minutesAgo: 1 });
      expect((await attemptSignIn(app, user.email, TEST_PASSWORD, office)).status).toBe(303);
      await pastFailures(THROTTLE.perAddress - 30, {
        key: (index) => `email:guess-${index}@example.org`,
        address: () => office,
        minutesAgo: 1,
      });
      expect((await attemptSignIn(app, user.email, TEST_PASSWORD, office)).status).toBe(429);
    });

    it('stops guessing spread over many addresses at the account ceiling; the owner gets through with a reset link', async () => {
      const user = await makeUser(database.db);
      await pastFailures(THROTTLE.perAccount, {
        key: () => `user:${user.id}`,
        address: (index) => `198.18.${Math.floor(index / 250)}.${(index % 250) + 1}`,
        minutesAgo: 5,
      });
      expect((await attemptSignIn(app, user.email, TEST_PASSWORD, '192.0.2.80')).status).toBe(429);
      await askForLink(user.email, '192.0.2.80');
      expect((await choosePassword(await linkTokenFor(user.email), NEW_PASSWORD)).status).toBe(303);
      expect((await attemptSignIn(app, user.email, NEW_PASSWORD, '192.0.2.80')).status).toBe(303);
    });
  });
});
