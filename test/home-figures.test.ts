import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { loadDemoData } from '../src/demo/load-demo';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';

// The home page's key figures follow its filters, and say the same as the open data: a
// reader who downloads actions.json and members.json and filters them gets these numbers.

type OpenAction = { country_code: string; target_code: string; latest_status: string | null; withdrawn_in_cycle: string | null };
type OpenMember = { country_code: string; region: string; eu_member: boolean; left_on: string | null };

describe('the home page’s figures', () => {
  const database = useTestDatabase();
  let app: Express;
  beforeAll(async () => {
    await loadDemoData(database.db);
    app = buildTestApp(database);
  });

  async function openData() {
    const actions = (await request(app).get('/open-data/actions.json')).body as OpenAction[];
    const members = (await request(app).get('/open-data/members.json')).body as OpenMember[];
    return { actions, members };
  }

  /** The figures computed from the open data, by the rule the page states. */
  function expected(
    data: Awaited<ReturnType<typeof openData>>,
    filters: { region?: string; eu?: 'yes' | 'no'; target?: string; status?: string },
  ) {
    // Withdrawn once a report withdrawing it is accepted; no status before a first accepted update.
    const status = (action: OpenAction) => (action.withdrawn_in_cycle ? 'withdrawn' : (action.latest_status ?? 'not_reported'));
    const inGroup = data.members.filter(
      (member) => (!filters.region || member.region === filters.region) && (!filters.eu || member.eu_member === (filters.eu === 'yes')),
    );
    const matching = data.actions.filter(
      (action) =>
        (!filters.target || action.target_code === filters.target) &&
        (filters.status ? status(action) === filters.status : status(action) !== 'withdrawn'),
    );
    const members = inGroup.filter(
      (member) => (!filters.target && !filters.status) || matching.some((action) => action.country_code === member.country_code),
    );
    const codes = new Set(members.map((member) => member.country_code));
    const actions = matching.filter((action) => codes.has(action.country_code));
    const completed = actions.filter((action) => status(action) === 'completed').length;
    return {
      members: members.filter((member) => member.left_on === null).length,
      actions: actions.length,
      completedPercent: actions.length ? Math.round((completed / actions.length) * 100) : 0,
    };
  }

  it.each([
    ['no filter', {}],
    ['European members, under PT2', { region: 'Europe', target: 'PT2' }],
    ['EU members with a delayed action', { eu: 'yes' as const, status: 'delayed' }],
    ['members outside the EU, completed actions under PT4', { eu: 'no' as const, target: 'PT4', status: 'completed' }],
  ])('match the open data: %s', async (_name, filters) => {
    const query = new URLSearchParams(filters).toString();
    const $ = cheerio.load((await request(app).get(query ? `/?${query}` : '/')).text);
    const figure = (id: string) => Number($(`#${id} .figure__number`).text().replace(/[^\d]/g, ''));
    const want = expected(await openData(), filters);
    expect({ members: figure('figure-members'), actions: figure('figure-actions'), completedPercent: figure('figure-completed') }).toEqual(
      want,
    );
    // The page says which filters are on, and each can be removed on its own.
    expect($('#filters-on li').length).toBe(Object.keys(filters).length ? Object.keys(filters).length + 1 : 0);
    // Progress by target adds up to the same actions.
    const byTarget = $('section[aria-labelledby="by-target"] tbody tr')
      .map((_, row) => Number($(row).find('td').first().text()))
      .get()
      .reduce((sum, count) => sum + count, 0);
    expect(byTarget).toBe(want.actions);
  });
});
