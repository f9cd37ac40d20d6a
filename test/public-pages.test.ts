import * as cheerio from 'cheerio';
import request from 'supertest';
import type { Express } from 'express';
import { buildTestApp } from './helpers/app';
import { FILLS } from '../src/public/world-map';
import { useTestDatabase } from './helpers/database';
import {
  makeAction,
  makeCountry,
  makeCycle,
  makeIndicatorValue,
  makeReport,
  makeStocktaking,
  makeUpdate,
  unique,
} from './helpers/factories';

/**
 * A member page's row for one target under "Progress by policy target": its numbers, and the
 * width of its bar's completed part.
 */
function progressOf($: cheerio.CheerioAPI, target: string) {
  const row = $('#progress-title')
    .closest('section')
    .find('tbody tr')
    .filter((_, tr) => $(tr).find('th').text() === target);
  return {
    numbers: row
      .find('td.govuk-table__cell--numeric')
      .map((_, cell) => $(cell).text())
      .get(),
    completedWidth: row.find('rect.stacked__completed').attr('width'),
  };
}

/** How many values a chart draws a dot for: each dot is a zero-length line of the one path. */
const dotsIn = (chart: ReturnType<cheerio.CheerioAPI>) =>
  chart
    .find('path.line-chart__point')
    .attr('d')
    ?.match(/M[\d.]+ [\d.]+h0/g)?.length ?? 0;

