import * as cheerio from 'cheerio';
import request from 'supertest';
import { loadDemoData } from '../src/demo/load-demo';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';

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

    expect(await loadDemoData(database.db)).toEqual([]);
    expect(await database.db('reports').whereIn('country_code', filled).count<{ count: number }[]>('* as count').first()).toEqual({
      count: 18,
    });
  });
});
