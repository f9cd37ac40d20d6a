import { Readable } from 'node:stream';
import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { runCli } from '../src/cli';
import { composeMail, type MailKind } from '../src/mail/compose';
import { enqueueMail } from '../src/mail/outbox';
import { createMailSender, retryDelayMinutes, smtpTransport } from '../src/mail/sender';
import { buildTestApp, TEST_PUBLIC_URL } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeUser, unique } from './helpers/factories';
import { csrfTokenIn, postForm, signIn } from './helpers/session';
import { startSmtpServer } from './helpers/smtp';

const address = (prefix: string) => `${unique(prefix).replace(/\W/g, '')}@example.org`;

describe('mail through the outbox', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  const senderFor = (url: string) =>
    createMailSender({
      db: database.db,
      transport: smtpTransport(url),
      from: 'Alliance tracker <tracker@example.test>',
      messageIdDomain: 'tracker.example.test',
    });

  /** Only the messages a test wrote: the outbox is shared by the file's tests. */
  const holdEverythingBut = async (ids: number[]) => {
    await database
      .db('outbox')
      .whereNull('sent_at')
      .whereNotIn('id', ids)
      .update({ next_attempt_at: database.db.raw(`now() + interval '1 day'`) });
  };

  async function queue(count: number) {
    const ids: number[] = [];
    for (let index = 0; index < count; index += 1) {
      const to = address('someone');
      await enqueueMail(database.db, {
        kind: 'password_reset',
        to,
        userId: null,
        language: 'en',
        params: { name: `Person ${index}`, link: `${TEST_PUBLIC_URL}/password-reset/token-${index}`, minutes: 60 },
      });
      const row: { id: string } = await database.db('outbox').where({ recipient: to }).first('id');
      ids.push(Number(row.id));
    }
    await holdEverythingBut(ids);
    return ids;
  }

  it('an admin’s invitation is written to the outbox in the language chosen, with a link from PUBLIC_URL, and readable at /admin/outbox', async () => {
    const admin = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
    const email = address('jana');
    const page = await admin.get('/admin/users');
    const response = await admin
      .post('/admin/users')
      .set('Host', 'attacker.example.com')
      .type('form')
      .send({ _csrf: csrfTokenIn(page.text), email, name: 'Jana Nováková', role: 'delegate', country: 'CZ', language: 'de' });
    expect(response.status).toBe(303);

    const mail = await database.db('outbox').where({ recipient: email }).first();
    expect(mail).toMatchObject({ kind: 'invitation', language: 'de', subject: 'Ihr Konto im Verpflichtungs-Tracker der Globalen Allianz' });
    expect(mail.body_text).toContain('Guten Tag Jana Nováková,');
    expect(mail.body_text).toMatch(new RegExp(`${TEST_PUBLIC_URL}/invitations/[A-Za-z0-9_-]{40,}`));
    expect(`${mail.body_text}${mail.body_html}`).not.toContain('attacker.example.com');
    const flash = cheerio
      .load((await admin.get('/admin/users')).text)('.flash__detail code')
      .text();
    expect(mail.body_text).toContain(flash);
    expect(await database.db('invitations').where({ email }).first()).toMatchObject({ language: 'de' });

    const outbox = cheerio.load((await admin.get('/admin/outbox?status=waiting')).text);
    expect(outbox('h1').text()).toBe('Outbox');
    expect(outbox('.govuk-warning-text').text()).toContain('No mail server is configured (SMTP_URL)');
    const message = outbox(`#mail-${mail.id}`);
    expect(message.find('h2').text()).toBe(mail.subject);
    expect(message.find('pre').text()).toBe(mail.body_text);
    expect(message.text()).toContain('Waiting');
  });

  it('escapes what people typed in the HTML part and keeps it as typed in the text part', async () => {
    await enqueueMail(database.db, {
      kind: 'invitation',
      to: 'escape@example.org',
      userId: null,
      language: 'en',
      params: { name: '<script>alert(1)</script> & Co', link: `${TEST_PUBLIC_URL}/invitations/abc?x="1"`, days: 7 },
    });
    const mail = await database.db('outbox').where({ recipient: 'escape@example.org' }).first();
    expect(mail.body_text).toContain('Dear <script>alert(1)</script> & Co,');
    expect(mail.body_html).not.toContain('<script>');
    expect(mail.body_html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(mail.body_html).toContain('href="https://tracker.example.test/invitations/abc?x&#x3D;&quot;1&quot;"');
  });

  it('every kind of mail, in each language, arrives over SMTP as plain text and HTML with its link and no placeholder left', async () => {
    const smtp = await startSmtpServer();
    try {
      const values = { cycle: 'Progress reports 2031', due: '2031-06-30', days: 7, minutes: 60, count: 3, comment: 'Add the budget.' };
      const kinds: MailKind[] = [
        'invitation',
        'password_reset',
        'cycle_opened',
        'reminder_before',
        'reminder_overdue',
        'report_returned',
        'report_accepted',
      ];
      const greetings = { en: 'Dear Ana,', fr: 'Bonjour Ana,', de: 'Guten Tag Ana,' } as const;
      const ids: number[] = [];
      for (const language of ['en', 'fr', 'de'] as const)
        for (const kind of kinds) {
          const to = `${kind.replace('_', '-')}-${language}-${Date.now()}@example.org`;
          await enqueueMail(database.db, {
            kind,
            to,
            userId: null,
            language,
            params: { ...values, name: 'Ana', link: `${TEST_PUBLIC_URL}/${kind}/${language}` },
          });
          ids.push(Number((await database.db('outbox').where({ recipient: to }).first('id')).id));
        }
      await holdEverythingBut(ids);
      expect(await senderFor(smtp.url).deliverDue()).toBe(21);
      expect(smtp.received).toHaveLength(21);
      for (const mail of smtp.received) {
        const [kind, language] = new URL(/https:\S+/.exec(mail.text ?? '')![0]).pathname.slice(1).split('/') as [
          MailKind,
          'en' | 'fr' | 'de',
        ];
        const expected = composeMail(language, kind, { ...values, name: 'Ana', link: `${TEST_PUBLIC_URL}/${kind}/${language}` });
        expect({ kind, language, subject: mail.subject }).toEqual({ kind, language, subject: expected.subject });
        expect(mail.text).toContain(greetings[language]);
        expect(mail.html).toContain(`<a href="${TEST_PUBLIC_URL}/${kind}/${language}">`);
        expect(`${mail.subject ?? ''}${mail.text ?? ''}${String(mail.html)}`).not.toMatch(/\{\{|mail\.[a-z_]+\./);
      }
    } finally {
      await smtp.close();
    }
  });

  it('the sender delivers over SMTP with STARTTLS and a password, plain text and HTML, marks it sent once and audits it', async () => {
    const smtp = await startSmtpServer();
    try {
      const [id] = await queue(1);
      expect(await senderFor(smtp.url).deliverDue()).toBe(1);
      expect(smtp.received).toHaveLength(1);
      const [mail] = smtp.received;
      const row = await database.db('outbox').where({ id }).first();
      expect(mail!.over).toEqual({ secure: true, user: 'tracker' });
      expect(mail!.subject).toBe('Reset your password');
      expect(mail!.to).toMatchObject({ text: row.recipient });
      expect(mail!.from?.value).toEqual([{ address: 'tracker@example.test', name: 'Alliance tracker' }]);
      expect(mail!.messageId).toBe(`<outbox-${id}@tracker.example.test>`);
      expect(mail!.text).toContain(`${TEST_PUBLIC_URL}/password-reset/token-0`);
      expect(mail!.html).toContain(`<a href="${TEST_PUBLIC_URL}/password-reset/token-0">Choose a new password</a>`);
      expect(row).toMatchObject({ attempts: 1, last_error: null });
      expect(row.sent_at).toBeInstanceOf(Date);
      expect(await senderFor(smtp.url).deliverDue()).toBe(0);
      expect(smtp.received).toHaveLength(1);
      expect(await database.db('audit_events').where({ verb: 'mail.sent', entity_id: String(id) })).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });

  it('loses nothing while the SMTP server is down: the message waits with its error and is sent when the server is back', async () => {
    const smtp = await startSmtpServer();
    await smtp.close();
    const [id] = await queue(1);
    expect(await senderFor(smtp.url).deliverDue()).toBe(1);
    const failed = await database.db('outbox').where({ id }).first();
    expect(failed).toMatchObject({ attempts: 1, sent_at: null });
    expect(failed.last_error).toMatch(/ECONNREFUSED|connect/);
    expect(failed.next_attempt_at.getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect([1, 2, 3, 9, 20].map(retryDelayMinutes)).toEqual([1, 2, 4, 256, 360]);
    // Not due yet: another round does not retry at once.
    expect(await senderFor(smtp.url).deliverDue()).toBe(0);

    const back = await startSmtpServer();
    try {
      await database.db('outbox').where({ id }).update({ next_attempt_at: database.db.fn.now() });
      expect(await senderFor(back.url).deliverDue()).toBe(1);
      expect(back.received.map((mail) => mail.messageId)).toEqual([`<outbox-${id}@tracker.example.test>`]);
      expect(await database.db('outbox').where({ id }).first()).toMatchObject({ attempts: 2, last_error: null });
    } finally {
      await back.close();
    }
  });

  it('sends each message once when several app instances deliver at the same time', async () => {
    const smtp = await startSmtpServer();
    try {
      const ids = await queue(24);
      const instances = [senderFor(smtp.url), senderFor(smtp.url), senderFor(smtp.url)];
      const tried = await Promise.all(instances.map((sender) => sender.deliverDue()));
      expect(tried.reduce((sum, count) => sum + count, 0)).toBe(24);
      const delivered = smtp.received.map((mail) => mail.messageId).sort();
      expect(delivered).toEqual(ids.map((id) => `<outbox-${id}@tracker.example.test>`).sort());
      expect(new Set(delivered).size).toBe(24);
    } finally {
      await smtp.close();
    }
  });

  it('npm run cli -- user invite writes the invitation mail and prints its link', async () => {
    const email = address('cli');
    const output = await runCli(['user', 'invite', '--email', email, '--name', 'Ana Lima', '--role', 'secretariat', '--language', 'fr'], {
      stdin: Readable.from(['']),
      env: { DATABASE_URL: database.url, LOG_LEVEL: 'silent', PUBLIC_URL: 'https://alliance.example.eu/' },
    });
    expect(output).toMatch(new RegExp(`https://alliance.example.eu/invitations/[A-Za-z0-9_-]{40,}`));
    const mail = await database.db('outbox').where({ recipient: email }).first();
    expect(mail).toMatchObject({ kind: 'invitation', language: 'fr' });
    expect(mail.body_text).toContain(output.split(': ').at(-1));
    expect(
      await database
        .db('audit_events')
        .where({ verb: 'invitation.created', actor_label: 'cli' })
        .whereRaw("details ->> 'email' = ?", [email]),
    ).toHaveLength(1);
    await expect(
      runCli(['user', 'invite', '--email', email, '--name', 'Ana Lima', '--role', 'secretariat'], {
        stdin: Readable.from(['']),
        env: { DATABASE_URL: database.url, LOG_LEVEL: 'silent' },
      }),
    ).rejects.toThrow(/already/);
  });

  it('shows the outbox to admins only', async () => {
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    expect((await staff.get('/admin/outbox')).status).toBe(403);
    expect((await request(app).get('/admin/outbox')).status).toBe(303);
    const admin = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
    expect(
      cheerio
        .load((await admin.get('/admin/users')).text)('a[href="/admin/outbox"]')
        .text(),
    ).toBe('Outbox');
    const invited = await postForm(admin, '/admin/users', '/admin/users', {
      email: address('x'),
      name: 'Someone',
      role: 'secretariat',
      country: '',
      language: 'xx',
    });
    expect(invited.status).toBe(422);
    expect(invited.text).toContain('Choose a language from the list.');
  });
});
