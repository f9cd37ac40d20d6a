import * as cheerio from 'cheerio';
import type { Express } from 'express';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeCountry, makeCycle, makeReport, makeUser } from './helpers/factories';
import { csrfTokenIn, signIn, type Agent } from './helpers/session';

// Workspace pages keep their content per report stamp (src/reports/kept-pages.ts): each
// change a user can make shows at once, each reader gets their own CSRF token and layout,
// and what one reader typed or was told is never shown to another.

describe('kept workspace pages', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  /** A member and an open commitments cycle, with the address of its report. */
  async function openCycle() {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, {
      kind: 'commitments',
      state: 'open',
      opens_on: '2020-01-01',
      due_on: '2099-06-30',
      closes_on: '2099-12-31',
    });
    return { country, cycle, base: `/reports/${country.code}/${cycle.slug}` };
  }

  async function draft(state: 'draft' | 'returned' = 'draft') {
    const { country, cycle, base } = await openCycle();
    const report = await makeReport(database.db, country.code, cycle.id, state);
    const first = await makeUser(database.db, { role: 'delegate', country_code: country.code, name: 'Marie Curie' });
    const second = await makeUser(database.db, { role: 'delegate', country_code: country.code, name: 'Jean Monnet' });
    return { country, cycle, report, first, second, base };
  }
  /** The report version a page's forms carry, as a browser sends it back. */
  const versionOn = (html: string) => String(cheerio.load(html)('input[name="version"]').val());
  /** Saves the about page as a browser would: with the token and version of the page it shows. */
  async function saveAbout(agent: Agent, base: string, contributors: string) {
    const page = (await agent.get(`${base}/about`)).text;
    return agent
      .post(`${base}/about`)
      .type('form')
      .send({ _csrf: csrfTokenIn(page), version: versionOn(page), text_language: 'fr', contributors });
  }
  const contributorsOn = (html: string) => cheerio.load(html)('#about-contributors').text();
  /** Changes the report behind the app's back: no writer of the app does that without moving its version. */
  const changeQuietly = (reportId: number, contributors: string) => database.db('reports').where({ id: reportId }).update({ contributors });

  it('keeps a page until the report changes, and shows every save at once', async () => {
    const { report, first, base } = await draft();
    const agent = await signIn(app, first.email);
    expect(contributorsOn((await agent.get(`${base}/about`)).text)).toBe('');
    // Kept: a change that does not move the report's version is not seen...
    await changeQuietly(report.id, 'Behind its back');
    expect(contributorsOn((await agent.get(`${base}/about`)).text)).toBe('');
    // ...and a save, which does, is seen at once, on this page and on the task list.
    const saved = await saveAbout(agent, base, 'Ministry of Justice');
    expect(saved.status).toBe(303);
    // The first page after the save carries its message (and is not kept with it)...
    const afterSave = await agent.get(saved.headers.location!);
    expect(afterSave.text).toContain('Saved.');
    expect(contributorsOn((await agent.get(`${base}/about`)).text)).toBe('Ministry of Justice');
    // ...the next one does not.
    expect((await agent.get(saved.headers.location!)).text).not.toContain('Saved.');
  });

  it('sends kept content gzipped to a browser that takes it: the same page, and its token works', async () => {
    const { first, base } = await draft();
    const agent = await signIn(app, first.email);
    // The minute the sign-in ends may turn between two requests.
    const page = (text: string) => text.replace(/\d{2}:\d{2}/g, 'hh:mm');
    for (const path of [`${base}/about`, '/countries', `${base}/about`]) {
      const plain = await agent.get(path).set('Accept-Encoding', 'identity');
      // Unzipped by the client, which checks the stream and its trailer (CRC-32 and length).
      const zipped = await agent.get(path).set('Accept-Encoding', 'gzip');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers.vary).toMatch(/Accept-Encoding/);
      expect(page(zipped.text)).toBe(page(plain.text));
    }
    const about = (await agent.get(`${base}/about`).set('Accept-Encoding', 'gzip')).text;
    expect(csrfTokenIn(about)).not.toBe('');
    const saved = await agent
      .post(`${base}/about`)
      .type('form')
      .send({ _csrf: csrfTokenIn(about), version: versionOn(about), text_language: 'fr', contributors: 'Sent gzipped' });
    expect(saved.status).toBe(303);
  });

  it('gives each reader their own CSRF token and name around the same content, and each token works', async () => {
    const { first, second, base } = await draft();
    const [one, two] = [await signIn(app, first.email), await signIn(app, second.email)];
    const pageOne = (await one.get(`${base}/about`)).text;
    const pageTwo = (await two.get(`${base}/about`)).text;
    const tokens = (html: string) => {
      const $ = cheerio.load(html);
      return $('input[name="_csrf"]')
        .toArray()
        .map((input) => $(input).val());
    };
    expect(tokens(pageOne).length).toBeGreaterThan(1); // the form's and the sign-out form's
    expect(new Set(tokens(pageOne))).toEqual(new Set([csrfTokenIn(pageOne)]));
    expect(new Set(tokens(pageTwo))).toEqual(new Set([csrfTokenIn(pageTwo)]));
    expect(csrfTokenIn(pageOne)).not.toBe(csrfTokenIn(pageTwo));
    expect(pageOne).toContain('Marie Curie');
    expect(pageOne).not.toContain('Jean Monnet');
    expect(pageTwo).toContain('Jean Monnet');
    expect(pageTwo).not.toContain('Marie Curie');
    // The second reader's token, put into the kept content, is the one their session accepts.
    const saved = await two
      .post(`${base}/about`)
      .type('form')
      .send({ _csrf: csrfTokenIn(pageTwo), version: versionOn(pageTwo), text_language: 'de', contributors: 'Second reader' });
    expect(saved.status).toBe(303);
    const refused = await two
      .post(`${base}/about`)
      .type('form')
      .send({
        _csrf: csrfTokenIn(pageOne),
        version: Number(versionOn(pageOne)) + 1,
        text_language: 'de',
        contributors: 'Token of the other',
      });
    expect(refused.status).toBe(403);
  });

  it('never turns text a delegate typed into a token slot', async () => {
    const { first, base } = await draft();
    const agent = await signIn(app, first.email);
    const typed = 'Ministry <!--csrf-token--> and friends';
    await saveAbout(agent, base, typed);
    const after = (await agent.get(`${base}/about`)).text;
    expect(contributorsOn(after)).toBe(typed);
    expect(after).toContain('Ministry &lt;!--csrf-token--&gt; and friends');
  });

  it('keeps a copy per language and per reader’s rights', async () => {
    const { first, base } = await draft();
    const delegate = await signIn(app, first.email);
    const secretariat = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    const english = (await delegate.get(base)).text;
    const french = (await delegate.get(base).set('Cookie', 'lang=fr')).text;
    expect(cheerio.load(english)('html').attr('lang')).toBe('en');
    expect(cheerio.load(french)('html').attr('lang')).toBe('fr');
    expect(cheerio.load(french)('main').text()).not.toBe(cheerio.load(english)('main').text());
    // French sets a narrow no-break space before a colon.
    expect(cheerio.load(english)('h1').text()).toMatch(/^[^:\u202f]+: /);
    expect(cheerio.load(french)('h1').text()).toMatch(/^[^:]+\u202f: /);
    // The way back from a report is the delegate's own reports, the secretariat's review of
    // the cycle; each reader's copy, the second time as kept, leads where they may go.
    const back = (html: string) => cheerio.load(html)('.govuk-breadcrumbs a').attr('href');
    for (let time = 0; time < 2; time++) {
      expect(back((await delegate.get(base)).text)).toBe('/reports');
      expect(back((await secretariat.get(base)).text)).toMatch(/^\/review\?cycle=/);
    }
    // Only the country's delegates may submit: the secretariat, who may help with a draft,
    // reads the same check page without the submission part, and the delegate's copy
    // stays as it was.
    const submission = (html: string) => cheerio.load(html)('#submit').next().text();
    const delegateCheck = (await delegate.get(`${base}/check`)).text;
    expect(submission(delegateCheck)).not.toContain('delegates can submit this report');
    const staffCheck = (await secretariat.get(`${base}/check`)).text;
    expect(submission(staffCheck)).toContain('delegates can submit this report');
    expect(submission((await delegate.get(`${base}/check`)).text)).not.toContain('delegates can submit this report');
  });

  it('shows a renamed delegate’s new name in "last saved by" at once (the users version is in the stamp)', async () => {
    const { first, base } = await draft();
    const agent = await signIn(app, first.email);
    await saveAbout(agent, base, 'x');
    expect((await agent.get(base)).text).toContain('Marie Curie');
    expect((await agent.get(base)).text).toContain('Marie Curie');
    await database.db('users').where({ id: first.id }).update({ name: 'Marie Skłodowska-Curie' });
    expect(
      cheerio
        .load((await agent.get(base)).text)('.govuk-task-list')
        .text(),
    ).toContain('Marie Skłodowska-Curie');
  });

  it('shows an answer to the secretariat’s question, and its correction, at once (answers do not move the version)', async () => {
    const { report, first, base } = await draft('returned');
    const staff = await makeUser(database.db, { role: 'secretariat' });
    const [question] = await database
      .db('item_questions')
      .insert({
        report_id: report.id,
        item_key: 'baseline-PT1',
        question: 'Who runs the hotline?',
        asked_by: staff.id,
        sent_at: new Date(),
        sent_with_version: 1,
      })
      .returning('id');
    const questions = `${base}/questions`;
    const agent = await signIn(app, first.email);
    const answerOn = (html: string) => cheerio.load(html)(`#question-${question.id}-answer`).text();
    expect(answerOn((await agent.get(questions)).text)).toBe('');
    for (const answer of ['The police.', 'The national police, since 2010.']) {
      const page = (await agent.get(questions)).text;
      const sent = await agent
        .post(`${questions}/${question.id}`)
        .type('form')
        .send({ _csrf: csrfTokenIn(page), answer });
      expect(sent.status).toBe(303);
      // The first page after it carries the "sent" message (never kept); the next is the kept one.
      expect((await agent.get(questions)).text).toContain('govuk-notification-banner');
      expect(answerOn((await agent.get(questions)).text)).toBe(answer);
    }
  });

  it('keeps the review queue per cycle and view, and shows a report started a moment ago in each', async () => {
    const { country, cycle, base } = await openCycle();
    const delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    const queue = `/review?cycle=${cycle.slug}`;
    const stateIn = async (url: string) => {
      const $ = cheerio.load((await staff.get(url)).text);
      return $('tbody tr')
        .filter((_index, row) => $(row).find('th').text().includes(country.name))
        .find('.govuk-tag')
        .first()
        .text();
    };
    expect(await stateIn(queue)).toBe('Not started');
    expect(await stateIn(`${queue}&sort=name`)).toBe('Not started');
    // A parameter the queue does not read neither changes nor multiplies it.
    expect(await stateIn(`${queue}&utm_source=mail`)).toBe('Not started');
    const saved = await saveAbout(delegate, base, 'First save');
    expect(saved.status).toBe(303);
    expect(await stateIn(queue)).toBe('Draft');
    expect(await stateIn(`${queue}&sort=name`)).toBe('Draft');
    expect(await stateIn(`${queue}&state=draft`)).toBe('Draft');
  });

  it('keeps nothing with PAGE_CACHE_ENTRIES=0', async () => {
    const fresh = buildTestApp(database, { pageCacheEntries: 0 });
    const { report, first, base } = await draft();
    const agent = await signIn(fresh, first.email);
    expect(contributorsOn((await agent.get(`${base}/about`)).text)).toBe('');
    await changeQuietly(report.id, 'Seen at once');
    expect(contributorsOn((await agent.get(`${base}/about`)).text)).toBe('Seen at once');
  });
});
