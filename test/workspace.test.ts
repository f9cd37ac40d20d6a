import * as cheerio from 'cheerio';
import type { Express } from 'express';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import {
  makeAction,
  makeCountry,
  makeCycle,
  makeIndicatorValue,
  makePledgingMember,
  makeReport,
  makeUpdate,
  makeUser,
  unique,
} from './helpers/factories';
import { csrfTokenIn, postForm, signIn, type Agent } from './helpers/session';
import { TEST_PASSWORD } from './helpers/factories';
import request from 'supertest';

// The delegate's workspace: completeness rules one by one, the withdrawal rule, starting
// from last year, section-level conflicts, forms kept across an idle sign-out, numbers
// as each language writes them.

const TARGETS = ['PT1', 'PT2', 'PT3', 'PT4'];

describe('the delegate’s workspace', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  /** A member with an accepted earlier report (two pledges: one open, one completed) and an open progress cycle. */
  async function progressSetup() {
    const { country, cycle, pledging } = await makePledgingMember(database.db);
    const lastYear = await makeCycle(database.db, {
      kind: 'progress',
      state: 'closed',
      opens_on: '2011-01-01',
      due_on: '2011-06-30',
      closes_on: '2011-12-31',
    });
    const open = await makeAction(database.db, pledging, { target_code: 'PT1', title: unique('Hotline') });
    const done = await makeAction(database.db, pledging, { target_code: 'PT2', title: unique('Training') });
    const accepted = await makeReport(database.db, country.code, lastYear.id, 'accepted');
    await makeUpdate(database.db, accepted, open.id, { status: 'delayed', percent_complete: 40, narrative: 'Budget cut last year' });
    await makeUpdate(database.db, accepted, done.id, { status: 'completed', percent_complete: 100, narrative: 'All trained' });
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: country.code, name: 'Marie Curie' });
    const agent = await signIn(app, delegate.email);
    return { country, cycle, pledging, open, done, delegate, agent, base: `/reports/${country.code}/${cycle.slug}` };
  }

  /** A member's draft in an open commitments cycle, and its delegate signed in. */
  async function commitmentsDraft() {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, {
      kind: 'commitments',
      state: 'open',
      opens_on: '2020-01-01',
      due_on: '2099-06-30',
      closes_on: '2099-12-31',
    });
    const agent = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    const report = await makeReport(database.db, country.code, cycle.id, 'draft');
    return { agent, report, base: `/reports/${country.code}/${cycle.slug}` };
  }

  /** Fills every part of a progress report straight into the database, except what `leave` names. */
  async function completeProgress(countryCode: string, cycleId: number, openActionId: number, leave: string | null) {
    const report = await makeReport(database.db, countryCode, cycleId, 'draft');
    if (leave !== 'language') await database.db('reports').where({ id: report.id }).update({ text_language: 'fr' });
    if (leave !== 'update') await makeUpdate(database.db, report, openActionId);
    for (const target of TARGETS)
      if (leave !== `summary-${target}`)
        await database.db('target_summaries').insert({ report_id: report.id, target_code: target, summary: 'Moved' });
    for (const code of await database.db('indicators').pluck('code'))
      if (leave !== `indicator-${code}`) await makeIndicatorValue(database.db, report.id, code, 10);
    return report;
  }

  const submitLinks = async (agent: Agent, base: string) => {
    const response = await postForm(agent, `${base}/check`, `${base}/submit`, {
      version: (await agent.get(`${base}/check`)).text.match(/name="version" value="(\d+)"/)?.[1] ?? '1',
      declaration: 'yes',
    });
    const $ = cheerio.load(response.text);
    return {
      status: response.status,
      links: $('.govuk-error-summary a')
        .map((_, link) => $(link).attr('href'))
        .get(),
    };
  };

  it('a progress report is complete only with the language, an update per open pledge, a summary per target and every indicator: each rule refuses on its own', async () => {
    const indicators = await database.db('indicators').pluck('code');
    const cases: Array<[string, (base: string, openId: number) => string]> = [
      ['language', (base) => `${base}/about#about-text_language`],
      ['update', (base, openId) => `${base}/progress#updates-a${openId}-status`],
      ['summary-PT3', (base) => `${base}/summaries#summaries-PT3`],
      [`indicator-${indicators[0]}`, (base) => `${base}/indicators#indicators-${indicators[0]}-value`],
    ];
    for (const [leave, link] of cases) {
      const { country, cycle, open, agent, base } = await progressSetup();
      const report = await completeProgress(country.code, cycle.id, open.id, leave);
      expect({ leave, ...(await submitLinks(agent, base)) }).toEqual({ leave, status: 422, links: [link(base, open.id)] });
      expect((await database.db('reports').where({ id: report.id }).first()).state).toBe('draft');
    }
    // Nothing left out: it goes through (the completed pledge needs no update).
    const { country, cycle, open, agent, base } = await progressSetup();
    await completeProgress(country.code, cycle.id, open.id, null);
    expect((await submitLinks(agent, base)).status).toBe(303);
  });

  it('a commitments report needs a baseline per target and, per target, a pledge or a reason for none', async () => {
    const { agent, base, report } = await commitmentsDraft();
    await database.db('reports').where({ id: report.id }).update({ text_language: 'en' });
    for (const target of TARGETS)
      await database.db('stocktaking_entries').insert({
        report_id: report.id,
        target_code: target,
        existing_measures: target === 'PT2' ? '' : 'In place',
        no_action_reason: target === 'PT1' ? '' : 'Covered',
      });
    expect(await submitLinks(agent, base)).toEqual({
      status: 422,
      links: [`${base}/stocktaking/PT2#baseline-PT2-existing`, `${base}/actions#target-PT1`],
    });
    // A pledge under PT1 takes the place of a reason; the baseline of PT2 completes it.
    await makeAction(database.db, report, { target_code: 'PT1' });
    await database.db('stocktaking_entries').where({ report_id: report.id, target_code: 'PT2' }).update({ existing_measures: 'A unit' });
    expect((await submitLinks(agent, base)).status).toBe(303);
  });

  it('a progress report starts from the last accepted one: open pledges pre-filled, last year’s narrative beside, completed ones closed until reopened', async () => {
    const { open, done, agent, base } = await progressSetup();
    const page = cheerio.load((await agent.get(`${base}/progress`)).text);
    expect(page(`#updates-a${open.id}-status option[selected]`).attr('value')).toBe('delayed');
    expect(page(`#updates-a${open.id}-percent`).val()).toBe('40');
    expect(page(`#updates-a${open.id}-narrative`).text()).toBe('');
    expect(page(`#carried-${open.id} details`).text()).toContain('Budget cut last year');
    expect(page(`#updates-a${done.id}-status`)).toHaveLength(0);
    expect(page(`#carried-${done.id}`).text()).toContain('Completed');

    // Reopening asks first, on its own page; then the pledge needs an update again.
    const confirm = cheerio.load((await agent.get(`${base}/actions/${done.id}/reopen`)).text);
    expect(confirm('h1').text()).toBe('Reopen this action?');
    expect((await postForm(agent, `${base}/actions/${done.id}/reopen`, `${base}/actions/${done.id}/reopen`, { version: 0 })).status).toBe(
      303,
    );
    const after = cheerio.load((await agent.get(`${base}/progress`)).text);
    expect(after(`#updates-a${done.id}-status option[selected]`).attr('value')).toBe('in_progress');
  });

  it('text typed over several lines comes back in its field as typed, and saving the page again changes nothing', async () => {
    // Each line after the first came back indented as deep as the partial that drew the
    // field, and was saved so: four more spaces in front of every line at every save.
    const text = 'First line.\n  a line its writer indented\n\nLast line.';
    const version = (html: string) => /name="version" value="(\d+)"/.exec(html)?.[1] ?? '0';
    const saveTwice = async (agent: Agent, pageUrl: string, action: string, field: string, fields: Record<string, string>) => {
      const first = await postForm(agent, pageUrl, action, { version: version((await agent.get(pageUrl)).text), ...fields, [field]: text });
      expect(first.status).toBe(303);
      const shown = (await agent.get(pageUrl)).text;
      const typed = cheerio.load(shown)(`textarea[name="${field}"]`).text();
      expect(typed).toBe(text);
      // The browser sends back what the field holds.
      expect((await postForm(agent, pageUrl, action, { version: version(shown), ...fields, [field]: typed })).status).toBe(303);
    };

    const { open, agent, base } = await progressSetup();
    await saveTwice(agent, `${base}/progress`, `${base}/updates`, `updates[a${open.id}][narrative]`, {
      [`updates[a${open.id}][status]`]: 'delayed',
      [`updates[a${open.id}][percent]`]: '50',
    });
    expect(await database.db('action_updates').where({ action_id: open.id }).orderBy('id', 'desc').first()).toMatchObject({
      narrative: text,
    });

    const draft = await commitmentsDraft();
    await saveTwice(draft.agent, `${draft.base}/stocktaking/PT1`, `${draft.base}/baseline`, 'baseline[PT1][existing]', {});
    expect(await database.db('stocktaking_entries').where({ report_id: draft.report.id, target_code: 'PT1' }).first()).toMatchObject({
      existing_measures: text,
    });
  });

  it('a withdrawal counts for later cycles only once the report carrying it is accepted', async () => {
    const { country, open, agent, base } = await progressSetup();
    // A report of another (earlier) cycle withdrew the pledge but was never accepted.
    const stalled = await makeCycle(database.db, {
      kind: 'progress',
      state: 'closed',
      opens_on: '2012-01-01',
      due_on: '2012-06-30',
      closes_on: '2012-12-31',
    });
    const draft = await makeReport(database.db, country.code, stalled.id, 'submitted');
    await database.db('actions').where({ id: open.id }).update({ withdrawn_in_report_id: draft.id, withdrawal_reason: 'Dropped' });
    let page = cheerio.load((await agent.get(`${base}/progress`)).text);
    expect(page(`#updates-a${open.id}-status`)).toHaveLength(1);

    // Accepted, it takes effect: the pledge is closed here and needs no update.
    await database.db('reports').where({ id: draft.id }).update({ state: 'accepted', reviewed_at: new Date() });
    page = cheerio.load((await agent.get(`${base}/progress`)).text);
    expect(page(`#updates-a${open.id}-status`)).toHaveLength(0);
    expect(page(`#carried-${open.id}`).text()).toContain('Withdrawn in an accepted report');
  });

  it('two tabs saving different sections both save; the same section twice is a 409 with both versions; the task list says who saved', async () => {
    const { country, cycle, agent, base } = await progressSetup();
    const second = await signIn(
      app,
      (await makeUser(database.db, { role: 'delegate', country_code: country.code, name: 'Jean Monnet' })).email,
    );
    // Both open their pages at version 0.
    const token = (page: string) => csrfTokenIn(page);
    const aboutPage = (await agent.get(`${base}/about`)).text;
    const summariesPage = (await second.get(`${base}/summaries`)).text;
    const summaries = Object.fromEntries(TARGETS.map((target) => [`summaries[${target}]`, `Second official on ${target}`]));

    expect(
      (
        await agent
          .post(`${base}/about`)
          .type('form')
          .send({ _csrf: token(aboutPage), version: 0, text_language: 'fr' })
      ).status,
    ).toBe(303);
    expect(
      (
        await second
          .post(`${base}/summaries`)
          .type('form')
          .send({ _csrf: token(summariesPage), version: 0, ...summaries })
      ).status,
    ).toBe(303);
    const report = await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).first();
    expect(report).toMatchObject({ text_language: 'fr', version: 2 });
    expect(await database.db('target_summaries').where({ report_id: report.id })).toHaveLength(4);

    // The first official also had the summaries open at version 0: that section changed since.
    const stale = await agent
      .post(`${base}/summaries`)
      .type('form')
      .send({
        _csrf: token(aboutPage),
        version: 0,
        ...Object.fromEntries(TARGETS.map((target) => [`summaries[${target}]`, `First official on ${target}`])),
      });
    expect(stale.status).toBe(409);
    const $ = cheerio.load(stale.text);
    expect($('#summaries-PT1').text()).toBe('First official on PT1');
    expect($('#conflict').text()).toContain('Second official on PT1');
    expect(await database.db('target_summaries').where({ report_id: report.id }).pluck('summary')).toContain('Second official on PT1');

    const list = cheerio.load((await agent.get(base)).text);
    expect(list('.task-list').text()).toContain('Last saved by Jean Monnet');
    expect(list('.task-list').text()).toContain('Last saved by Marie Curie');
  });

  it('a stale save lists only what really differs: the same text with its line breaks written CR LF (a browser) or LF (an import) is not a difference', async () => {
    const { country, agent, base } = await progressSetup();
    const other = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    const page = (await agent.get(`${base}/summaries`)).text;
    // Saved meanwhile, its line breaks as LF.
    const saved = await postForm(other, `${base}/summaries`, `${base}/summaries`, {
      version: 0,
      'summaries[PT1]': 'Line one.\nLine two.',
      'summaries[PT2]': 'Saved meanwhile.',
    });
    expect(saved.status).toBe(303);
    const stale = await agent
      .post(`${base}/summaries`)
      .type('form')
      .send({ _csrf: csrfTokenIn(page), version: 0, 'summaries[PT1]': 'Line one.\r\nLine two.', 'summaries[PT2]': 'Typed here.' });
    expect(stale.status).toBe(409);
    const conflict = cheerio.load(stale.text)('#conflict').text();
    expect(conflict).toContain('Saved meanwhile.');
    expect(conflict).not.toContain('Line two.');
  });

  it('numbers as the interface language writes them: "12,5" and "1 250" in French, "1.250" in German; "1,25" refused in English', async () => {
    const { country, cycle, agent, base } = await progressSetup();
    const code = (await database.db('indicators').pluck('code'))[0] as string;
    const saveValue = async (language: string, value: string) => {
      agent.set('Cookie', `lang=${language}`);
      return postForm(agent, `${base}/indicators`, `${base}/indicators`, {
        version: (await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).first())?.version ?? 0,
        [`indicators[${code}][value]`]: value,
      });
    };
    const stored = async () =>
      Number(
        (
          await database
            .db('indicator_values')
            .join('reports', 'reports.id', 'indicator_values.report_id')
            .where({ country_code: country.code, indicator_code: code })
            .first()
        ).value,
      );
    expect((await saveValue('fr', '12,5')).status).toBe(303);
    expect(await stored()).toBe(12.5);
    expect((await saveValue('fr', '1\u202f250')).status).toBe(303);
    expect(await stored()).toBe(1250);
    expect((await saveValue('de', '1.250,75')).status).toBe(303);
    expect(await stored()).toBe(1250.75);
    const refused = await saveValue('en', '1,25');
    expect(refused.status).toBe(422);
    expect(cheerio.load(refused.text)(`#indicators-${code}-value`).val()).toBe('1,25');
    expect(cheerio.load(refused.text)(`#indicators-${code}-value-error`).text()).toContain('1,250.5');
    // Shown back the way the reader's language writes it.
    agent.set('Cookie', 'lang=fr');
    expect(
      cheerio
        .load((await agent.get(`${base}/indicators`)).text)(`#indicators-${code}-value`)
        .val(),
    ).toBe('1\u202f250,75');
    // "Not available" needs a reason, and no value beside it.
    const unavailable = await postForm(agent, `${base}/indicators`, `${base}/indicators`, {
      version: 3,
      [`indicators[${code}][value]`]: '4',
      [`indicators[${code}][unavailable]`]: 'yes',
    });
    expect(unavailable.status).toBe(422);
    expect(
      cheerio
        .load(unavailable.text)('.govuk-error-summary a')
        .map((_, link) => cheerio.load(unavailable.text)(link).attr('href'))
        .get(),
    ).toEqual([`#indicators-${code}-value`, `#indicators-${code}-note`]);
  });

  it('many earlier pledges: the progress section holds ten a page, each page saves its own, and every link finds a pledge on its page', async () => {
    const { country, cycle, pledging, open, done, agent, base } = await progressSetup();
    // 23 carried in the report's order (target, then id): the open PT1 one, the completed
    // PT2 one, 21 under PT3. Pages: 1 holds the first ten, 2 the next ten, 3 the last three.
    const more: Array<Awaited<ReturnType<typeof makeAction>>> = [];
    for (let index = 0; index < 21; index++)
      more.push(await makeAction(database.db, pledging, { target_code: 'PT3', title: unique('Pledge') }));
    const onPage = (number: number) => [open, done, ...more].slice((number - 1) * 10, number * 10);
    const load = async (path: string) => cheerio.load((await agent.get(path)).text);
    const fieldsets = ($: cheerio.CheerioAPI) =>
      $('form fieldset[id^="carried-"]')
        .map((_, element) => Number($(element).attr('id')?.slice('carried-'.length)))
        .get();

    const first = await load(`${base}/progress`);
    expect(fieldsets(first)).toEqual(
      onPage(1)
        .filter((action) => action !== done)
        .map((action) => action.id),
    );
    expect(first(`#carried-${done.id}`).text()).toContain('Completed');
    expect(first('main').text()).toContain('Page 1 of 3: pledges 1 to 10 of 23');
    // Pages 2 and 3 hold 13 pledges without an update; the link goes to the first of them.
    expect(first('main').text()).toContain('13 pledges on other pages still need an update.');
    expect(first(`main a[href="${base}/progress/2#updates-a${more[8]!.id}-status"]`).text()).toContain(more[8]!.title);
    expect(first('.govuk-pagination a[rel="next"]').attr('href')).toBe(`${base}/progress/2`);
    expect(first('button[value="progress/2"]').text()).toContain('Save and continue');
    const last = await load(`${base}/progress/3`);
    expect(fieldsets(last)).toEqual(onPage(3).map((action) => action.id));
    expect(last('button[value="summaries"]').text()).toContain('Save and continue');
    expect(last('title').text()).toMatch(/^Progress on earlier pledges \(Page 3 of 3\) – /);
    expect((await agent.get(`${base}/progress/4`)).status).toBe(404);
    expect((await agent.get(`${base}/progress/0`)).status).toBe(404);
    const pageOne = await agent.get(`${base}/progress/1`);
    expect([pageOne.status, pageOne.headers.location]).toEqual([301, `${base}/progress`]);

    // Two tabs, both opened at version 0: page 2 saves, then page 3 saves beside it.
    const token = csrfTokenIn((await agent.get(`${base}/progress/2`)).text);
    const page = (number: number, status: string, percent = '') =>
      Object.fromEntries(
        onPage(number).flatMap((action) => [
          [`updates[a${action.id}][status]`, status],
          [`updates[a${action.id}][percent]`, percent],
          [`updates[a${action.id}][narrative]`, `Page ${number}`],
        ]),
      );
    const save = (fields: Record<string, string>, then: string) =>
      agent
        .post(`${base}/updates`)
        .type('form')
        .send({ _csrf: token, version: 0, then, ...fields });
    const second = await save(page(2, 'in_progress', '20'), 'progress/3');
    expect([second.status, second.headers.location]).toEqual([303, `${base}/progress/3`]);
    const third = await save(page(3, 'delayed'), 'summaries');
    expect([third.status, third.headers.location]).toEqual([303, `${base}/summaries`]);
    const report = await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).first();
    expect((await database.db('action_updates').where({ report_id: report.id }).pluck('action_id')).sort((a, b) => a - b)).toEqual(
      [...onPage(2), ...onPage(3)].map((action) => action.id),
    );

    // Page 2 again from a tab still at version 0: its own pledges changed since, so it is a
    // 409 showing page 2 as typed, with only page 2's pledges compared.
    const stale = await save(page(2, 'not_started'), 'progress/3');
    expect(stale.status).toBe(409);
    const shown = cheerio.load(stale.text);
    expect(fieldsets(shown)).toEqual(onPage(2).map((action) => action.id));
    expect(shown(`#updates-a${more[8]!.id}-status option[selected]`).attr('value')).toBe('not_started');
    expect(shown('#conflict').text()).toContain(more[8]!.title);
    expect(shown('#conflict').text()).not.toContain(more[18]!.title);

    // A refused save of page 3 shows page 3 again with what was typed.
    const refused = await save({ ...page(3, 'in_progress'), [`updates[a${more[20]!.id}][percent]`]: '250' }, 'summaries');
    expect(refused.status).toBe(422);
    const again = cheerio.load(refused.text);
    expect(fieldsets(again)).toEqual(onPage(3).map((action) => action.id));
    expect(again(`#updates-a${more[20]!.id}-percent`).val()).toBe('250');

    // The check page's links go to each pledge's own page; so does a withdrawal's return.
    const check = await load(`${base}/check`);
    expect(check(`.govuk-summary-list a[href="${base}/progress/3#carried-${more[20]!.id}"]`)).toHaveLength(1);
    expect(
      check('main a[href*="#updates-a"]')
        .map((_, link) => check(link).attr('href'))
        .get(),
    ).toEqual(
      onPage(1)
        .filter((action) => action !== done)
        .map((action) => `${base}/progress#updates-a${action.id}-status`),
    );
    const version = (await database.db('reports').where({ id: report.id }).first()).version as number;
    const withdrawn = await postForm(agent, `${base}/actions/${more[19]!.id}/withdraw`, `${base}/actions/${more[19]!.id}/withdraw`, {
      version,
      reason: 'Merged into another',
    });
    expect([withdrawn.status, withdrawn.headers.location]).toEqual([303, `${base}/progress/3#carried-${more[19]!.id}`]);
    expect((await load(`${base}/progress/3`))(`#carried-${more[19]!.id}`).text()).toContain('Merged into another');
  });

  it('a question about an earlier pledge links to its page of the progress section, where it is shown beside it', async () => {
    const { country, cycle, pledging, done, agent, base } = await progressSetup();
    const more: Array<Awaited<ReturnType<typeof makeAction>>> = [];
    for (let index = 0; index < 21; index++)
      more.push(await makeAction(database.db, pledging, { target_code: 'PT3', title: unique('Pledge') }));
    const report = await makeReport(database.db, country.code, cycle.id, 'returned');
    const staff = await makeUser(database.db, { role: 'secretariat' });
    const ask = (item: string, question: string) => ({
      report_id: report.id,
      item_key: item,
      question,
      asked_by: staff.id,
      sent_at: new Date(),
      sent_with_version: 1,
    });
    // The 18th of the report's order (page 2), and the completed pledge this report does not speak of.
    const asked = more[15]!;
    await database.db('item_questions').insert([ask(`update-${asked.id}`, 'Why the delay?'), ask(`update-${done.id}`, 'Closed?')]);
    // The questions page links to the pledge on its page, which shows the question beside it.
    const questions = cheerio.load((await agent.get(`${base}/questions`)).text);
    expect(questions(`a[href="${base}/progress/2#carried-${asked.id}"]`).text()).toContain(asked.title);
    const second = cheerio.load((await agent.get(`${base}/progress/2`)).text);
    expect(second(`#carried-${asked.id}`).text()).toContain('Why the delay?');
    expect((await agent.get(`${base}/progress/3`)).text).not.toContain('Why the delay?');
    expect(questions('main').text()).toContain('An item no longer in the report');
  });

  it('the counts every page shows agree with the full list, whatever each pledge’s state', async () => {
    const { country, cycle, pledging, open, done, agent, base } = await progressSetup();
    // Besides the open and the completed pledge: 14 under PT3 in every state a pledge can be in.
    const make = async () => makeAction(database.db, pledging, { target_code: 'PT3', title: unique('Pledge') });
    const pledges: Array<Awaited<ReturnType<typeof makeAction>>> = [];
    for (let index = 0; index < 14; index++) pledges.push(await make());
    const [updatedOpen, reopened, earlierWithdrawn, withdrawnHere, draftWithdrawn] = [
      pledges[1]!,
      pledges[4]!,
      pledges[6]!,
      pledges[9]!,
      pledges[12]!,
    ];
    const lastYear = await database.db('reports').where({ country_code: country.code, state: 'accepted' }).orderBy('id', 'desc').first();
    await makeUpdate(database.db, lastYear, reopened.id, { status: 'completed', percent_complete: 100 });
    // Withdrawn by an accepted earlier report: closed. Withdrawn by one never accepted: still open.
    const withdrawnBy = async (action: { id: number }, year: number, state: 'accepted' | 'submitted', reason: string) => {
      const closed = await makeCycle(database.db, {
        kind: 'progress',
        state: 'closed',
        opens_on: `${year}-01-01`,
        due_on: `${year}-06-30`,
        closes_on: `${year}-12-31`,
      });
      const report = await makeReport(database.db, country.code, closed.id, state);
      await database.db('actions').where({ id: action.id }).update({ withdrawn_in_report_id: report.id, withdrawal_reason: reason });
    };
    await withdrawnBy(earlierWithdrawn, 2012, 'accepted', 'Done');
    await withdrawnBy(draftWithdrawn, 2013, 'submitted', 'Maybe');
    const draft = await makeReport(database.db, country.code, cycle.id, 'draft');
    // In this draft: one open pledge updated, the completed one reopened, one withdrawn.
    await makeUpdate(database.db, draft, updatedOpen.id);
    await makeUpdate(database.db, draft, reopened.id, { status: 'in_progress' });
    await database.db('actions').where({ id: withdrawnHere.id }).update({ withdrawn_in_report_id: draft.id, withdrawal_reason: 'Gone' });

    // 16 carried; closed: the completed one and the one withdrawn earlier; 13 need an update, 2 have one.
    const needing = [open, ...pledges.filter((action) => ![updatedOpen, reopened, earlierWithdrawn, withdrawnHere].includes(action))];
    const check = cheerio.load((await agent.get(`${base}/check`)).text);
    const listed = check('#missing a')
      .map((_, link) => check(link).attr('href'))
      .get()
      .filter((href: string) => href.includes('#updates-'));
    expect(listed).toEqual(
      needing.map((action) => {
        const position = [open, done, ...pledges].indexOf(action);
        return `${base}/progress${position >= 10 ? '/2' : ''}#updates-a${action.id}-status`;
      }),
    );
    const tasks = cheerio.load((await agent.get(base)).text);
    expect(tasks(`a[href="${base}/progress"]`).closest('li').text()).toContain(`${needing.length} things missing, first:`);
    expect(tasks(`a[href="${base}/progress"]`).closest('li').text()).toContain(open.title);
    // Page 2 holds the last six of the 16 (pledges[8] to [13]); the other pages miss the rest.
    const second = cheerio.load((await agent.get(`${base}/progress/2`)).text);
    const here = needing.filter((action) => [open, done, ...pledges].indexOf(action) >= 10).length;
    expect(second('main').text()).toContain(`${needing.length - here} pledges on other pages still need an update.`);
    expect(second(`#carried-${withdrawnHere.id}`).text()).toContain('Gone');
    expect(second(`#updates-a${draftWithdrawn.id}-status`)).toHaveLength(1);
    const first = cheerio.load((await agent.get(`${base}/progress`)).text);
    expect(first(`#updates-a${reopened.id}-status option[selected]`).attr('value')).toBe('in_progress');
    expect(first(`#updates-a${earlierWithdrawn.id}-status`)).toHaveLength(0);
  });

  it('removing a pledge asks on its own page first; GET changes nothing', async () => {
    const { agent, base, report } = await commitmentsDraft();
    const action = await makeAction(database.db, report);
    const actions = cheerio.load((await agent.get(`${base}/actions`)).text);
    expect(actions(`a[href="${base}/actions/${action.id}/remove"]`)).toHaveLength(1);
    expect(actions('form[action$="/remove"]')).toHaveLength(0);
    const confirm = await agent.get(`${base}/actions/${action.id}/remove`);
    expect(cheerio.load(confirm.text)('h1').text()).toBe('Remove this action?');
    expect(await database.db('actions').where({ id: action.id })).toHaveLength(1);
    expect(
      (await postForm(agent, `${base}/actions/${action.id}/remove`, `${base}/actions/${action.id}/remove`, { version: 1 })).status,
    ).toBe(303);
    expect(await database.db('actions').where({ id: action.id })).toHaveLength(0);
  });

  describe('when the sign-in ends while a delegate is typing', () => {
    /** Makes the user's sessions look idle for `minutes`. */
    const idleFor = (userId: number, minutes: number) =>
      database.db.raw(
        `update sessions set sess = jsonb_set(sess::jsonb, '{lastSeenAt}', to_jsonb(?::bigint))::json where sess->>'userId' = ?`,
        [Date.now() - minutes * 60_000, String(userId)],
      );

    it('keeps the typed form server-side, and after signing in again the delegate is back on the page with it, marked not saved yet', async () => {
      const { delegate, agent, base } = await progressSetup();
      const page = await agent.get(`${base}/summaries`);
      await idleFor(delegate.id, 31);
      const typed = unique('A narrative written over a long pause');

      const late = await agent
        .post(`${base}/summaries`)
        .set('Referer', `http://127.0.0.1${base}/summaries`)
        .type('form')
        .send({ _csrf: csrfTokenIn(page.text), version: 0, 'summaries[PT1]': typed });
      expect(late.status).toBe(303);
      expect(late.headers.location).toBe(`/login?next=${encodeURIComponent(`${base}/summaries`)}&kept=1`);
      expect(await database.db('target_summaries')).not.toContainEqual(expect.objectContaining({ summary: typed }));
      const login = await agent.get(late.headers.location!);
      expect(cheerio.load(login.text)('#kept-notice').text()).toContain('has been kept');

      const signedIn = await agent
        .post('/login')
        .type('form')
        .send({ email: delegate.email, password: TEST_PASSWORD, next: `${base}/summaries`, _csrf: csrfTokenIn(login.text) });
      expect(signedIn.headers.location).toBe(`${base}/summaries`);
      const back = cheerio.load((await agent.get(`${base}/summaries`)).text);
      expect(back('#restored').text()).toContain('Not saved yet');
      expect(back('#summaries-PT1').text()).toBe(typed);

      // Saved, it is forgotten.
      expect((await postForm(agent, `${base}/summaries`, `${base}/summaries`, { version: 0, 'summaries[PT1]': typed })).status).toBe(303);
      expect(cheerio.load((await agent.get(`${base}/summaries`)).text)('#restored')).toHaveLength(0);
    });

    it('never shows it to anyone else signing in on that browser, and forgets it after two hours', async () => {
      const { country, delegate, agent, base } = await progressSetup();
      const colleague = await makeUser(database.db, { role: 'delegate', country_code: country.code });
      const typed = unique('Private draft');
      const keep = async () => {
        const page = await agent.get(`${base}/summaries`);
        await idleFor(delegate.id, 31);
        await agent
          .post(`${base}/summaries`)
          .type('form')
          .send({ _csrf: csrfTokenIn(page.text), version: 0, 'summaries[PT2]': typed });
      };
      await keep();
      const login = await agent.get('/login');
      await agent
        .post('/login')
        .type('form')
        .send({ email: colleague.email, password: TEST_PASSWORD, _csrf: csrfTokenIn(login.text) });
      const theirs = (await agent.get(`${base}/summaries`)).text;
      expect(theirs).not.toContain(typed);
      expect(await database.db('sessions').whereRaw('sess::text like ?', [`%${typed}%`])).toHaveLength(0);

      // The owner, after the kept form has waited more than two hours.
      const owner = request.agent(app);
      const ownerLogin = await owner.get('/login');
      await owner
        .post('/login')
        .type('form')
        .send({ email: delegate.email, password: TEST_PASSWORD, _csrf: csrfTokenIn(ownerLogin.text) });
      const page = await owner.get(`${base}/summaries`);
      await idleFor(delegate.id, 31);
      await owner
        .post(`${base}/summaries`)
        .type('form')
        .send({ _csrf: csrfTokenIn(page.text), version: 0, 'summaries[PT2]': typed });
      await database.db.raw(
        `update sessions set sess = jsonb_set(sess::jsonb, '{unsaved,at}', to_jsonb(?::bigint))::json where sess::text like ?`,
        [Date.now() - 121 * 60_000, `%${typed}%`],
      );
      const again = await owner.get('/login');
      await owner
        .post('/login')
        .type('form')
        .send({ email: delegate.email, password: TEST_PASSWORD, _csrf: csrfTokenIn(again.text) });
      expect((await owner.get(`${base}/summaries`)).text).not.toContain(typed);
    });

    it('a form whose page had a query string (add an action under PT2) comes back on that page', async () => {
      const { delegate, agent, base } = await progressSetup();
      const page = await agent.get(`${base}/actions/new?target=PT2`);
      await idleFor(delegate.id, 31);
      const title = unique('A pledge typed slowly');
      const late = await agent
        .post(`${base}/actions`)
        // As a browser sends them: the page's address, on the host the request goes to.
        .set('Host', 'tracker.test')
        .set('Referer', `http://tracker.test${base}/actions/new?target=PT2`)
        .type('form')
        .send({ _csrf: csrfTokenIn(page.text), version: 0, title, target: 'PT2' });
      expect(late.headers.location).toBe(`/login?next=${encodeURIComponent(`${base}/actions/new`)}&kept=1`);
      const login = await agent.get(late.headers.location!);
      await agent
        .post('/login')
        .type('form')
        .send({ email: delegate.email, password: TEST_PASSWORD, next: `${base}/actions/new`, _csrf: csrfTokenIn(login.text) });
      const back = cheerio.load((await agent.get(`${base}/actions/new`)).text);
      expect(back('#new-action-title').val()).toBe(title);
      expect(back('#new-action-target option[selected]').attr('value')).toBe('PT2');
    });

    it('other forms sent after the sign-in ended lead back to their page after signing in, but keep nothing', async () => {
      const staff = await makeUser(database.db, { role: 'admin' });
      const agent = await signIn(app, staff.email);
      const page = await agent.get('/admin/users');
      await idleFor(staff.id, 31);
      const late = await agent
        .post('/admin/users')
        .set('Referer', 'http://127.0.0.1/admin/users')
        .type('form')
        .send({ _csrf: csrfTokenIn(page.text), email: 'late@example.org', name: 'Late', role: 'secretariat' });
      expect(late.headers.location).toBe(`/login?next=${encodeURIComponent('/admin/users')}`);
      expect(await database.db('sessions').whereRaw('sess::text like ?', ['%late@example.org%'])).toHaveLength(0);
      expect(await database.db('users').where({ email: 'late@example.org' })).toHaveLength(0);
    });

    it('the page says when the sign-in ends, and "stay signed in" renews it', async () => {
      const { agent, base } = await progressSetup();
      const page = cheerio.load((await agent.get(base)).text);
      const endsAt = Date.parse(page('#session-timeout').attr('data-ends-at')!);
      expect(Math.abs(endsAt - (Date.now() + 30 * 60_000))).toBeLessThan(60_000);
      expect(page('#session-timeout').text()).toContain('you will be signed out at');
      const renewed = await agent
        .post('/session/keep-alive')
        .set('Accept', 'application/json')
        .type('form')
        .send({ _csrf: csrfTokenIn((await agent.get(base)).text) });
      expect(renewed.status).toBe(200);
      expect(Date.parse((renewed.body as { endsAt: string }).endsAt)).toBeGreaterThanOrEqual(endsAt);
    });
  });
});
