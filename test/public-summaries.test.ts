import * as cheerio from 'cheerio';
import request from 'supertest';
import type { Express } from 'express';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeAction, makeCountry, makeCycle, makeIndicatorValue, makeReport, makeStocktaking, makeUpdate } from './helpers/factories';
import { createReportQueries } from '../src/reports/queries';
import type { CycleRow } from '../src/db/rows';
import { loadContent } from '../src/reports/service';
import { createPublicQueries } from '../src/public/queries';

// The public summaries PostgreSQL keeps (public_action_status, public_action_counts,
// public_member_records) and
// the pages that read them a page at a time, so their cost does not grow with the years.

describe('public summaries kept by the database', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  /** What the counts table must hold: the view's actions counted afresh. */
  const countsAfresh = (countryCode: string) =>
    database
      .db('public_actions')
      .where({ country_code: countryCode })
      .select('target_code', 'latest_status')
      .count<Array<{ target_code: string; latest_status: string; count: string }>>('* as count')
      .groupBy('target_code', 'latest_status')
      .then((rows) =>
        rows
          .map((row) => ({ ...row, count: Number(row.count) }))
          .sort((a, b) => a.target_code.localeCompare(b.target_code) || a.latest_status.localeCompare(b.latest_status)),
      );
  const countsKept = (countryCode: string) =>
    database
      .db('public_action_counts')
      .where({ country_code: countryCode })
      .select('target_code', 'latest_status', 'actions as count')
      .orderBy(['target_code', 'latest_status']);

  it('moves the public data version when the kept counts change, and only then: a draft saved elsewhere changes nothing', async () => {
    const version = async () => Number((await database.db('public_data_version').first('version')).version);
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { opens_on: '2033-01-01', due_on: '2033-03-31', closes_on: '2033-06-30' });
    const accepted = await makeReport(database.db, country.code, cycle.id, 'accepted');
    const draft = await makeReport(database.db, (await makeCountry(database.db)).code, cycle.id, 'draft');
    const before = await version();
    await makeAction(database.db, draft, { target_code: 'PT1' });
    expect(await version()).toBe(before);
    // An action added to an accepted report by hand (no report changes state): the counts change, so the version does.
    await makeAction(database.db, accepted, { target_code: 'PT1' });
    expect(await version()).toBeGreaterThan(before);
    const after = await version();
    // Its progress in a draft report: the published status stays, nothing moves.
    const action = await makeAction(database.db, accepted, { target_code: 'PT2' });
    expect(await version()).toBeGreaterThan(after);
    const later = await makeCycle(database.db, { opens_on: '2034-01-01', due_on: '2034-03-31', closes_on: '2034-06-30' });
    const progress = await makeReport(database.db, country.code, later.id, 'draft');
    const settled = await version();
    await makeUpdate(database.db, progress, action.id, { status: 'completed', percent_complete: 100 });
    expect(await version()).toBe(settled);
  });

  it('moves the public data version when what an accepted report says is corrected, whatever the table; the same change to a draft moves nothing', async () => {
    const version = async () => Number((await database.db('public_data_version').first('version')).version);
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { opens_on: '2035-01-01', due_on: '2035-03-31', closes_on: '2035-06-30' });
    const later = await makeCycle(database.db, { kind: 'progress', opens_on: '2036-01-01', due_on: '2036-03-31', closes_on: '2036-06-30' });
    const accepted = await makeReport(database.db, country.code, cycle.id, 'accepted');
    const draft = await makeReport(database.db, country.code, later.id, 'draft');
    const published = await makeAction(database.db, accepted, { target_code: 'PT1' });
    const drafted = await makeAction(database.db, draft, { target_code: 'PT1' });
    await makeStocktaking(database.db, accepted.id, 'PT1');
    await makeStocktaking(database.db, draft.id, 'PT1');
    await makeUpdate(database.db, accepted, published.id);
    await makeUpdate(database.db, draft, published.id);
    await makeIndicatorValue(database.db, accepted.id);
    await makeIndicatorValue(database.db, draft.id);

    /** Whether the change, made first to the draft's rows and then to the accepted report's, moves the version. */
    const moves = async (change: (reportId: number, actionId: number) => Promise<unknown>) => {
      const before = await version();
      await change(draft.id, drafted.id);
      const afterDraft = await version();
      await change(accepted.id, published.id);
      return { draft: afterDraft > before, accepted: (await version()) > afterDraft };
    };
    const both = { draft: false, accepted: true };
    expect(await moves((id) => database.db('stocktaking_entries').where({ report_id: id }).update({ gaps: 'Gap, corrected' }))).toEqual(
      both,
    );
    expect(
      await moves((id) => database.db('action_updates').where({ report_id: id }).update({ narrative: 'Narrative, corrected' })),
    ).toEqual(both);
    expect(await moves((id) => database.db('indicator_values').where({ report_id: id }).update({ value: 7 }))).toEqual(both);
    expect(await moves((_, actionId) => database.db('actions').where({ id: actionId }).update({ title: 'Title, corrected' }))).toEqual(
      both,
    );
    expect(await moves((id) => database.db('indicator_values').where({ report_id: id }).delete())).toEqual(both);

    // A draft progress report withdrawing a published pledge writes the pledge's row: nothing published changes.
    const before = await version();
    await database.db('actions').where({ id: published.id }).update({ withdrawn_in_report_id: draft.id, withdrawal_reason: 'Merged' });
    await database.db('actions').where({ id: published.id }).update({ updated_at: new Date() });
    expect(await version()).toBe(before);
    // Once that report is accepted, a corrected reason is published.
    await database.db('reports').where({ id: draft.id }).update({ state: 'accepted', submitted_at: new Date(), reviewed_at: new Date() });
    const acceptedWithdrawal = await version();
    await database.db('actions').where({ id: published.id }).update({ withdrawal_reason: 'Merged into another action' });
    expect(await version()).toBeGreaterThan(acceptedWithdrawal);
  });

  it('an action’s latest status follows each accepted report, and only accepted ones; the counts follow', async () => {
    const country = await makeCountry(database.db);
    const first = await makeCycle(database.db, { opens_on: '2031-01-01', due_on: '2031-03-31', closes_on: '2031-06-30' });
    const second = await makeCycle(database.db, {
      kind: 'progress',
      opens_on: '2032-01-01',
      due_on: '2032-03-31',
      closes_on: '2032-06-30',
    });
    const third = await makeCycle(database.db, { kind: 'progress', opens_on: '2033-01-01', due_on: '2033-03-31', closes_on: '2033-06-30' });
    const pledging = await makeReport(database.db, country.code, first.id, 'accepted');
    const hotline = await makeAction(database.db, pledging, { target_code: 'PT1' });
    const training = await makeAction(database.db, pledging, { target_code: 'PT2' });
    const status = async (id: number) => (await database.db('public_actions').where({ id }).first())?.latest_status as string | undefined;
    expect(await status(hotline.id)).toBe('not_reported');

    const progress = await makeReport(database.db, country.code, second.id, 'submitted');
    await makeUpdate(database.db, progress, hotline.id, { status: 'completed', percent_complete: 100 });
    await database.db('actions').where({ id: training.id }).update({ withdrawn_in_report_id: progress.id, withdrawal_reason: 'Merged' });
    // Submitted, not accepted: nothing public changes.
    expect(await status(hotline.id)).toBe('not_reported');
    expect(await status(training.id)).toBe('not_reported');

    await database.db('reports').where({ id: progress.id }).update({ state: 'accepted', reviewed_at: new Date() });
    expect(await status(hotline.id)).toBe('completed');
    expect(await status(training.id)).toBe('withdrawn');
    expect(await countsKept(country.code)).toEqual(await countsAfresh(country.code));

    // A later accepted report moves it again; a correction of an update too.
    const later = await makeReport(database.db, country.code, third.id, 'accepted');
    await makeUpdate(database.db, later, hotline.id, { status: 'delayed', percent_complete: 80 });
    expect(await status(hotline.id)).toBe('delayed');
    await database.db('action_updates').where({ report_id: later.id }).update({ status: 'in_progress' });
    expect(await status(hotline.id)).toBe('in_progress');
    await database.db('action_updates').where({ report_id: later.id }).delete();
    expect(await status(hotline.id)).toBe('completed');
    expect(await countsKept(country.code)).toEqual(await countsAfresh(country.code));
  });

  it('a published action deleted, moved to another member, or gone with its report is recounted where it was', async () => {
    const [country, other] = [await makeCountry(database.db), await makeCountry(database.db)];
    const cycle = await makeCycle(database.db, { opens_on: '2037-01-01', due_on: '2037-03-31', closes_on: '2037-06-30' });
    const [report, othersReport] = [
      await makeReport(database.db, country.code, cycle.id, 'accepted'),
      await makeReport(database.db, other.code, cycle.id, 'accepted'),
    ];
    const [first, second, third] = [
      await makeAction(database.db, report, { target_code: 'PT1' }),
      await makeAction(database.db, report, { target_code: 'PT2' }),
      await makeAction(database.db, report, { target_code: 'PT2' }),
    ];
    await makeAction(database.db, othersReport, { target_code: 'PT3' });
    const kept = async () => ({ country: await countsKept(country.code), other: await countsKept(other.code) });
    const afresh = async () => ({ country: await countsAfresh(country.code), other: await countsAfresh(other.code) });
    const statusRows = async () =>
      (await database.db('public_action_status').whereIn('action_id', [first.id, second.id, third.id]).select('action_id')).length;

    await database.db('actions').where({ id: first.id }).delete();
    expect(await kept()).toEqual(await afresh());
    expect((await kept()).country.map((row) => row.target_code)).toEqual(['PT2']);
    expect(await statusRows()).toBe(2);

    await database.db('actions').where({ id: second.id }).update({ country_code: other.code, pledged_in_report_id: othersReport.id });
    expect(await kept()).toEqual(await afresh());
    expect((await kept()).other).toEqual([
      { target_code: 'PT2', latest_status: 'not_reported', count: 1 },
      { target_code: 'PT3', latest_status: 'not_reported', count: 1 },
    ]);

    await database.db('reports').where({ id: report.id }).delete();
    expect(await kept()).toEqual(await afresh());
    expect((await kept()).country).toEqual([]);
    expect(await statusRows()).toBe(1);
  });

  it('a target’s actions come 50 to a page, for every member or one, each page read from its nearer end; a member’s page shows the newest 20 per target and links to the rest', async () => {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { opens_on: '2031-01-01', due_on: '2031-03-31', closes_on: '2031-06-30' });
    const report = await makeReport(database.db, country.code, cycle.id, 'accepted');
    const titles = Array.from({ length: 170 }, (_, index) => `Campaign ${String(index + 1).padStart(3, '0')}`);
    await database
      .db('actions')
      .insert(titles.map((title) => ({ country_code: country.code, target_code: 'PT3', title, pledged_in_report_id: report.id })));
    const base = `/targets/PT3?member=${country.code}`;
    const first = cheerio.load((await request(app).get(base)).text);
    expect(first('.action').length).toBe(50);
    expect(first('.govuk-pagination [aria-current="page"]').text()).toBe('1');
    expect(
      first('.govuk-pagination__item a')
        .map((_, link) => first(link).text())
        .get(),
    ).toEqual(['1', '2', '4']);
    expect(first('.govuk-pagination a[rel="next"]').attr('href')).toBe(`${base}&page=2`);
    expect(first('.govuk-pagination a[rel="prev"]').length).toBe(0);
    // Pages 1 and 2 are counted off from the start, 3 (full) and 4 (the last, 20) from the end: together every action once, in order.
    const shown: string[] = [];
    for (const page of [1, 2, 3, 4]) {
      const $ = cheerio.load((await request(app).get(page === 1 ? base : `${base}&page=${page}`)).text);
      expect($('.action').length).toBe(page === 4 ? 20 : 50);
      shown.push(
        ...$('.action__title')
          .map((_, title) => $(title).text())
          .get(),
      );
    }
    expect(shown).toEqual(titles);
    expect((await request(app).get(`${base}&page=5`)).status).toBe(404);
    // Page 1 and unknown values have one address.
    expect((await request(app).get(`${base}&page=1`)).headers.location).toBe(base);
    expect((await request(app).get(`/targets/PT3?page=abc`)).headers.location).toBe('/targets/PT3');

    const member = cheerio.load((await request(app).get(`/countries/${country.code}`)).text);
    expect(member('section[aria-labelledby="target-PT3"] .action').length).toBe(5);
    expect(member(`a[href="${base}"]`).text()).toBe('See all 170 actions under PT3');
    expect(member('main').text()).toContain('Campaign 170');
    expect(member('main').text()).toContain('Campaign 166');
    expect(member('main').text()).not.toContain('Campaign 165');
  });

  it('a report starts each pledge from its latest accepted update before its own cycle: the kept one, or for an earlier cycle the one of its time', async () => {
    const country = await makeCountry(database.db);
    const cycleIn = async (year: number, kind: 'commitments' | 'progress' = 'progress') =>
      (await database
        .db('cycles')
        .where({
          id: (await makeCycle(database.db, { kind, opens_on: `${year}-01-01`, due_on: `${year}-03-31`, closes_on: `${year}-06-30` })).id,
        })
        .first()) as CycleRow;
    const [pledging, second, third, open] = [
      await cycleIn(2041, 'commitments'),
      await cycleIn(2042),
      await cycleIn(2043),
      await cycleIn(2044),
    ];
    const pledged = await makeReport(database.db, country.code, pledging.id, 'accepted');
    const action = await makeAction(database.db, pledged);
    const secondReport = await makeReport(database.db, country.code, second.id, 'accepted');
    await makeUpdate(database.db, secondReport, action.id, { status: 'in_progress', percent_complete: 40, narrative: 'Halfway there' });
    const thirdReport = await makeReport(database.db, country.code, third.id, 'accepted');
    await makeUpdate(database.db, thirdReport, action.id, { status: 'completed', percent_complete: 100, narrative: 'Done' });
    // A draft's update is nobody's starting point.
    const openReport = await makeReport(database.db, country.code, open.id, 'draft');
    await makeUpdate(database.db, openReport, action.id, { status: 'delayed', percent_complete: 10, narrative: 'Not yet accepted' });
    const queries = createReportQueries(database.db);
    // The state every page counts (from the latest status) and what a page showing the pledge reads: the same update.
    const last = async (cycle: CycleRow) => {
      const report = await queries.findReport(country.code, cycle.id);
      const {
        carried: [row],
      } = await loadContent(queries, country.code, cycle, report, { page: 1 });
      return row && [row.state, row.last_status, row.last_percent, row.last_narrative, row.last_cycle_title];
    };

    // Completed last year and updated again in the open report: reopened.
    expect(await last(open)).toEqual(['reopened', 'completed', 100, 'Done', third.title]);
    expect(await last(third)).toEqual(['open', 'in_progress', 40, 'Halfway there', second.title]);
    expect(await last(second)).toEqual(['open', null, null, null, null]);
  });

  it('keeps each member’s published reports and indicator values as they are published, corrected, renamed and withdrawn; a draft changes nothing', async () => {
    const country = await makeCountry(database.db);
    const kept = () => createPublicQueries(database.db).memberHistory(country.code);
    /** What the kept records must say: the public views read afresh, in the pages' order. */
    const afresh = async () => ({
      reports: await database
        .db('public_reports')
        .where({ country_code: country.code })
        .orderBy('cycle_opens_on', 'desc')
        .select('id', 'cycle_slug', 'cycle_title', 'cycle_kind', 'cycle_due_on', 'submitted_at', 'accepted_at', 'text_language'),
      indicators: await database
        .db('public_reports as pr')
        .join('indicator_values as v', 'v.report_id', 'pr.id')
        .where('pr.country_code', country.code)
        .orderBy(['v.indicator_code', 'pr.cycle_opens_on'])
        .select('v.report_id', 'v.indicator_code', 'v.value', 'v.note'),
    });
    const row = () =>
      database.db('public_member_records').where({ country_code: country.code }).first(database.db.raw('xmin::text as xmin'));
    expect(await kept()).toEqual({ reports: [], indicators: [] });

    const first = await makeCycle(database.db, { opens_on: '2041-01-01', due_on: '2041-03-31', closes_on: '2041-06-30' });
    const second = await makeCycle(database.db, {
      kind: 'progress',
      opens_on: '2042-01-01',
      due_on: '2042-03-31',
      closes_on: '2042-06-30',
    });
    const older = await makeReport(database.db, country.code, first.id, 'accepted');
    await makeIndicatorValue(database.db, older.id, 'victims_identified', 10);
    const newer = await makeReport(database.db, country.code, second.id, 'submitted');
    await makeIndicatorValue(database.db, newer.id, 'victims_identified', 20);
    await makeIndicatorValue(database.db, newer.id, 'cases_investigated', 5);
    // Submitted, not accepted: only the older report and its value are public.
    expect((await kept()).reports.map((report) => report.id)).toEqual([older.id]);
    expect(await kept()).toEqual(await afresh());

    await database.db('reports').where({ id: newer.id }).update({ state: 'accepted', reviewed_at: new Date() });
    expect((await kept()).reports.map((report) => report.id)).toEqual([newer.id, older.id]);
    expect((await kept()).indicators.map((value) => Number(value.value))).toEqual([5, 10, 20]);
    expect(await kept()).toEqual(await afresh());

    // A delegate's draft in a later cycle, values and all, leaves the kept row alone.
    const before = await row();
    const third = await makeCycle(database.db, { kind: 'progress', opens_on: '2043-01-01', due_on: '2043-03-31', closes_on: '2043-06-30' });
    const draft = await makeReport(database.db, country.code, third.id, 'draft');
    await makeIndicatorValue(database.db, draft.id, 'victims_identified', 30);
    await database.db('indicator_values').where({ report_id: draft.id }).update({ value: 31 });
    await database.db('reports').where({ id: draft.id }).update({ text_language: 'fr' });
    expect(await row()).toEqual(before);

    // A correction to a published value, and a cycle renamed and moved before the other.
    await database.db('indicator_values').where({ report_id: older.id }).update({ value: 12, note: 'Corrected' });
    expect((await kept()).indicators.map((value) => value.note)).toContain('Corrected');
    await database.db('cycles').where({ id: second.id }).update({ title: 'Renamed cycle', opens_on: '2040-06-01' });
    expect((await kept()).reports.map((report) => [report.id, report.cycle_title])).toEqual([
      [older.id, first.title],
      [newer.id, 'Renamed cycle'],
    ]);
    expect(await kept()).toEqual(await afresh());

    // Accepted no more (a correction), then deleted: nothing is left public.
    await database.db('reports').where({ id: newer.id }).update({ state: 'returned', review_comment: 'Published by mistake.' });
    expect((await kept()).reports.map((report) => report.id)).toEqual([older.id]);
    await database.db('reports').where({ id: older.id }).delete();
    expect(await kept()).toEqual({ reports: [], indicators: [] });
    expect(await kept()).toEqual(await afresh());
  });
});
