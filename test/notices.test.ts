import { Readable } from 'node:stream';
import * as cheerio from 'cheerio';
import type { Express } from 'express';
import { runCli } from '../src/cli';
import { reminderKind, sendReminders } from '../src/mail/notices';
import { buildTestApp, TEST_PUBLIC_URL } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeCountry, makeCycle, makeReport, makeUser } from './helpers/factories';
import { postForm, signIn } from './helpers/session';

/** The day `days` before (negative: after) a date, as YYYY-MM-DD. */
const daysBefore = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

describe('mail the reporting cycle sends', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  const mailsTo = (email: string) => database.db('outbox').where({ recipient: email }).orderBy('id');
  /** Reminders to one person about one cycle: the file's other tests leave open cycles of their own. */
  const remindersTo = async (email: string, slug: string) =>
    (await mailsTo(email)).filter((mail) => String(mail.kind).startsWith('reminder') && String(mail.body_text).includes(`/${slug}`));

  /** A member with two active delegates (English and French) and a deactivated one. */
  async function memberWithDelegates() {
    const country = await makeCountry(database.db);
    const english = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    const french = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    await database.db('users').where({ id: french.id }).update({ language: 'fr' });
    const gone = await makeUser(database.db, { role: 'delegate', country_code: country.code, active: false });
    return { country, english, french, gone };
  }

  it('opening a cycle mails the delegates of every member expected to report, in their language, once however often it opens', async () => {
    const { country, english, french, gone } = await memberWithDelegates();
    const newcomer = await makeCountry(database.db, { joined_on: '2045-01-01' });
    const notYet = await makeUser(database.db, { role: 'delegate', country_code: newcomer.code });
    const cycle = await makeCycle(database.db, { state: 'planned', kind: 'progress', due_on: '2044-06-30', closes_on: '2044-12-31' });
    const admin = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
    const open = () => postForm(admin, '/admin/cycles', `/admin/cycles/${cycle.slug}/state`, { state: 'open' });

    expect((await open()).status).toBe(303);
    const [toEnglish] = await mailsTo(english.email);
    expect(toEnglish).toMatchObject({ kind: 'cycle_opened', subject: `Reporting is open: ${cycle.title}` });
    expect(toEnglish.body_text).toContain('Reports are due on 30 June 2044.');
    expect(toEnglish.body_text).toContain(`${TEST_PUBLIC_URL}/reports/${country.code}/${cycle.slug}`);
    const [toFrench] = await mailsTo(french.email);
    expect(toFrench.body_text).toContain('Les rapports sont attendus pour le 30 juin 2044.');
    expect(await mailsTo(gone.email)).toHaveLength(0);
    expect(await mailsTo(notYet.email)).toHaveLength(0);

    expect((await postForm(admin, '/admin/cycles', `/admin/cycles/${cycle.slug}/state`, { state: 'closed' })).status).toBe(303);
    expect((await open()).status).toBe(303);
    expect(await mailsTo(english.email)).toHaveLength(1);
  });

  it('returning a report mails the comment to the member’s delegates; accepting it says it is published', async () => {
    const { country, english, french } = await memberWithDelegates();
    const cycle = await makeCycle(database.db, { state: 'open' });
    await makeReport(database.db, country.code, cycle.id, 'submitted');
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    const review = `/review/${country.code}/${cycle.slug}`;
    const comment = 'Please add the budget of action 2.\nAnd <b>the</b> date.';
    expect((await postForm(staff, review, `${review}/return`, { version: 1, comment })).status).toBe(303);

    const [returned] = await mailsTo(english.email);
    expect(returned).toMatchObject({ kind: 'report_returned', subject: `Your report for ${cycle.title} was returned` });
    expect(returned.body_text).toContain('> Please add the budget of action 2.\n> And <b>the</b> date.');
    expect(returned.body_html).toContain('And &lt;b&gt;the&lt;/b&gt; date.');
    expect(returned.body_text).toContain(`${TEST_PUBLIC_URL}/reports/${country.code}/${cycle.slug}`);
    expect((await mailsTo(french.email))[0].subject).toBe(`Votre rapport pour ${cycle.title} vous a été renvoyé`);

    await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).update({ state: 'submitted', version: 3 });
    expect((await postForm(staff, review, `${review}/accept`, { version: 3 })).status).toBe(303);
    const accepted = (await mailsTo(english.email))[1];
    expect(accepted).toMatchObject({ kind: 'report_accepted', subject: `Your report for ${cycle.title} is published` });
    expect(accepted.body_text).toContain(`${TEST_PUBLIC_URL}/countries/${country.code}`);
  });

  describe('reminders', () => {
    it('picks the nearest reminder reached, or overdue after the due date', () => {
      expect(reminderKind('2030-06-01', '2030-06-30', [14, 3])).toBeNull();
      expect(reminderKind('2030-06-16', '2030-06-30', [14, 3])).toEqual({ kind: 'before-14', daysLeft: 14, passed: [] });
      expect(reminderKind('2030-06-20', '2030-06-30', [14, 3])).toEqual({ kind: 'before-14', daysLeft: 10, passed: [] });
      expect(reminderKind('2030-06-28', '2030-06-30', [14, 3])).toEqual({ kind: 'before-3', daysLeft: 2, passed: ['before-14'] });
      expect(reminderKind('2030-06-30', '2030-06-30', [3, 14])).toEqual({ kind: 'before-3', daysLeft: 0, passed: ['before-14'] });
      expect(reminderKind('2030-07-01', '2030-06-30', [14, 3])).toEqual({ kind: 'overdue', daysLeft: -1, passed: [] });
      expect(reminderKind('2030-06-29', '2030-06-30', [])).toBeNull();
    });

    it('go to members who have not submitted, each at most once per member, cycle and kind, however often they run', async () => {
      const late = await memberWithDelegates();
      const done = await memberWithDelegates();
      const dueOn = '2046-06-30';
      const cycle = await makeCycle(database.db, { state: 'open', kind: 'progress', due_on: dueOn, closes_on: '2046-12-31' });
      await makeReport(database.db, late.country.code, cycle.id, 'draft');
      await makeReport(database.db, done.country.code, cycle.id, 'submitted');
      const remind = (today: string) => sendReminders(database.db, { publicUrl: TEST_PUBLIC_URL, today });
      const kinds = async () => (await remindersTo(late.english.email, cycle.slug)).map((mail) => mail.subject as string);

      await remind(daysBefore(dueOn, 20));
      expect(await kinds()).toEqual([]);
      await Promise.all([remind(daysBefore(dueOn, 10)), remind(daysBefore(dueOn, 10)), remind(daysBefore(dueOn, 10))]);
      await remind(daysBefore(dueOn, 9));
      expect(await kinds()).toEqual([`Reminder: your report for ${cycle.title} is due on 30 June 2046`]);
      const [first] = await remindersTo(late.english.email, cycle.slug);
      expect(first.body_text).toContain('is due in 10 days, on 30 June 2046');
      await remind(daysBefore(dueOn, 1));
      await remind(daysBefore(dueOn, 0));
      await remind(daysBefore(dueOn, -1));
      await remind(daysBefore(dueOn, -5));
      expect(await kinds()).toHaveLength(3);
      expect((await kinds())[2]).toBe(`Overdue: your report for ${cycle.title}`);
      expect(await remindersTo(late.french.email, cycle.slug)).toHaveLength(3);
      expect(await remindersTo(done.english.email, cycle.slug)).toEqual([]);
      expect(
        await database.db('reminders').where({ cycle_id: cycle.id, country_code: late.country.code }).orderBy('kind').pluck('kind'),
      ).toEqual(['before-14', 'before-3', 'overdue']);
      expect(
        await database.db('audit_events').where({ verb: 'reminder.sent', entity_id: cycle.slug, country_code: late.country.code }),
      ).toHaveLength(3);
    });

    it('skip a reminder whose day passed unsent, and wait for a member without delegates to have one', async () => {
      const dueOn = '2047-06-30';
      const cycle = await makeCycle(database.db, { state: 'open', kind: 'progress', due_on: dueOn, closes_on: '2047-12-31' });
      const lonely = await makeCountry(database.db);
      const late = await memberWithDelegates();
      await sendReminders(database.db, { publicUrl: TEST_PUBLIC_URL, today: daysBefore(dueOn, 2) });
      expect((await remindersTo(late.english.email, cycle.slug)).map((mail) => mail.kind)).toEqual(['reminder_before']);
      expect(await database.db('reminders').where({ cycle_id: cycle.id, country_code: lonely.code })).toEqual([]);
      const arrived = await makeUser(database.db, { role: 'delegate', country_code: lonely.code });
      await sendReminders(database.db, { publicUrl: TEST_PUBLIC_URL, today: daysBefore(dueOn, 1) });
      expect((await remindersTo(arrived.email, cycle.slug)).map((mail) => mail.kind)).toEqual(['reminder_before']);
    });

    it('npm run cli -- reminders runs them', async () => {
      const output = await runCli(['reminders'], { stdin: Readable.from(['']), env: { DATABASE_URL: database.url, LOG_LEVEL: 'silent' } });
      expect(output).toMatch(/^(Reminders written to the outbox for \d+ member|No reminder is due today)/);
    });

    it('are set per cycle by the secretariat, checked, and kept as typed when refused', async () => {
      const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
      const cycle = await makeCycle(database.db, { state: 'planned' });
      const fields = { title: cycle.title, opens_on: '2030-01-01', due_on: '2030-06-30', closes_on: '2030-12-31' };
      const refused = await postForm(staff, '/admin/cycles', `/admin/cycles/${cycle.slug}`, { ...fields, reminder_days: '0, 200' });
      expect(refused.status).toBe(422);
      const page = cheerio.load(refused.text);
      expect(page(`#cycle-${cycle.slug}-reminder_days-error`).text()).toContain('Enter up to five numbers of days from 1 to 90');
      expect(page(`#cycle-${cycle.slug}-reminder_days`).val()).toBe('0, 200');
      expect((await postForm(staff, '/admin/cycles', `/admin/cycles/${cycle.slug}`, { ...fields, reminder_days: '7; 21, 7' })).status).toBe(
        303,
      );
      expect((await database.db('cycles').where({ id: cycle.id }).first()).reminder_days).toEqual([21, 7]);
      expect((await postForm(staff, '/admin/cycles', `/admin/cycles/${cycle.slug}`, { ...fields, reminder_days: '' })).status).toBe(303);
      expect((await database.db('cycles').where({ id: cycle.id }).first()).reminder_days).toEqual([]);
    });
  });
});
