import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeCountry, makeCycle, makeReport, makeUser, unique } from './helpers/factories';
import { csrfTokenIn, postForm, signIn, type Agent } from './helpers/session';

/** No new action under these targets, and why. */
const noActionUnder = (...targets: string[]) =>
  Object.fromEntries(targets.map((target) => [`baseline[${target}][no_action_reason]`, `Covered by the ${target} strategy`]));

describe('the secretariat reviewing reports', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  /** A country whose delegate has submitted a complete commitments report. */
  async function submittedReport(options: { due_on?: string } = {}) {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, {
      state: 'open',
      opens_on: '2020-01-01',
      due_on: options.due_on ?? '2099-06-30',
      closes_on: '2099-12-31',
    });
    const delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    const base = `/reports/${country.code}/${cycle.slug}`;
    const baseline = Object.fromEntries(
      ['PT1', 'PT2', 'PT3', 'PT4'].map((target) => [`baseline[${target}][existing]`, unique(`Measures ${target}`)]),
    );
    await postForm(delegate, base, `${base}/baseline`, { version: 0, ...baseline, ...noActionUnder('PT1', 'PT2', 'PT4') });
    await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).update({ text_language: 'en' });
    const title = unique('Pledged action');
    await postForm(delegate, base, `${base}/actions`, { version: 1, title, target: 'PT3', goal: '3.1' });
    const submitted = await postForm(delegate, base, `${base}/submit`, { version: 2, declaration: 'yes' });
    if (submitted.status !== 303) throw new Error(`submit failed: ${submitted.status}`);
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    return { country, cycle, delegate, staff, base, title, review: `/review/${country.code}/${cycle.slug}` };
  }
  const reportRow = async (countryCode: string, cycleId: number) =>
    database.db('reports').where({ country_code: countryCode, cycle_id: cycleId }).first();

  it('the queue shows every member’s state, timeliness and the cycle’s rates', async () => {
    const { country, cycle, staff } = await submittedReport();
    const late = await submittedReport({ due_on: '2021-01-01' });

    const page = cheerio.load((await staff.get(`/review?cycle=${cycle.slug}`)).text);
    const row = page(`a[href="/review/${country.code}/${cycle.slug}"]`).closest('tr');
    expect(row.text()).toContain('Submitted, waiting for review');
    expect(row.text()).toContain('On time');
    const members = page('tbody tr').length;
    expect(page('.figures').text()).toContain(`${members}`);
    expect(page('.figures').text()).toContain(`${Math.round((1 / members) * 100)}%`);

    const latePage = cheerio.load((await staff.get(`/review?cycle=${late.cycle.slug}`)).text);
    expect(latePage(`a[href="/review/${late.country.code}/${late.cycle.slug}"]`).closest('tr').text()).toContain('Late');
    expect(
      latePage('tbody tr')
        .filter((_, tr) => latePage(tr).text().includes('France'))
        .text(),
    ).toContain('Overdue');
  });

  it('accepting publishes the report on the public pages and records who did it', async () => {
    const { country, cycle, staff, review, title } = await submittedReport();
    expect((await request(app).get(`/countries/${country.code}`)).text).not.toContain(title);

    const response = await postForm(staff, review, `${review}/accept`, { version: 3 });

    expect(response.status).toBe(303);
    const report = await reportRow(country.code, cycle.id);
    expect(report).toMatchObject({ state: 'accepted', version: 4 });
    expect(report.reviewed_by).not.toBeNull();
    expect(await database.db('report_submissions').where({ report_id: report.id }).first()).toMatchObject({ outcome: 'accepted' });
    expect(await database.db('audit_events').where({ verb: 'report.accepted', entity_id: String(report.id) })).toHaveLength(1);
    const publicPage = await request(app).get(`/countries/${country.code}`);
    expect(publicPage.text).toContain(title);
  });

  it('returning needs a comment, which the delegates then see; they fix and resubmit, and the reviewer sees what changed', async () => {
    const { country, cycle, delegate, staff, review, base } = await submittedReport();

    const noComment = await postForm(staff, review, `${review}/return`, { version: 3, comment: '  ' });
    expect(noComment.status).toBe(422);
    expect(cheerio.load(noComment.text)('.govuk-error-summary a').attr('href')).toBe('#return-comment');
    expect((await reportRow(country.code, cycle.id)).state).toBe('submitted');

    const comment = unique('Please describe the hotline in PT4');
    expect((await postForm(staff, review, `${review}/return`, { version: 3, comment })).status).toBe(303);
    expect(await reportRow(country.code, cycle.id)).toMatchObject({ state: 'returned', review_comment: comment });

    const edit = cheerio.load((await delegate.get(base)).text);
    expect(edit('#review-comment').text()).toContain(comment);
    expect(
      (
        await postForm(delegate, `${base}/stocktaking/PT4`, `${base}/baseline`, {
          version: 4,
          'baseline[PT4][existing]': 'A hotline since 2010',
          ...noActionUnder('PT4'),
        })
      ).status,
    ).toBe(303);
    expect((await reportRow(country.code, cycle.id)).state).toBe('draft');
    expect((await postForm(delegate, base, `${base}/submit`, { version: 5, declaration: 'yes' })).status).toBe(303);

    const reviewPage = cheerio.load((await staff.get(review)).text);
    // Only PT4 changed: its text as word differences; the other baselines listed as unchanged.
    const pt4 = reviewPage('#change-baseline-PT4');
    expect(pt4.find('h3').text()).toMatch(/Baseline, PT4\s*Changed/);
    expect(pt4.find('del').text()).toMatch(/Measures PT4/);
    expect(pt4.find('ins').text()).toContain('A hotline since 2010');
    expect(reviewPage('#change-baseline-PT1')).toHaveLength(0);
    expect(reviewPage('#changes-title').closest('section').find('details li').text()).toContain('Baseline, PT1');
    const versions = await database
      .db('report_submissions')
      .join('reports', 'reports.id', 'report_submissions.report_id')
      .where({ country_code: country.code })
      .orderBy('number')
      .select('number', 'outcome');
    expect(versions).toEqual([
      { number: 1, outcome: 'returned' },
      { number: 2, outcome: null },
    ]);
  });

  it('concurrent decisions on one report: exactly one transition and one audit row', async () => {
    const { country, cycle, staff, review } = await submittedReport();
    const other = await signIn(app, (await makeUser(database.db, { role: 'admin' })).email);
    const page = await staff.get(review);
    const otherPage = await other.get(review);

    const results = await Promise.all([
      staff
        .post(`${review}/accept`)
        .type('form')
        .send({ _csrf: csrfTokenIn(page.text), version: 3 }),
      other
        .post(`${review}/return`)
        .type('form')
        .send({ _csrf: csrfTokenIn(otherPage.text), version: 3, comment: 'Return it' }),
      staff
        .post(`${review}/accept`)
        .type('form')
        .send({ _csrf: csrfTokenIn(page.text), version: 3 }),
    ]);

    expect(results.map((result) => result.status).sort()).toEqual([303, 409, 409]);
    const report = await reportRow(country.code, cycle.id);
    expect(report.version).toBe(4);
    expect(
      await database
        .db('audit_events')
        .whereIn('verb', ['report.accepted', 'report.returned'])
        .andWhere({ entity_id: String(report.id) }),
    ).toHaveLength(1);
  });

  it('concurrent submits of one report: exactly one submission', async () => {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { state: 'open', opens_on: '2020-01-01', due_on: '2099-06-30', closes_on: '2099-12-31' });
    const delegate: Agent = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    const base = `/reports/${country.code}/${cycle.slug}`;
    const baseline = Object.fromEntries(['PT1', 'PT2', 'PT3', 'PT4'].map((target) => [`baseline[${target}][existing]`, 'In place']));
    await postForm(delegate, base, `${base}/baseline`, { version: 0, ...baseline, ...noActionUnder('PT2', 'PT3', 'PT4') });
    await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).update({ text_language: 'en' });
    await postForm(delegate, base, `${base}/actions`, { version: 1, title: 'An action', target: 'PT1' });
    const token = csrfTokenIn((await delegate.get(base)).text);

    const results = await Promise.all(
      [1, 2, 3].map(() => delegate.post(`${base}/submit`).type('form').send({ _csrf: token, version: 2, declaration: 'yes' })),
    );

    expect(results.map((result) => result.status).sort()).toEqual([303, 409, 409]);
    const report = await reportRow(country.code, cycle.id);
    expect(await database.db('report_submissions').where({ report_id: report.id })).toHaveLength(1);
    expect(await database.db('audit_events').where({ verb: 'report.submitted', entity_id: String(report.id) })).toHaveLength(1);
  });

  it('only members on the cycle’s due date are expected to report: not one whose joining date is unknown, nor one who joined later or had left', async () => {
    const cycle = await makeCycle(database.db, { state: 'open', opens_on: '2020-01-01', due_on: '2021-06-30', closes_on: '2099-12-31' });
    const founder = await makeCountry(database.db, { joined_on: '2012-12-05' });
    const unknown = await makeCountry(database.db, { joined_on: null });
    const joinedLater = await makeCountry(database.db, { joined_on: '2021-07-01' });
    const left = await makeCountry(database.db, { joined_on: '2012-12-05', left_on: '2021-06-30' });
    const unknownWithDraft = await makeCountry(database.db, { joined_on: null });
    await makeReport(database.db, unknownWithDraft.code, cycle.id, 'draft');
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);

    const $ = cheerio.load((await staff.get(`/review?cycle=${cycle.slug}`)).text);
    const rowOf = (member: { name: string }) => $('tbody tr').filter((_, row) => $(row).find('th').text() === member.name);
    expect(rowOf(founder).text()).toContain('Overdue');
    for (const member of [unknown, joinedLater, left]) expect(rowOf(member)).toHaveLength(0);
    // Listed because it has a report, but never overdue and not counted in the rates.
    expect(rowOf(unknownWithDraft).text()).toContain('Not expected in this cycle');
    expect(rowOf(unknownWithDraft).find('.app-tag--late')).toHaveLength(0);

    const exported = await staff.get(`/exports/submissions.csv?cycle=${cycle.slug}`);
    const codes = exported.text
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(',')[2]);
    expect(codes).toContain(founder.code);
    for (const member of [unknown, joinedLater, left]) expect(codes).not.toContain(member.code);

    const publicPage = cheerio.load((await request(app).get(`/cycles/${cycle.slug}`)).text);
    expect(publicPage('main').text()).toContain(founder.name);
    for (const member of [unknown, joinedLater, left]) expect(publicPage('main').text()).not.toContain(member.name);
  });

  it('the queue filters by state with counts, puts what needs attention first, and says how long a report has waited', async () => {
    const { country: waiting, cycle, staff } = await submittedReport({ due_on: '2024-06-30' });
    await database
      .db('reports')
      .where({ country_code: waiting.code, cycle_id: cycle.id })
      .update({ submitted_at: database.db.raw(`now() - interval '3 days'`) });
    const drafting = await makeCountry(database.db);
    await makeReport(database.db, drafting.code, cycle.id, 'draft');
    const queue = `/review?cycle=${cycle.slug}`;

    const all = cheerio.load((await staff.get(queue)).text);
    const names = all('tbody th')
      .map((_, cell) => all(cell).text())
      .get();
    // Overdue members (not submitted after the due date) first, then the submitted one.
    expect(names.indexOf(drafting.name)).toBeLessThan(names.indexOf(waiting.name));
    expect(
      all('tbody tr')
        .filter((_, row) => all(row).find('th').text() === waiting.name)
        .text(),
    ).toContain('waiting 3 days');
    const submittedLink = all('nav a').filter((_, link) => all(link).text().startsWith('Submitted, waiting for review'));
    expect(submittedLink.text()).toBe('Submitted, waiting for review (1)');

    const filtered = cheerio.load((await staff.get(String(submittedLink.attr('href')))).text);
    expect(filtered('tbody th').text()).toBe(waiting.name);
    expect(filtered('nav [aria-current="page"]').text()).toBe('Submitted, waiting for review (1)');
    const byName = cheerio.load((await staff.get(`${queue}&sort=name&state=bogus`)).text);
    const sorted = byName('tbody th')
      .map((_, cell) => byName(cell).text())
      .get();
    expect(sorted).toEqual([...sorted].sort((a, b) => a.localeCompare(b)));
  });

  it('accepting and returning each ask on their own page; a refused return keeps the comment typed', async () => {
    const { country, cycle, staff, review } = await submittedReport();
    const page = cheerio.load((await staff.get(review)).text);
    expect(
      page('#decision a')
        .map((_, link) => page(link).attr('href'))
        .get(),
    ).toEqual([`${review}/accept`, `${review}/return`]);
    expect(page('#decision form')).toHaveLength(0);

    const confirm = cheerio.load((await staff.get(`${review}/accept`)).text);
    expect(confirm('h1').text()).toContain('Accept and publish the report');
    expect(confirm('main form button').text()).toBe('Yes, accept and publish');
    expect(confirm('main input[name="version"]').val()).toBe('3');

    const typed = 'x'.repeat(5001);
    const refused = await postForm(staff, `${review}/return`, `${review}/return`, { version: 3, comment: typed });
    expect(refused.status).toBe(422);
    const again = cheerio.load(refused.text);
    expect(again('h1').text()).toContain('Return the report for changes');
    expect(again('#return-comment').text()).toBe(typed);
    expect((await reportRow(country.code, cycle.id)).state).toBe('submitted');
  });

  it('questions on single items: drafted in review, sent with the return, answered beside the item, shown with the change at the next review', async () => {
    const { country, cycle, delegate, staff, review, base, title } = await submittedReport();
    const action = await database.db('actions').where({ country_code: country.code, title }).first();
    const page = cheerio.load((await staff.get(review)).text);
    const options = page('#question-item option')
      .map((_, option) => page(option).attr('value'))
      .get();
    expect(options).toEqual(['', 'baseline-PT1', 'baseline-PT2', 'baseline-PT3', 'baseline-PT4', `action-${action.id}`]);

    const unknown = await postForm(staff, review, `${review}/questions`, { item: 'action-999999', question: 'Why?' });
    expect(unknown.status).toBe(422);
    const blank = await postForm(staff, review, `${review}/questions`, { item: 'baseline-PT4', question: ' \u200b ' });
    expect(blank.status).toBe(422);
    expect(cheerio.load(blank.text)('#question-item option[selected]').attr('value')).toBe('baseline-PT4');
    const asked = ['Who runs the hotline under PT4?', 'What budget does this action have?'];
    expect((await postForm(staff, review, `${review}/questions`, { item: 'baseline-PT4', question: asked[0] })).status).toBe(303);
    expect((await postForm(staff, review, `${review}/questions`, { item: `action-${action.id}`, question: asked[1] })).status).toBe(303);
    // Drafts: the delegates see nothing yet.
    expect((await delegate.get(base)).text).not.toContain(asked[0]);
    // The reviewer's page lists both, also once its "drafted" message is gone (its content is
    // kept until a question is added or removed); a draft removed is gone from it at once.
    const drafts = async () => {
      await staff.get(review);
      const $ = cheerio.load((await staff.get(review)).text);
      return $('#questions .question-list > li')
        .toArray()
        .map((item) => $(item).text());
    };
    expect((await drafts()).join()).toContain(asked[1]);
    const spare = await postForm(staff, review, `${review}/questions`, { item: 'baseline-PT1', question: 'A question to take back' });
    expect(spare.status).toBe(303);
    expect((await drafts()).join()).toContain('A question to take back');
    const spareId = (await database.db('item_questions').where({ question: 'A question to take back' }).first()).id;
    expect((await postForm(staff, review, `${review}/questions/${spareId}/remove`, {})).status).toBe(303);
    expect((await drafts()).join()).not.toContain('A question to take back');
    expect((await drafts()).join()).toContain(asked[0]);

    const delegateRow = await database.db('users').where({ role: 'delegate', country_code: country.code }).first();
    const french = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    await database.db('users').where({ id: french.id }).update({ language: 'fr' });
    expect((await postForm(staff, `${review}/return`, `${review}/return`, { version: 3, comment: 'See the two questions.' })).status).toBe(
      303,
    );
    const [mail] = await database.db('outbox').where({ recipient: delegateRow.email, kind: 'report_returned' });
    expect(mail.body_text).toContain(`> Baseline, PT4: ${asked[0]}`);
    expect(mail.body_text).toContain(`> Pledge “${title}”: ${asked[1]}`);
    // In French, the item and its question with the colon set as French sets it.
    const [frenchMail] = await database.db('outbox').where({ recipient: french.email, kind: 'report_returned' });
    expect(frenchMail.body_text).toMatch(new RegExp(`> [^\\n:]*PT4\u202f: ${asked[0]}`));

    expect(
      cheerio
        .load((await delegate.get(base)).text)('#questions')
        .text(),
    ).toContain('2 questions from the secretariat');
    const edit = cheerio.load((await delegate.get(`${base}/questions`)).text);
    expect(edit('.question')).toHaveLength(2);
    expect(edit(`.question a[href="${base}/stocktaking/PT4#baseline-PT4-existing"]`).text()).toBe('Baseline, PT4');
    const pt4Page = cheerio.load((await delegate.get(`${base}/stocktaking/PT4`)).text);
    expect(pt4Page('.question--beside').text()).toContain(asked[0]);
    const [first, second] = await database
      .db('item_questions')
      .where({ report_id: (await reportRow(country.code, cycle.id)).id })
      .orderBy('id');
    const answerUrl = (id: number) => `${base}/questions/${id}`;
    const empty = await postForm(delegate, base, answerUrl(first.id), { answer: '   ' });
    expect(empty.status).toBe(422);
    expect(cheerio.load(empty.text)(`#question-${first.id}-answer-error`).text()).toContain('Write the answer.');
    const answered = await postForm(delegate, base, answerUrl(first.id), { answer: 'The national police, since 2010.' });
    expect(answered.status).toBe(303);
    expect(answered.headers.location).toBe(`${base}/questions#question-${first.id}`);
    const stranger = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: 'FR' })).email);
    expect((await postForm(stranger, '/reports', answerUrl(second.id), { answer: 'Not mine' })).status).toBe(404);

    // The delegate changes PT4 and submits again: the review shows question, answer and change together.
    const form = cheerio.load((await delegate.get(`${base}/stocktaking/PT4`)).text);
    const version = Number(form('input[name="version"]').val());
    await postForm(delegate, base, `${base}/baseline`, {
      version,
      'baseline[PT4][existing]': 'A hotline run by the national police',
      ...noActionUnder('PT4'),
    });
    expect((await postForm(delegate, base, `${base}/submit`, { version: version + 1, declaration: 'yes' })).status).toBe(303);
    const again = cheerio.load((await staff.get(review)).text);
    const pt4 = again('#change-baseline-PT4');
    expect(pt4.find('ins').text()).toContain('run by the national police');
    expect(pt4.find('.question__text').text()).toBe(asked[0]);
    expect(pt4.find('.question__answer').text()).toBe('The national police, since 2010.');
    const pledge = again(`#change-action-${action.id}`);
    expect(pledge.text()).toContain('Unchanged');
    expect(pledge.find('.question__text').text()).toBe(asked[1]);
    expect(pledge.text()).toContain('No answer yet.');
    // Never public.
    expect((await request(app).get(`/countries/${country.code}`)).text).not.toContain(asked[0]);
  });
});
