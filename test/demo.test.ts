import * as cheerio from 'cheerio';
import request from 'supertest';
import { loadDemoData, PRACTICE_CYCLE } from '../src/demo/load-demo';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeUser } from './helpers/factories';
import { signIn } from './helpers/session';

describe('demo data', () => {
  const database = useTestDatabase();

  it('fills the public pages, keeps unaccepted reports out of them, and loads only once', async () => {
    const filled = await loadDemoData(database.db);
    expect(filled.length).toBeGreaterThanOrEqual(8);
    const app = buildTestApp(database);

    const overview = cheerio.load((await request(app).get('/')).text);
    expect(Number(overview('.figure__number').eq(2).text())).toBeGreaterThan(30);
    const france = cheerio.load((await request(app).get('/countries/FR')).text);
    expect(france('.action').length).toBeGreaterThan(5);
    expect(france('.baseline').first().text()).toContain('[Demo]');
    expect(france('#indicators')).toHaveLength(1);
    for (const url of ['/targets/PT1', '/targets/PT2', '/targets/PT3', '/targets/PT4']) {
      expect(cheerio.load((await request(app).get(url)).text)('.action').length).toBeGreaterThan(3);
    }
    // Romania's commitments are only submitted, Moldova's a draft: nothing public.
    for (const code of ['RO', 'MD']) {
      expect((await request(app).get(`/countries/${code}`)).text).toContain('has no published report yet');
    }

    // A delegate can start at once: the practice cycle is open, with France's earlier pledges carried into it.
    const practice = await database.db('cycles').where({ slug: PRACTICE_CYCLE }).first();
    expect(practice).toMatchObject({ state: 'open', kind: 'progress' });
    const delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: 'FR' })).email);
    const reports = cheerio.load((await delegate.get('/reports')).text);
    expect(reports(`a[href="/reports/FR/${PRACTICE_CYCLE}"]`)).toHaveLength(1);
    const edit = cheerio.load((await delegate.get(`/reports/FR/${PRACTICE_CYCLE}/progress`)).text);
    expect(edit('#lock-reason')).toHaveLength(0);
    // Open pledges start from the 2014 report; those completed there are listed as closed.
    expect(edit('[id^="updates-a"][id$="-status"]').length).toBeGreaterThanOrEqual(5);
    expect(edit('.govuk-summary-list__row[id^="carried-"]').length).toBeGreaterThanOrEqual(1);

    expect(await loadDemoData(database.db)).toEqual([]);
    expect(await database.db('cycles').where({ slug: PRACTICE_CYCLE })).toHaveLength(1);
    expect(await database.db('reports').whereIn('country_code', filled).count<{ count: number }[]>('* as count').first()).toEqual({
      count: 18,
    });
  });
});
