import * as cheerio from 'cheerio';
import type { Express } from 'express';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeAction, makeCountry, makeCycle, makeReport, makeUser, unique } from './helpers/factories';
import { csrfTokenIn, postForm, signIn, type Agent } from './helpers/session';

const fullBaseline = (text: string) =>
  Object.fromEntries(['PT1', 'PT2', 'PT3', 'PT4'].map((target) => [`baseline[${target}][existing]`, `${text} ${target}`]));
/** No new action under these targets, and why. */
const noActionUnder = (...targets: string[]) =>
  Object.fromEntries(targets.map((target) => [`baseline[${target}][no_action_reason]`, `Covered by the ${target} strategy`]));

describe('delegates filing reports', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  async function delegateWithOpenCycle(kind: 'commitments' | 'progress' = 'commitments') {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, {
      kind,
      state: 'open',
      opens_on: '2020-01-01',
      due_on: '2099-12-31',
      closes_on: '2099-12-31',
    });
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    const agent = await signIn(app, delegate.email);
    const base = `/reports/${country.code}/${cycle.slug}`;
    return { country, cycle, delegate, agent, base };
  }
  const version = async (countryCode: string, cycleId: number) =>
    (await database.db('reports').where({ country_code: countryCode, cycle_id: cycleId }).first())?.version ?? 0;
  const save = async (agent: Agent, base: string, path: string, fields: Record<string, unknown>) =>
    postForm(agent, base, `${base}/${path}`, fields);

  it('a delegate files a commitments report: baseline for every target, a pledged action, then submits it and it locks', async () => {
    const { country, cycle, agent, base } = await delegateWithOpenCycle();

    const list = await agent.get('/reports');
    expect(list.status).toBe(200);
    expect(cheerio.load(list.text)(`a[href="${base}"]`).text()).toContain('Start');

    expect((await save(agent, base, 'about', { version: 0, text_language: 'en', contributors: 'Ministry of Justice' })).status).toBe(303);
    expect(
      (await save(agent, base, 'baseline', { version: 1, ...fullBaseline('Hotline in place'), ...noActionUnder('PT1', 'PT3', 'PT4') }))
        .status,
    ).toBe(303);
    const title = unique('Train prosecutors');
    const added = await save(agent, base, 'actions', {
      version: 2,
      title,
      target: 'PT2',
      goal: '2.1',
      body: 'Ministry of Justice',
      due_on: '2031-06-30',
      description: 'Yearly course',
    });
    expect(added.status).toBe(303);

    const undeclared = await save(agent, base, 'submit', { version: 3 });
    expect(undeclared.status).toBe(422);
    expect(cheerio.load(undeclared.text)('#submit-declaration-error').text()).toContain('on behalf of');
    const submitted = await save(agent, base, 'submit', { version: 3, declaration: 'yes' });
    expect(submitted.status).toBe(303);
    expect(submitted.headers.location).toBe(base);

    const report = await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).first();
    expect(report).toMatchObject({ state: 'submitted', version: 4 });
    const submission = await database.db('report_submissions').where({ report_id: report.id }).first();
    expect(submission).toMatchObject({ number: 1, late: false });
    expect(submission.content.pledged[0]).toMatchObject({ title, target_code: 'PT2', goal_code: '2.1', due_on: '2031-06-30' });
    expect(await database.db('audit_events').where({ country_code: country.code }).pluck('verb')).toEqual(
      expect.arrayContaining(['report.baseline_saved', 'action.pledged', 'report.submitted']),
    );

    const page = cheerio.load((await agent.get(base)).text);
    expect(page('#lock-reason').text()).toContain('waiting for the secretariat');
    expect(page('form[action$="/baseline"]')).toHaveLength(0);
    const refused = await save(agent, `/reports/${country.code}/${cycle.slug}`, 'baseline', { version: 4, ...fullBaseline('Changed') });
    expect(refused.status).toBe(409);
    expect(await database.db('stocktaking_entries').where({ report_id: report.id }).pluck('existing_measures')).toContain(
      'Hotline in place PT1',
    );
  });

  it('an incomplete report cannot be submitted, and the page names each missing item, linked to its field', async () => {
    const { country, cycle, agent, base } = await delegateWithOpenCycle();
    await save(agent, base, 'baseline', { version: 0, 'baseline[PT1][existing]': 'Police unit' });

    const response = await save(agent, base, 'submit', { version: 1, declaration: 'yes' });

    expect(response.status).toBe(422);
    const $ = cheerio.load(response.text);
    const links = $('.govuk-error-summary a')
      .map((_, link) => $(link).attr('href'))
      .get();
    expect(links).toEqual([
      `${base}/about#about-text_language`,
      ...['PT2', 'PT3', 'PT4'].map((target) => `${base}/stocktaking/${target}#baseline-${target}-existing`),
      ...['PT1', 'PT2', 'PT3', 'PT4'].map((target) => `${base}/actions#target-${target}`),
    ]);
    // Each link leads to a page with that field.
    for (const link of links) {
      const [path, id] = link.split('#') as [string, string];
      expect(cheerio.load((await agent.get(path)).text)(`#${id}`)).toHaveLength(1);
    }
    expect((await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).first()).state).toBe('draft');
  });

  it('invalid input is refused with 422, the answers kept and each error beside its field, and nothing saved', async () => {
    const { country, agent, base } = await delegateWithOpenCycle();
    const description = unique('A long description the delegate typed');

    const response = await save(agent, base, 'actions', {
      version: 0,
      title: '  ',
      target: 'PT9',
      goal: '4.2',
      due_on: '2031-02-30',
      description,
    });

    expect(response.status).toBe(422);
    const $ = cheerio.load(response.text);
    expect(
      $('.govuk-error-summary a')
        .map((_, link) => $(link).attr('href'))
        .get(),
    ).toEqual(expect.arrayContaining(['#new-action-title', '#new-action-target', '#new-action-due_on']));
    expect($('#new-action-description').text()).toBe(description);
    expect($('#new-action-due_on').val()).toBe('2031-02-30');
    expect($('#new-action-title-error').text()).toContain('Enter a title');
    expect(await database.db('actions').where({ country_code: country.code })).toHaveLength(0);
  });

  it('a stale save is refused with 409: the typed answers are kept, the differences shown, the first save stays', async () => {
    const { country, cycle, agent, base } = await delegateWithOpenCycle();
    await save(agent, base, 'baseline', { version: 0, ...fullBaseline('Original') });
    // Two people opened the page at version 1; the first saves.
    expect((await save(agent, base, 'baseline', { version: 1, ...fullBaseline('First editor') })).status).toBe(303);

    const stale = await save(agent, base, 'baseline', { version: 1, ...fullBaseline('Second editor') });

    expect(stale.status).toBe(409);
    const $ = cheerio.load(stale.text);
    expect($('#baseline-PT1-existing').text()).toBe('Second editor PT1');
    expect($('.panel--returned table').text()).toContain('First editor PT1');
    expect($('input[name="version"]').first().val()).toBe('2');
    expect(await version(country.code, cycle.id)).toBe(2);
    expect(
      await database
        .db('stocktaking_entries')
        .join('reports', 'reports.id', 'stocktaking_entries.report_id')
        .where({ country_code: country.code })
        .pluck('existing_measures'),
    ).toContain('First editor PT1');
  });

  it('two saves from the same version at the same moment: one wins, the other gets 409, nothing is lost silently', async () => {
    const { country, cycle, agent, base } = await delegateWithOpenCycle();
    await save(agent, base, 'baseline', { version: 0, ...fullBaseline('Start') });
    const token = csrfTokenIn((await agent.get(base)).text);

    const results = await Promise.all(
      ['Alice', 'Bob'].map((who) =>
        agent
          .post(`${base}/baseline`)
          .type('form')
          .send({ _csrf: token, version: 1, ...fullBaseline(who) }),
      ),
    );

    expect(results.map((result) => result.status).sort()).toEqual([303, 409]);
    const winner = results[0]!.status === 303 ? 'Alice' : 'Bob';
    expect(await version(country.code, cycle.id)).toBe(2);
    const saved = await database
      .db('stocktaking_entries')
      .join('reports', 'reports.id', 'stocktaking_entries.report_id')
      .where({ country_code: country.code, cycle_id: cycle.id })
      .pluck('existing_measures');
    expect(saved.sort()).toEqual(['PT1', 'PT2', 'PT3', 'PT4'].map((target) => `${winner} ${target}`));
    expect(await database.db('audit_events').where({ country_code: country.code, verb: 'report.baseline_saved' })).toHaveLength(2);
  });

  it('a progress report needs an update for every action pledged in earlier accepted reports, and can withdraw one with a reason', async () => {
    const { country, cycle, agent, base } = await delegateWithOpenCycle('progress');
    const earlier = await makeCycle(database.db, {
      opens_on: '2010-01-01',
      due_on: '2010-06-30',
      closes_on: '2010-12-31',
      state: 'closed',
    });
    const accepted = await makeReport(database.db, country.code, earlier.id, 'accepted');
    const kept = await makeAction(database.db, accepted, { target_code: 'PT1' });
    const dropped = await makeAction(database.db, accepted, { target_code: 'PT3' });

    const others = (await database.db('indicators').pluck('code')).filter((code) => code !== 'victims_identified');
    await save(agent, base, 'indicators', {
      version: 0,
      'indicators[victims_identified][value]': '150',
      'indicators[victims_identified][note]': 'Police',
      // The others: "not available", with the reason.
      ...Object.fromEntries(
        others.flatMap((code) => [
          [`indicators[${code}][unavailable]`, 'yes'],
          [`indicators[${code}][note]`, 'Not collected'],
        ]),
      ),
    });
    await save(agent, base, 'about', { version: 1, text_language: 'fr' });
    await save(
      agent,
      base,
      'summaries',
      Object.fromEntries([['version', 2], ...['PT1', 'PT2', 'PT3', 'PT4'].map((t) => [`summaries[${t}]`, `Moved ${t}`])]),
    );
    const incomplete = await save(agent, base, 'submit', { version: 3, declaration: 'yes' });
    expect(incomplete.status).toBe(422);
    expect(
      cheerio
        .load(incomplete.text)('.govuk-error-summary a')
        .map((_, link) => cheerio.load(incomplete.text)(link).attr('href'))
        .get(),
    ).toEqual([`${base}/progress#updates-a${kept.id}-status`, `${base}/progress#updates-a${dropped.id}-status`]);

    const noReason = await save(agent, base, `actions/${dropped.id}/withdraw`, { version: 3, reason: ' ' });
    expect(noReason.status).toBe(422);
    expect(
      (await save(agent, base, `actions/${dropped.id}/withdraw`, { version: 3, reason: 'Merged into the national strategy' })).status,
    ).toBe(303);
    const badPercent = await save(agent, base, 'updates', {
      version: 4,
      [`updates[a${kept.id}][status]`]: 'completed',
      [`updates[a${kept.id}][percent]`]: '40',
      [`updates[a${kept.id}][narrative]`]: 'Done',
    });
    expect(badPercent.status).toBe(422);
    expect(cheerio.load(badPercent.text)(`#updates-a${kept.id}-percent-error`).text()).toContain('100%');
    expect(
      (
        await save(agent, base, 'updates', {
          version: 4,
          [`updates[a${kept.id}][status]`]: 'completed',
          [`updates[a${kept.id}][percent]`]: '',
          [`updates[a${kept.id}][narrative]`]: 'Done',
        })
      ).status,
    ).toBe(303);
    expect((await save(agent, base, 'submit', { version: 5, declaration: 'yes' })).status).toBe(303);

    const report = await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).first();
    expect(report.state).toBe('submitted');
    expect(await database.db('action_updates').where({ report_id: report.id }).select('action_id', 'status', 'percent_complete')).toEqual([
      { action_id: kept.id, status: 'completed', percent_complete: 100 },
    ]);
    expect(await database.db('actions').where({ id: dropped.id }).first()).toMatchObject({
      withdrawn_in_report_id: report.id,
      withdrawal_reason: 'Merged into the national strategy',
    });
    expect(
      await database.db('indicator_values').where({ report_id: report.id, indicator_code: 'victims_identified' }).first(),
    ).toMatchObject({
      indicator_code: 'victims_identified',
      value: 150,
    });
  });

  it('a closed or planned cycle locks the form and says why', async () => {
    const country = await makeCountry(database.db);
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    const agent = await signIn(app, delegate.email);
    for (const [state, reason] of [
      ['closed', 'closed on'],
      ['planned', 'has not opened yet'],
    ] as const) {
      const cycle = await makeCycle(database.db, { state });
      const base = `/reports/${country.code}/${cycle.slug}`;
      const page = await agent.get(base);
      expect(page.status).toBe(200);
      expect(cheerio.load(page.text)('#lock-reason').text()).toContain(reason);
      const refused = await postForm(agent, base, `${base}/baseline`, { version: 0, ...fullBaseline('x') });
      expect(refused.status).toBe(409);
      expect(refused.text).toContain(reason);
      expect(await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id })).toHaveLength(0);
    }
  });

  it('the secretariat may read and edit a draft but not submit it on the country’s behalf', async () => {
    const { country, cycle, agent, base } = await delegateWithOpenCycle();
    await save(agent, base, 'baseline', { version: 0, ...fullBaseline('Ready') });
    await save(agent, base, 'actions', { version: 1, title: 'An action', target: 'PT1' });
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);

    expect((await staff.get(base)).status).toBe(200);
    const refused = await postForm(staff, base, `${base}/submit`, { version: 2, declaration: 'yes' });
    expect(refused.status).toBe(403);
    expect((await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).first()).state).toBe('draft');
  });
});