describe('public transparency pages', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(() => {
    app = buildTestApp(database);
  });

  const page = async (url: string) => {
    const response = await request(app).get(url);
    return { response, $: cheerio.load(response.text), text: response.text };
  };

  /**
   * A member with an accepted commitments report (baseline and two actions) and an
   * accepted progress report, followed by a progress report that is only submitted.
   */
  async function memberWithHistory() {
    const country = await makeCountry(database.db);
    const commitmentsCycle = await makeCycle(database.db, { opens_on: '2031-01-01', due_on: '2031-03-31', closes_on: '2031-06-30' });
    const progressCycle = await makeCycle(database.db, {
      kind: 'progress',
      opens_on: '2032-01-01',
      due_on: '2032-03-31',
      closes_on: '2032-06-30',
    });
    const laterCycle = await makeCycle(database.db, {
      kind: 'progress',
      opens_on: '2033-01-01',
      due_on: '2033-03-31',
      closes_on: '2033-06-30',
    });
    const commitments = await makeReport(database.db, country.code, commitmentsCycle.id, 'accepted', {
      submitted_at: '2031-03-01T10:00:00Z',
    });
    const baseline = await makeStocktaking(database.db, commitments.id, 'PT2');
    const completedAction = await makeAction(database.db, commitments, { target_code: 'PT2', goal_code: '2.1' });
    const delayedAction = await makeAction(database.db, commitments, { target_code: 'PT4' });
    const progress = await makeReport(database.db, country.code, progressCycle.id, 'accepted', { submitted_at: '2032-04-15T10:00:00Z' });
    const completedUpdate = await makeUpdate(database.db, progress, completedAction.id, { status: 'completed', percent_complete: 100 });
    await makeUpdate(database.db, progress, delayedAction.id, { status: 'delayed', percent_complete: 20 });
    await makeIndicatorValue(database.db, progress.id, 'victims_identified', 1234);
    const pending = await makeReport(database.db, country.code, laterCycle.id, 'submitted');
    const pendingUpdate = await makeUpdate(database.db, pending, delayedAction.id, { status: 'completed', percent_complete: 100 });
    const pendingAction = await makeAction(database.db, pending, { target_code: 'PT4' });
    return {
      country,
      commitmentsCycle,
      progressCycle,
      laterCycle,
      baseline,
      completedAction,
      delayedAction,
      completedUpdate,
      pendingUpdate,
      pendingAction,
    };
  }

  it('sends a browser asking for /favicon.ico (as it does when it shows a JSON file) to the icon every page names', async () => {
    const asked = await request(app).get('/favicon.ico');
    expect(asked.status).toBe(301);
    expect(asked.headers.location).toBe('/static/favicon.svg');
    const { $ } = await page('/');
    expect($('link[rel="icon"]').attr('href')).toBe(asked.headers.location);
    const icon = await request(app).get(asked.headers.location!);
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  describe('a member page', () => {
    it('shows the accepted baseline, each action under its target with its latest accepted status, indicators and the report history', async () => {
      const member = await memberWithHistory();

      const { response, $, text } = await page(`/countries/${member.country.code}`);

      expect(response.status).toBe(200);
      expect($('h1').text()).toBe(member.country.name);
      expect($('html').attr('lang')).toBe('en');
      expect(text).toContain('Self-reported');
      const pt2 = $('#target-PT2').closest('section');
      expect(pt2.find('.baseline').text()).toContain(member.baseline.existing_measures);
      expect(pt2.find('.baseline').text()).toContain(member.baseline.gaps);
      const completed = pt2
        .find('.action')
        .filter((_, element) => $(element).find('.action__title').text() === member.completedAction.title);
      expect(completed.find('.govuk-tag').text()).toBe('Completed');
      expect(completed.text()).toContain(member.completedUpdate.narrative);
      expect(completed.text()).toContain('2.1');
      const pt4 = $('#target-PT4').closest('section');
      expect(
        pt4
          .find('.action')
          .filter((_, element) => $(element).text().includes(member.delayedAction.title))
          .find('.govuk-tag')
          .text(),
      ).toBe('Delayed');
      expect($('#target-PT1').closest('section').text()).toContain('No baseline published for this target.');
      expect($('#indicators').closest('section').text()).toContain('1,234');
      const history = $('#history').closest('section').find('tbody tr');
      expect(history.map((_, row) => $(row).find('th').text()).get()).toEqual([member.progressCycle.title, member.commitmentsCycle.title]);
      expect(history.first().text()).toContain('Late');
      expect(history.last().text()).not.toContain('Late');
    });

    it('shows the five newest pledges under a target and links to all of them, however many years of pledges there are', async () => {
      const country = await makeCountry(database.db);
      const report = await makeReport(database.db, country.code, (await makeCycle(database.db, { state: 'closed' })).id, 'accepted');
      const pledged = [];
      for (let n = 0; n < 12; n++)
        pledged.push(await makeAction(database.db, report, { target_code: 'PT2', title: unique(`Pledge ${n}`) }));
      const alone = await makeAction(database.db, report, { target_code: 'PT3' });
      const $ = cheerio.load((await request(app).get(`/countries/${country.code}`)).text);
      const shown = $('a[href^="/actions/"]')
        .map((_, link) => $(link).text())
        .get();
      expect(shown).toEqual([...pledged.slice(7).map((action) => action.title), alone.title]);
      expect($(`a[href="/targets/PT2?member=${country.code}"]`).text()).toBe('See all 12 actions under PT2');
      expect($(`a[href="/targets/PT3?member=${country.code}"]`)).toHaveLength(0);
    });

    it('never shows what is only submitted, returned or drafted', async () => {
      const member = await memberWithHistory();
      const otherCountry = await makeCountry(database.db);
      const draftTitle = unique('Draft-only action');
      const returnedTitle = unique('Returned-only action');
      const draftReport = await makeReport(database.db, otherCountry.code, member.commitmentsCycle.id, 'draft');
      await makeAction(database.db, draftReport, { target_code: 'PT4', title: draftTitle });
      await makeStocktaking(database.db, draftReport.id, 'PT4', { existing_measures: 'Draft baseline text' });
      const returnedReport = await makeReport(database.db, otherCountry.code, member.progressCycle.id, 'returned');
      await makeAction(database.db, returnedReport, { target_code: 'PT4', title: returnedTitle });

      const pages = await Promise.all([
        page(`/countries/${member.country.code}`),
        page(`/countries/${otherCountry.code}`),
        page('/targets/PT4'),
        page('/'),
        page(`/cycles/${member.laterCycle.slug}`),
      ]);

      for (const { text } of pages) {
        expect(text).not.toContain(member.pendingUpdate.narrative);
        expect(text).not.toContain(member.pendingAction.title);
        expect(text).not.toContain(draftTitle);
        expect(text).not.toContain(returnedTitle);
        expect(text).not.toContain('Draft baseline text');
      }
      const [own, other] = pages;
      expect(
        own
          .$('.action')
          .filter((_, element) => own.$(element).text().includes(member.delayedAction.title))
          .find('.govuk-tag')
          .text(),
      ).toBe('Delayed');
      expect(other.text).toContain('has no published report yet');
      expect(pages[4].$(`a[href="/countries/${member.country.code}"]`).closest('tr').text()).toContain('Not published');
    });

    it('shows a withdrawn action with its reason and stops counting it as pledged', async () => {
      const country = await makeCountry(database.db);
      const first = await makeReport(
        database.db,
        country.code,
        (await makeCycle(database.db, { opens_on: '2035-01-01', due_on: '2035-02-01', closes_on: '2035-03-01' })).id,
      );
      const kept = await makeAction(database.db, first);
      const dropped = await makeAction(database.db, first);
      const second = await makeReport(
        database.db,
        country.code,
        (await makeCycle(database.db, { kind: 'progress', opens_on: '2036-01-01', due_on: '2036-02-01', closes_on: '2036-03-01' })).id,
      );
      const reason = unique('Replaced by a national strategy');
      await database.db('actions').where({ id: dropped.id }).update({ withdrawn_in_report_id: second.id, withdrawal_reason: reason });
      await makeUpdate(database.db, second, kept.id, { status: 'completed', percent_complete: 100 });

      const { $ } = await page(`/countries/${country.code}`);
      const droppedItem = $('.action').filter((_, element) => $(element).text().includes(dropped.title));
      expect(droppedItem.find('.govuk-tag').text()).toBe('Withdrawn');
      expect(droppedItem.text()).toContain(reason);
      expect($('.summary').text()).toMatch(/Actions pledged\s*1\b/);
      // The target's bar and its numbers leave the withdrawn action out.
      expect(progressOf($, 'PT1')).toEqual({ numbers: ['1', '0', '0', '0'], completedWidth: '100' });

      const overview = await page('/countries');
      const row = overview.$(`a[href="/countries/${country.code}"]`).closest('tr');
      expect(
        row
          .find('td.govuk-table__cell--numeric')
          .map((_, cell) => overview.$(cell).text())
          .get()
          .slice(0, 3),
      ).toEqual(['1', '1', '0']);
    });

    it('draws progress by target as bars and indicators as line charts with the goal, each beside a table of the same numbers', async () => {
      const country = await makeCountry(database.db);
      const years = [2051, 2052, 2053];
      for (const [index, year] of years.entries()) {
        const cycle = await makeCycle(database.db, {
          kind: index ? 'progress' : 'commitments',
          opens_on: `${year}-01-01`,
          due_on: `${year}-06-30`,
          closes_on: `${year}-12-31`,
        });
        const report = await makeReport(database.db, country.code, cycle.id, 'accepted');
        await makeIndicatorValue(database.db, report.id, 'victims_identified', [1000, 1050, 1300][index]);
        if (index === 0) {
          await makeAction(database.db, report, { target_code: 'PT3' });
          const done = await makeAction(database.db, report, { target_code: 'PT3' });
          const later = await makeCycle(database.db, {
            kind: 'progress',
            opens_on: '2060-01-01',
            due_on: '2060-06-30',
            closes_on: '2060-12-31',
          });
          await makeUpdate(database.db, await makeReport(database.db, country.code, later.id, 'accepted'), done.id, {
            status: 'completed',
            percent_complete: 100,
          });
        }
      }

      const { $ } = await page(`/countries/${country.code}`);

      expect(progressOf($, 'PT3')).toEqual({ numbers: ['1', '0', '0', '1'], completedWidth: '50' });
      const chart = $('#indicator-victims_identified');
      // A dot per value, on the line through them.
      expect(dotsIn(chart)).toBe(3);
      expect(chart.find('polyline.line-chart__line').attr('points')?.split(' ')).toHaveLength(3);
      expect(chart.find('polyline.line-chart__goal')).toHaveLength(1);
      expect(chart.find('figcaption').text()).toContain('goal 1.1, 10% a year');
      // Time on a time axis: each year labelled, values labelled, the goal line named.
      expect(
        chart
          .find('text')
          .map((_, text) => $(text).text())
          .get(),
      ).toEqual(expect.arrayContaining(['2051', '2052', '2053', '1,000', '1,300', 'Goal 1.1']));
      const goals = chart
        .closest('section')
        .find('table')
        .find('tbody tr')
        .map((_, row) =>
          $(row)
            .find('td.govuk-table__cell--numeric')
            .map((__, cell) => $(cell).text())
            .get()
            .join(' / '),
        )
        .get();
      expect(goals).toEqual(['1,000 / 1,000', '1,050 / 1,100', '1,300 / 1,210']);

      // The goal is reference data: another yearly change redraws the chart; none removes the line.
      await database.db('indicators').where({ code: 'victims_identified' }).update({ goal_annual_change: 0.2 });
      const steeper = (await page(`/countries/${country.code}`)).$;
      expect(steeper('#indicator-victims_identified figcaption').text()).toContain('goal 1.1, 20% a year');
      await database.db('indicators').where({ code: 'victims_identified' }).update({ goal_annual_change: null });
      const none = (await page(`/countries/${country.code}`)).$;
      expect(none('#indicator-victims_identified polyline.line-chart__goal')).toHaveLength(0);
    });

    it('shows a single value as a number, not a lone dot, and a value the member could not give in the table only', async () => {
      const country = await makeCountry(database.db);
      const cycle = await makeCycle(database.db, {
        kind: 'progress',
        opens_on: '2071-01-01',
        due_on: '2071-06-30',
        closes_on: '2071-12-31',
      });
      const report = await makeReport(database.db, country.code, cycle.id, 'accepted');
      await makeIndicatorValue(database.db, report.id, 'victims_identified', 4321);
      await database
        .db('indicator_values')
        .insert({ report_id: report.id, indicator_code: 'offenders_prosecuted', value: null, note: 'Not collected yet' });
      const { $ } = await page(`/countries/${country.code}`);
      expect($('#indicator-victims_identified').is('p.single-value')).toBe(true);
      expect($('#indicator-victims_identified').text()).toBe('4,321');
      expect($('svg.line-chart')).toHaveLength(0);
      expect($('section[aria-labelledby="indicator-offenders_prosecuted-title"] td').first().text()).toBe('Not available');
    });

    /** A progress report of the member for a cycle of that year, in that state, with one value of victims_identified. */
    async function valueInYear(countryCode: string, year: number, state: 'accepted' | 'submitted', value: number) {
      const cycle = await makeCycle(database.db, {
        kind: 'progress',
        opens_on: `${year}-01-01`,
        due_on: `${year}-06-30`,
        closes_on: `${year}-12-31`,
      });
      await makeIndicatorValue(database.db, (await makeReport(database.db, countryCode, cycle.id, state)).id, 'victims_identified', value);
      return cycle;
    }

    it('lists the latest five reports and values of each indicator, and every one of them on the member’s history page', async () => {
      const country = await makeCountry(database.db);
      const years = [2081, 2082, 2083, 2084, 2085, 2086, 2087];
      const titles: string[] = [];
      for (const [index, year] of years.entries()) titles.push((await valueInYear(country.code, year, 'accepted', 101 + index)).title);
      // Not accepted: on neither page. (A value with a thousands separator, which no test name's
      // random part can hold: "999" once turned up inside a cycle's name.)
      const pending = await valueInYear(country.code, 2088, 'submitted', 98765);
      const rows = ($: cheerio.CheerioAPI, table: ReturnType<cheerio.CheerioAPI>) =>
        table
          .find('tbody tr')
          .map((_, row) => $(row).find('th, td').first().text() + ' ' + $(row).find('td').first().text())
          .get();

      const { $ } = await page(`/countries/${country.code}`);
      const indicator = $('section[aria-labelledby="indicator-victims_identified-title"]');
      // The chart draws every value; the table holds the latest five, oldest first.
      expect(dotsIn(indicator)).toBe(7);
      expect(rows($, indicator.find('table'))).toEqual(titles.slice(2).map((title, index) => `${title} ${103 + index}`));
      expect(indicator.find('caption').text()).toContain('the latest 5 numbers');
      expect(indicator.find('figcaption').text()).toContain('The table gives the latest 5 of the 7 numbers.');
      const allValues = indicator.find('a').filter((_, link) => $(link).text().startsWith('See all'));
      expect(allValues.text()).toBe('See all 7 values of Victims identified in the ICSE database');
      expect(allValues.attr('href')).toBe(`/countries/${country.code}/history#indicator-victims_identified-title`);
      const reports = $('#history').closest('section');
      expect(
        reports
          .find('tbody tr')
          .map((_, row) => $(row).find('th').text())
          .get(),
      ).toEqual(titles.slice(2).reverse());
      expect(reports.find(`a[href="/countries/${country.code}/history#history"]`).text()).toBe('See all 7 published reports');
      expect($.text()).not.toContain('98,765');
      expect($.text()).not.toContain(pending.title);

      const history = await page(`/countries/${country.code}/history`);
      expect(history.response.status).toBe(200);
      expect(history.$('h1').text()).toBe(`${country.name}: every published report and indicator value`);
      const everyValue = history.$('section[aria-labelledby="indicator-victims_identified-title"]');
      expect(dotsIn(everyValue)).toBe(7);
      expect(rows(history.$, everyValue.find('table'))).toEqual(titles.map((title, index) => `${title} ${101 + index}`));
      expect(everyValue.find('figcaption').text()).toContain('The table gives the numbers.');
      expect(
        history
          .$('#history')
          .closest('section')
          .find('tbody tr th')
          .map((_, cell) => history.$(cell).text())
          .get(),
      ).toEqual([...titles].reverse());
      expect(history.$('a').filter((_, link) => history.$(link).text().startsWith('See all'))).toHaveLength(0);
      expect(history.text).not.toContain('98,765');
      expect(history.text).not.toContain(pending.title);
      expect(history.$(`.govuk-breadcrumbs a[href="/countries/${country.code}"]`).text()).toBe(country.name);

      const french = cheerio.load((await request(app).get(`/countries/${country.code}/history`).set('Accept-Language', 'fr')).text);
      // The member's name in French, as every French page gives it.
      expect(french('h1').text()).toMatch(/^\S.*\u202f: tous les rapports publiés et toutes les valeurs des indicateurs$/);
    });

    it('links to the history only when there is more to see, and answers for the history as for the member page', async () => {
      const country = await makeCountry(database.db);
      await valueInYear(country.code, 2089, 'accepted', 5);
      const { $ } = await page(`/countries/${country.code}`);
      expect($('a[href*="/history"]')).toHaveLength(0);

      const lower = await request(app).get(`/countries/${country.code.toLowerCase()}/history`);
      expect(lower.status).toBe(301);
      expect(lower.headers.location).toBe(`/countries/${country.code}/history`);
      expect((await request(app).get(`/countries/${country.code}/history?page=2`)).headers.location).toBe(
        `/countries/${country.code}/history`,
      );
      expect((await request(app).get('/countries/QQ/history')).status).toBe(404);
    });

    it('redirects a lower-case code and answers 404 for an unknown or malformed one', async () => {
      const country = await makeCountry(database.db);
      const redirect = await request(app).get(`/countries/${country.code.toLowerCase()}`);
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe(`/countries/${country.code}`);
      // A code whose letters also stand in the path ("ri" in "countries") is replaced where it is.
      await database
        .db('countries')
        .insert({ code: 'RI', name: unique('Riland'), region: 'Europe', eu_member: false })
        .onConflict('code')
        .ignore();
      expect((await request(app).get('/countries/ri?x=1')).headers.location).toBe('/countries/RI?x=1');
      expect((await request(app).get('/targets/pt1')).headers.location).toBe('/targets/PT1');

      const codes = await database.db('countries').pluck('code');
      const unused = ['QA', 'QB', 'QC', 'QD', 'QE', 'QF'].find((code) => !codes.includes(code));
      for (const url of [
        `/countries/${unused}`,
        '/countries/FRA',
        '/countries/1',
        '/targets/PT5',
        '/targets/XX',
        '/cycles/no-such-cycle',
        '/cycles/Bad_Slug',
        '/no/such/page',
      ]) {
        const { response, $ } = await page(url);
        expect({ url, status: response.status }).toEqual({ url, status: 404 });
        expect($('h1').text()).toBe('Page not found');
        expect($('main').text()).toContain(String(response.headers['x-request-id']));
      }
    });
  });

  describe('the overview and the members table', () => {
    it('lists every member with a link, and counts accepted actions per member and per target', async () => {
      const member = await memberWithHistory();

      const { response, $ } = await page('/countries');

      expect(response.status).toBe(200);
      const total = await database.db('countries').count<{ count: number }[]>('* as count').first();
      expect($('#members tbody tr')).toHaveLength(total!.count);
      const table = $('#members');
      for (const code of ['FR', 'US', 'XK', 'VN', member.country.code]) expect(table.find(`a[href="/countries/${code}"]`)).toHaveLength(1);
      const row = $(`a[href="/countries/${member.country.code}"]`).closest('tr');
      expect(row.text()).toContain(member.progressCycle.title);
      expect(
        row
          .find('td.govuk-table__cell--numeric')
          .map((_, cell) => $(cell).text())
          .get()
          .slice(0, 3),
      ).toEqual(['2', '1', '1']);
      expect(
        row
          .find('td.matrix')
          .map((_, cell) => $(cell).text())
          .get(),
      ).toEqual(['–', '1/1 completed under PT2', '–', '0/1 completed under PT4']);

      const byTarget = await database
        .db('public_actions')
        .select('target_code')
        .count<{ target_code: string; count: number }[]>('* as count')
        .groupBy('target_code');
      const pt4 = (await page('/')).$('a[href="/targets/PT4"]').closest('tr');
      expect(pt4.find('td.govuk-table__cell--numeric').first().text()).toBe(
        String(byTarget.find((target) => target.target_code === 'PT4')?.count ?? 0),
      );
    });

    it('filters and sorts the members table through the query string, and searches actions by word', async () => {
      const member = await memberWithHistory();
      const filtered = cheerio.load(
        (await request(app).get('/countries?region=Europe&eu=no&target=PT2&status=completed&sort=pledged')).text,
      );
      const names = filtered('#members tbody th a')
        .map((_, cell) => filtered(cell).text())
        .get();
      expect(names).toContain(member.country.name);
      expect(names).not.toContain('France');
      expect(filtered('#sort option[selected]').val()).toBe('pledged');
      expect(filtered('#member-count').text()).toMatch(/Showing \d+ of \d+ members/);
      const none = cheerio.load((await request(app).get('/countries?region=Africa&target=PT2&status=completed')).text);
      expect(
        none('#members tbody th a')
          .map((_, cell) => none(cell).text())
          .get(),
      ).not.toContain(member.country.name);
      // Values that are not choices are dropped, with a redirect to the address without them.
      const odd = await request(app).get('/countries?region=<script>&sort=../../etc');
      expect({ status: odd.status, location: odd.headers.location }).toEqual({ status: 301, location: '/countries' });

      const word = member.completedAction.title.split(' ')[1]!;
      const search = cheerio.load((await request(app).get(`/actions?q=${encodeURIComponent(word)}`)).text);
      expect(
        search('.action__title')
          .map((_, title) => search(title).text())
          .get(),
      ).toEqual([member.completedAction.title]);
      expect(search('main').text()).not.toContain(member.pendingAction.title);
      // Each result names its member (the link was empty: a helper shadowed the field).
      expect(search('.search-result .action__facts a').first().text()).toBe(member.country.name);
      // And the cycles that pledged it and last reported on it, by their titles.
      expect(search(`.search-result a[href="/cycles/${member.commitmentsCycle.slug}"]`).text()).toBe(member.commitmentsCycle.title);
      expect(search('.search-result .action__status').text()).toContain(member.progressCycle.title);
      // The words searched for are marked in the title.
      expect(search('.action__title mark').first().text().toLowerCase()).toBe(word.toLowerCase());
    });

    it('shows the members on a server-drawn world map, shaded by completed share, and names those too small to draw', async () => {
      const member = await memberWithHistory();
      const { $ } = await page('/');
      expect($('.map img').attr('src')).toBe('/map.svg');
      expect($('.map img').attr('alt')).toContain('members table');
      expect($('.map figcaption').text()).toContain('Malta');
      expect($('.map figcaption').text()).toContain(member.country.name);

      const map = await request(app).get('/map.svg');
      expect(map.status).toBe(200);
      expect(map.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
      const svg = cheerio.load(Buffer.from(map.body as Buffer).toString('utf8'), { xml: true });
      expect(svg('path').length).toBeGreaterThan(150);
      const kosovo = svg('path').filter((_, path) => svg(path).find('title').text() === 'Kosovo');
      expect(kosovo.attr('fill')).toBe(FILLS.none);
      expect(svg('path').filter((_, path) => svg(path).find('title').text() === 'France')).toHaveLength(1);
      expect((await request(app).get('/map.svg').set('If-None-Match', map.headers.etag!)).status).toBe(304);
    });

    it('can be cached: ETag and Cache-Control, and 304 to a conditional request', async () => {
      const first = await request(app).get('/');
      expect(first.headers['cache-control']).toBe('public, max-age=60');
      expect(first.headers.etag).toBeDefined();
      const second = await request(app).get('/').set('If-None-Match', first.headers.etag!);
      expect(second.status).toBe(304);
      expect(second.text).toBeFalsy();
    });
  });

  it('rendered pages are cached, and every instance renders afresh as soon as a report is accepted anywhere', async () => {
    const instanceA = app;
    const instanceB = buildTestApp(database);
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db);
    const report = await makeReport(database.db, country.code, cycle.id, 'submitted');
    const action = await makeAction(database.db, report);
    const before = await request(instanceA).get(`/countries/${country.code}`);
    expect(before.text).not.toContain(action.title);
    expect((await request(instanceA).get(`/countries/${country.code}`).set('If-None-Match', before.headers.etag!)).status).toBe(304);

    // Accepted through the other instance's database connection.
    await database.db('reports').where({ id: report.id }).update({ state: 'accepted', reviewed_at: new Date() });

    const after = await request(instanceA).get(`/countries/${country.code}`).set('If-None-Match', before.headers.etag!);
    expect(after.status).toBe(200);
    expect(after.text).toContain(action.title);
    expect((await request(instanceB).get(`/countries/${country.code}`)).headers.etag).toBe(after.headers.etag);
  });

  it('/feed.atom is an Atom feed of accepted reports only, newest first, with escaped text', async () => {
    const country = await makeCountry(database.db, { name: unique('Land <of> "quotes" & more') });
    const older = await makeCycle(database.db, { opens_on: '2041-01-01', due_on: '2041-02-01', closes_on: '2041-03-01' });
    const newer = await makeCycle(database.db, { opens_on: '2042-01-01', due_on: '2042-02-01', closes_on: '2042-03-01' });
    await makeReport(database.db, country.code, older.id, 'accepted');
    await database.db('reports').where({ country_code: country.code, cycle_id: older.id }).update({ reviewed_at: '2099-01-01T00:00:00Z' });
    await makeReport(database.db, country.code, newer.id, 'accepted');
    await database.db('reports').where({ country_code: country.code, cycle_id: newer.id }).update({ reviewed_at: '2099-02-01T00:00:00Z' });
    const draftCycle = await makeCycle(database.db, { opens_on: '2043-01-01', due_on: '2043-02-01', closes_on: '2043-03-01' });
    await makeReport(database.db, country.code, draftCycle.id, 'submitted');

    const response = await request(app).get('/feed.atom');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const $ = cheerio.load(response.text, { xml: true });
    expect($('feed').attr('xmlns')).toBe('http://www.w3.org/2005/Atom');
    const titles = $('entry > title')
      .map((_, title) => $(title).text())
      .get();
    expect(titles.slice(0, 2)).toEqual([`${country.name}: ${newer.title} accepted`, `${country.name}: ${older.title} accepted`]);
    expect(titles.join()).not.toContain(draftCycle.title);
    expect(response.text).toContain('&lt;of&gt; &quot;quotes&quot; &amp; more');
    expect($('feed > updated').text()).toBe($('entry > updated').first().text());
    expect((await request(app).get('/feed.atom').set('If-None-Match', response.headers.etag!)).status).toBe(304);
  });

  describe('a policy target page', () => {
    it("shows the target, its goals and every member's accepted actions under it only", async () => {
      const member = await memberWithHistory();

      const { response, $ } = await page('/targets/PT2');

      expect(response.status).toBe(200);
      expect($('h1').text()).toContain('Investigate and prosecute offenders');
      expect($('.goal-list').text()).toContain('2.1');
      expect($('.goal-list').text()).toContain('2.2');
      const section = $(`#country-${member.country.code}`).closest('section');
      expect(
        section
          .find('.action__title')
          .map((_, title) => $(title).text())
          .get(),
      ).toEqual([member.completedAction.title]);
      expect((await page('/targets/pt2')).response.status).toBe(301);
    });

    it('counts the actions under it, of every member and of one', async () => {
      const country = await makeCountry(database.db);
      const report = await makeReport(database.db, country.code, (await makeCycle(database.db, { state: 'closed' })).id, 'accepted');
      for (let n = 0; n < 3; n++) await makeAction(database.db, report, { target_code: 'PT3' });
      await makeAction(database.db, report, { target_code: 'PT4' });
      const [everyone] = await database
        .db('public_action_status')
        .where({ target_code: 'PT3' })
        .select(database.db.raw('count(*)::int as actions, count(distinct country_code)::int as members'));

      expect((await page(`/targets/PT3?member=${country.code}`)).text).toContain('3 published actions.');
      expect((await page(`/targets/PT4?member=${country.code}`)).text).toContain('1 published action.');
      const members = `${everyone.members} member${everyone.members === 1 ? '' : 's'}`;
      expect((await page('/targets/PT3')).text).toContain(`${everyone.actions} published actions from ${members}.`);
    });
  });

  describe('a cycle page', () => {
    it('shows the dates and which members have a published report, late ones marked', async () => {
      const member = await memberWithHistory();

      const { response, $ } = await page(`/cycles/${member.progressCycle.slug}`);

      expect(response.status).toBe(200);
      expect($('h1').text()).toBe(member.progressCycle.title);
      expect($('.summary').text()).toContain('31 March 2032');
      const row = $(`a[href="/countries/${member.country.code}"]`).closest('tr');
      expect(row.text()).toContain('Published');
      expect(row.text()).toContain('Late');
      expect((await page('/cycles')).$(`a[href="/cycles/${member.progressCycle.slug}"]`)).toHaveLength(1);
    });
  });

  it('compiles a cycle’s accepted reports into one document: figures, contents, targets and a section per member, nothing unaccepted', async () => {
    const cycle = await makeCycle(database.db, { state: 'closed', kind: 'commitments' });
    const published = await makeCountry(database.db);
    const drafting = await makeCountry(database.db);
    const accepted = await makeReport(database.db, published.code, cycle.id, 'accepted');
    const baseline = await makeStocktaking(database.db, accepted.id, 'PT2', { existing_measures: 'A hotline since 2010' });
    const action = await makeAction(database.db, accepted, { target_code: 'PT2', title: unique('Compiled action') });
    const draft = await makeReport(database.db, drafting.code, cycle.id, 'draft');
    const secret = await makeAction(database.db, draft, { title: unique('Unpublished action') });

    const response = await request(app).get(`/cycles/${cycle.slug}/report`);
    expect(response.status).toBe(200);
    const $ = cheerio.load(response.text);
    expect($('h1').text()).toBe(`${cycle.title}: the compiled report`);
    expect($('#toc-title').next('ol').find(`a[href="#member-${published.code}"]`).text()).toBe(published.name);
    expect($('#figures').text()).toMatch(/1\s*reports published/);
    expect($('#target-PT2 tbody th').text()).toBe(published.name);
    expect($('#target-PT2 tbody td').first().text()).toBe('1');
    expect($(`#member-${published.code}`).text()).toContain(baseline.existing_measures);
    expect($(`#member-${published.code}`).text()).toContain(action.title);
    expect(response.text).not.toContain(secret.title);
    expect($(`#member-${drafting.code}`)).toHaveLength(0);

    const french = cheerio.load((await request(app).get(`/cycles/${cycle.slug}/report`).set('Accept-Language', 'fr')).text);
    expect(french('h1').text()).toBe(`${cycle.title}\u202f: le rapport compilé`);
    expect(cheerio.load((await request(app).get(`/cycles/${cycle.slug}`)).text)(`a[href="/cycles/${cycle.slug}/report"]`)).toHaveLength(1);
    expect((await request(app).get('/cycles/no-such-cycle/report')).status).toBe(404);
  });

  it('compiles a progress cycle’s accepted updates, withdrawals and indicator values, per target and per member, in order; a submitted report shows nothing', async () => {
    const pledgingCycle = await makeCycle(database.db, {
      state: 'closed',
      opens_on: '2041-01-01',
      due_on: '2041-03-31',
      closes_on: '2041-06-30',
    });
    const cycle = await makeCycle(database.db, {
      state: 'closed',
      kind: 'progress',
      opens_on: '2042-01-01',
      due_on: '2042-03-31',
      closes_on: '2042-06-30',
    });
    const member = await makeCountry(database.db);
    const pledging = await makeReport(database.db, member.code, pledgingCycle.id, 'accepted');
    const [first, second, dropped] = [
      await makeAction(database.db, pledging, { target_code: 'PT1', title: unique('First hotline') }),
      await makeAction(database.db, pledging, { target_code: 'PT1', title: unique('Second hotline') }),
      await makeAction(database.db, pledging, { target_code: 'PT3', title: unique('Dropped campaign') }),
    ];
    const progress = await makeReport(database.db, member.code, cycle.id, 'accepted');
    // Written in the reverse of the order the report lists them in.
    const later = await makeUpdate(database.db, progress, second.id, { status: 'in_progress', percent_complete: 40 });
    await makeUpdate(database.db, progress, first.id, { status: 'completed', percent_complete: 100 });
    await database
      .db('actions')
      .where({ id: dropped.id })
      .update({ withdrawn_in_report_id: progress.id, withdrawal_reason: 'Merged into PT1' });
    const indicator = await makeIndicatorValue(database.db, progress.id, 'victims_identified', 1234.5);
    // A second member, so that each row and section shows its own member's counts and actions.
    const other = await makeCountry(database.db);
    const otherPledge = await makeAction(database.db, await makeReport(database.db, other.code, pledgingCycle.id, 'accepted'), {
      target_code: 'PT1',
      title: unique('Other hotline'),
    });
    await makeUpdate(database.db, await makeReport(database.db, other.code, cycle.id, 'accepted'), otherPledge.id, { status: 'delayed' });
    const waiting = await makeCountry(database.db);
    const waitingPledge = await makeAction(database.db, await makeReport(database.db, waiting.code, pledgingCycle.id, 'accepted'));
    const submitted = await makeUpdate(database.db, await makeReport(database.db, waiting.code, cycle.id, 'submitted'), waitingPledge.id);

    const response = await request(app).get(`/cycles/${cycle.slug}/report`);
    expect(response.status).toBe(200);
    const $ = cheerio.load(response.text);
    expect($('#figures').text()).toMatch(/3\s*progress updates/);
    // Pledged in this cycle, then completed, in progress, delayed, not started.
    const counts = (name: string) =>
      $('#target-PT1 tbody tr')
        .filter((_, row) => $(row).find('th').text() === name)
        .find('td')
        .map((_, cell) => $(cell).text())
        .get();
    expect(counts(member.name)).toEqual(['0', '1', '1', '0', '0']);
    expect(counts(other.name)).toEqual(['0', '0', '0', '1', '0']);
    expect(
      $('#target-PT1 tfoot td')
        .map((_, cell) => $(cell).text())
        .get(),
    ).toEqual(['0', '1', '1', '1', '0']);
    const listed = (name: string) =>
      $('#target-PT1 .compiled-list li')
        .filter((_, item) => $(item).text().includes(`— ${name}:`))
        .find('strong')
        .map((_, title) => $(title).text())
        .get();
    expect(listed(member.name)).toEqual([first.title, second.title]);
    expect(listed(other.name)).toEqual([otherPledge.title]);
    expect($(`#member-${other.code} .compiled-action__title strong`).text()).toBe(otherPledge.title);
    const section = $(`#member-${member.code}`);
    expect(
      section
        .find('.compiled-action__title strong')
        .map((_, title) => $(title).text())
        .get(),
    ).toEqual([first.title, second.title]);
    expect(section.text()).toContain(later.narrative);
    expect(section.text()).toContain('40%');
    expect(section.find('li').text()).toBe(`${dropped.title}: Merged into PT1`);
    expect(section.find('tbody tr').text()).toContain('1,234.5');
    expect(section.find('tbody tr').text()).toContain(indicator.note);
    expect(response.text).not.toContain(submitted.narrative);
    expect($(`#member-${waiting.code}`)).toHaveLength(0);
  });

  it('answers a query string a page does not read with a redirect to its canonical address, so it cannot defeat the cache', async () => {
    const cases: Array<[string, string]> = [
      ['/?r=12345', '/'],
      ['/?sort=name&region=Europe', '/?region=Europe'],
      ['/countries?sort=name&region=Europe', '/countries?region=Europe&sort=name'],
      ['/actions?page=2&q=hotline', '/actions?q=hotline&page=2'],
      ['/actions?q=hotline&page=1', '/actions?q=hotline'],
      ['/?region=Europe&region=Africa', '/'],
      ['/?region=&eu=&target=PT2&status=&sort=', '/?target=PT2'],
      ['/actions?q=hotline&utm_source=mail', '/actions?q=hotline'],
      ['/actions?q=hot%E2%80%AEline%E2%81%A6', '/actions?q=hotline'],
      ['/actions?q=', '/actions'],
      ['/countries?page=2', '/countries'],
      ['/countries?region=Mars', '/countries'],
      ['/countries/FR?x', '/countries/FR'],
      ['/countries/fr?x=1', '/countries/FR?x=1'],
      ['/targets/PT1?print=1', '/targets/PT1'],
      ['/cycles/2014-progress/report?v=2', '/cycles/2014-progress/report'],
      ['/map.svg?cachebuster=1', '/map.svg'],
    ];
    for (const [url, location] of cases) {
      const response = await request(app).get(url);
      expect({ url, status: response.status, location: response.headers.location }).toEqual({ url, status: 301, location });
    }
    for (const url of ['/', '/?region=Europe', '/countries?region=Europe&sort=name', '/actions?q=hotline', '/countries/FR'])
      expect((await request(app).get(url)).status).toBe(200);
  });

  it('lists the four policy targets with their goals at /targets, linked from the navigation', async () => {
    const response = await request(app).get('/targets');
    expect(response.status).toBe(200);
    const $ = cheerio.load(response.text);
    expect(
      $('main h2 a')
        .map((_, link) => $(link).attr('href'))
        .get(),
    ).toEqual(['/targets/PT1', '/targets/PT2', '/targets/PT3', '/targets/PT4']);
    expect($('main').text()).toContain('1.1');
    expect($('.govuk-service-navigation a[href="/targets"]')).toHaveLength(1);
  });

  it('searches newest pledge first and, for a word more than 1,000 actions hold, shows the newest 1,000 on 50 pages', async () => {
    const country = await makeCountry(database.db);
    const report = await makeReport(database.db, country.code, (await makeCycle(database.db, { state: 'closed' })).id, 'accepted');
    const word = unique('Helpline').split(' ')[1]!.replace('-', 'x');
    const ids: number[] = (
      await database
        .db('actions')
        .insert(
          Array.from({ length: 1003 }, (_, n) => ({
            country_code: country.code,
            pledged_in_report_id: report.id,
            target_code: 'PT2',
            title: `Action ${n} on ${word}`,
            description: 'A description.',
            responsible_body: 'Ministry of Justice',
            due_on: '2031-12-31',
          })),
        )
        .returning('id')
    ).map((row: { id: number }) => row.id);
    const newest = [...ids].sort((a, b) => b - a);

    const first = cheerio.load((await request(app).get(`/actions?q=${word}`)).text);
    expect(first('#result-count').text()).toBe(
      `More than 1,000 published actions match “${word}”: the newest 1,000 are shown. Add words to narrow the search. Newest pledges first. Showing 1 to 20.`,
    );
    const linked = (page: cheerio.CheerioAPI) =>
      page('.action__title a')
        .map((_, link) => Number(page(link).attr('href')!.split('/').pop()))
        .get();
    expect(linked(first)).toEqual(newest.slice(0, 20));
    const last = cheerio.load((await request(app).get(`/actions?q=${word}&page=50`)).text);
    expect(linked(last)).toEqual(newest.slice(980, 1000));
    expect(last('#result-count').text()).toContain('Showing 981 to 1,000.');
    expect((await request(app).get(`/actions?q=${word}&page=51`)).status).toBe(404);

    // A narrower search is counted exactly; French writes the numbers its way.
    const narrow = cheerio.load((await request(app).get(`/actions?q=${word}+-Ministry`).set('Accept-Language', 'fr')).text);
    expect(narrow('#result-count').text()).toContain('0 action publiée');
    await database.db('actions').where({ id: newest[0] }).update({ responsible_body: 'Police' });
    const one = cheerio.load((await request(app).get(`/actions?q=${word}+Police`)).text);
    expect(linked(one)).toEqual([newest[0]]);
    expect(one('#result-count').text()).toBe(`1 published action matches “${word} Police”. Newest pledges first.`);
  });

  it('gives every published action a page with its history, says when it is past due and not completed, and hides unpublished ones', async () => {
    const country = await makeCountry(database.db);
    const commitments = await makeCycle(database.db, {
      state: 'closed',
      kind: 'commitments',
      opens_on: '2013-01-01',
      due_on: '2013-06-30',
      closes_on: '2013-12-31',
    });
    const progress = await makeCycle(database.db, {
      state: 'closed',
      kind: 'progress',
      opens_on: '2014-01-01',
      due_on: '2014-06-30',
      closes_on: '2014-12-31',
    });
    const pledging = await makeReport(database.db, country.code, commitments.id, 'accepted');
    const action = await makeAction(database.db, pledging, {
      target_code: 'PT3',
      goal_code: '3.1',
      title: unique('Train prosecutors'),
      due_on: '2014-06-30',
    });
    const update = await makeReport(database.db, country.code, progress.id, 'accepted');
    await makeUpdate(database.db, update, action.id, { status: 'in_progress', percent_complete: 40, narrative: 'Two courses held.' });
    const later = await makeCycle(database.db, { state: 'open', kind: 'progress' });
    const draft = await makeReport(database.db, country.code, later.id, 'draft');
    const unpublished = await makeAction(database.db, draft, { title: unique('Not published') });

    const response = await request(app).get(`/actions/${action.id}`);
    expect(response.status).toBe(200);
    const $ = cheerio.load(response.text);
    expect($('h1').text()).toBe(action.title);
    expect($('.summary').text()).toContain(country.name);
    expect($('.summary a[href="/targets/PT3"]')).toHaveLength(1);
    expect($('.govuk-inset-text').text()).toContain('Due 30 June 2014 — self-reported In progress.');
    expect($('tbody tr').text()).toContain('Two courses held.');
    expect($('tbody tr').text()).toContain('40%');

    expect((await request(app).get(`/actions/${unpublished.id}`)).status).toBe(404);
    expect((await request(app).get('/actions/abc')).status).toBe(404);
    expect((await request(app).get('/actions/99999999999')).status).toBe(404);
    const word = action.title.split(' ')[0]!;
    const search = cheerio.load((await request(app).get(`/actions?q=${encodeURIComponent(word)}`)).text);
    expect(search(`a[href="/actions/${action.id}"]`).text()).toBe(action.title);
    const member = cheerio.load((await request(app).get(`/countries/${country.code}`)).text);
    expect(member(`a[href="/actions/${action.id}"]`)).toHaveLength(1);

    // Withdrawn in an accepted report: still published, marked withdrawn with the reason, never "overdue".
    const dropped = await makeAction(database.db, pledging, {
      target_code: 'PT3',
      title: unique('Dropped campaign'),
      due_on: '2014-03-31',
    });
    await database
      .db('actions')
      .where({ id: dropped.id })
      .update({ withdrawn_in_report_id: update.id, withdrawal_reason: 'Merged into the national plan.' });
    const withdrawn = cheerio.load((await request(app).get(`/actions/${dropped.id}`)).text);
    expect(withdrawn('h1').text()).toBe(dropped.title);
    expect(withdrawn('.govuk-tag').first().text()).toBe('Withdrawn');
    expect(withdrawn('main').text()).toContain('Merged into the national plan.');
    expect(withdrawn('main').text()).not.toContain('self-reported');
  });
});
