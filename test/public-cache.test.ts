import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Express } from 'express';
import request from 'supertest';
import { createDataVersion, type DataVersion } from '../src/db/data-version';
import { createPageCache, oneRenderPerKey } from '../src/public/page-cache';
import { createPublicQueries } from '../src/public/queries';
import { buildTestApp, servicesOf } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeAction, makeCountry, makeCycle, makeIndicatorValue, makeReport, makeUpdate, makeUser } from './helpers/factories';
import { signIn } from './helpers/session';
import { waitFor } from './helpers/wait';

// The public data version learnt from LISTEN/NOTIFY, and the early path that serves cached
// public pages with it. Other test files read the version per request (buildTestApp's
// default); here the apps listen, as the real server does.

describe('the public data version, known from notifications', () => {
  const database = useTestDatabase();
  let version: DataVersion;
  const stored = async () => Number((await database.db('public_data_version').first('version'))!.version);
  const listeners = async () =>
    Number(
      (
        await database.db.raw(
          "select count(*) as n from pg_stat_activity where datname = current_database() and application_name = 'alliance-tracker-listener'",
        )
      ).rows[0].n,
    );

  beforeEach(() => {
    version = createDataVersion({
      connectionString: database.url,
      read: () => createPublicQueries(database.db).dataVersion(),
      retryMs: 50,
    });
  });
  afterEach(() => version.close());

  it('is read from the database until a listening connection vouches for it, then follows every commit', async () => {
    expect(version.known()).toBeUndefined();
    expect(await version.current()).toBe(await stored());
    await waitFor(() => version.known() !== undefined, 5000, 10);
    expect(await listeners()).toBe(1);

    const before = version.known()!;
    await makeCountry(database.db);
    // Statement triggers move the version once per insert tried (makeCountry may retry a taken code).
    const after = await stored();
    expect(after).toBeGreaterThan(before);
    await waitFor(() => version.known() === after, 2000, 5);
  });

  it('forgets the version as soon as its connection is lost, and listens again (catching up on what it missed)', async () => {
    await version.current();
    await waitFor(() => version.known() !== undefined, 5000, 10);
    await database.db.raw(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'alliance-tracker-listener'",
    );
    await waitFor(() => version.known() === undefined, 2000, 5);
    // Changed while nobody listened: the reconnected listener must still know it.
    await makeCountry(database.db);
    expect(await version.current()).toBe(await stored());
    await waitFor(() => version.known() !== undefined, 5000, 10);
    expect(version.known()).toBe(await stored());
  });

  it('closes its connection', async () => {
    await version.current();
    await waitFor(() => version.known() !== undefined, 5000, 10);
    await version.close();
    expect(version.known()).toBeUndefined();
    await waitFor(async () => (await listeners()) === 0, 2000, 20);
  });
});

describe('cached public pages served before sessions', () => {
  const database = useTestDatabase();

  const listening = async () => {
    const app = buildTestApp(database, { listen: true });
    await request(app).get('/cycles');
    await waitFor(() => servicesOf(app).publicPages.version.known() !== undefined, 5000, 10);
    return app;
  };
  /** Until the app has heard of every change committed so far (notifications arrive a moment after commit). */
  const settled = async (app: Express) => {
    const stored = Number((await database.db('public_data_version').first('version'))!.version);
    await waitFor(() => servicesOf(app).publicPages.version.known() === stored, 2000, 5);
  };

  it('sends a cached page with the same security and caching headers as a rendered one', async () => {
    const app = await listening();
    const url = `/countries/${(await makeCountry(database.db)).code}`;
    await settled(app);
    const rendered = await request(app).get(url);
    const cached = await request(app).get(url);
    expect(cached.status).toBe(200);
    expect(cached.text).toBe(rendered.text);
    for (const header of [
      'content-security-policy',
      'x-content-type-options',
      'referrer-policy',
      'cache-control',
      'etag',
      'content-type',
    ]) {
      expect([header, cached.headers[header]]).toEqual([header, rendered.headers[header]]);
    }
    expect(cached.headers['set-cookie']).toBeUndefined();
    expect((await request(app).get(url).set('If-None-Match', rendered.headers.etag!)).status).toBe(304);
    expect((await request(app).head(url)).status).toBe(200);
  });

  it('shows an acceptance made through another instance once the notification arrives, on every instance', async () => {
    const [instanceA, instanceB] = [await listening(), await listening()];
    const country = await makeCountry(database.db);
    const report = await makeReport(database.db, country.code, (await makeCycle(database.db)).id, 'submitted');
    const action = await makeAction(database.db, report);
    const url = `/countries/${country.code}`;
    const before = await request(instanceA).get(url);
    await request(instanceB).get(url);
    expect(before.text).not.toContain(action.title);

    await database.db('reports').where({ id: report.id }).update({ state: 'accepted', reviewed_at: new Date() });

    for (const instance of [instanceA, instanceB]) {
      await waitFor(async () => (await request(instance).get(url)).text.includes(action.title), 2000, 5);
      expect((await request(instance).get(url).set('If-None-Match', before.headers.etag!)).status).toBe(200);
    }
  });

  it('shows a correction made in SQL to what an accepted report says: a pledge, a progress update, an indicator value', async () => {
    const app = await listening();
    const country = await makeCountry(database.db);
    const report = await makeReport(database.db, country.code, (await makeCycle(database.db)).id, 'accepted');
    const action = await makeAction(database.db, report);
    const update = await makeUpdate(database.db, report, action.id);
    await makeIndicatorValue(database.db, report.id, 'victims_identified', 120);
    const [actionPage, memberPage] = [`/actions/${action.id}`, `/countries/${country.code}`];
    await settled(app);
    for (const url of [actionPage, memberPage]) await request(app).get(url);
    const kept = await request(app).get(actionPage);
    expect(kept.text).toContain(update.narrative);

    await database.db('actions').where({ id: action.id }).update({ title: 'Helpline for children, corrected' });
    await database.db('action_updates').where({ id: update.id }).update({ narrative: 'Narrative, corrected' });
    await database.db('indicator_values').where({ report_id: report.id }).update({ value: 4321 });
    await settled(app);

    const corrected = (await request(app).get(actionPage)).text;
    expect(corrected).toContain('Helpline for children, corrected');
    expect(corrected).toContain('Narrative, corrected');
    expect((await request(app).get(memberPage)).text).toContain('4,321');
  });

  it('never gives a signed-in user the anonymous copy', async () => {
    const app = await listening();
    await request(app).get('/');
    await request(app).get('/');
    const user = await makeUser(database.db, { role: 'secretariat' });
    const agent = await signIn(app, user.email);
    const page = await agent.get('/');
    expect(page.text).toContain(user.name);
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it("gives signed-in readers the anonymous page's content with their own name and form around it, and the new content after an acceptance", async () => {
    const app = await listening();
    const country = await makeCountry(database.db);
    const report = await makeReport(database.db, country.code, (await makeCycle(database.db)).id, 'submitted');
    const action = await makeAction(database.db, report);
    const url = `/countries/${country.code}`;
    const [first, second] = [await makeUser(database.db, { role: 'secretariat' }), await makeUser(database.db, { role: 'delegate' })];
    const main = (html: string) => /<main[^>]*>([\s\S]*)<\/main>/.exec(html)![1];
    const token = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];

    const firstPage = (await (await signIn(app, first.email)).get(url)).text;
    const secondAgent = await signIn(app, second.email);
    const secondPage = (await secondAgent.get(url)).text;
    const anonymous = (await request(app).get(url)).text;
    expect(secondPage).toContain(second.name);
    expect(secondPage).not.toContain(first.name);
    expect(token(secondPage)).not.toBe(token(firstPage));
    expect(main(secondPage)).toBe(main(anonymous));
    expect(main(firstPage)).toBe(main(anonymous));
    expect(anonymous).not.toContain(first.name);
    expect(anonymous).not.toContain('name="_csrf"');

    await database.db('reports').where({ id: report.id }).update({ state: 'accepted', reviewed_at: new Date() });
    await settled(app);
    expect((await secondAgent.get(url)).text).toContain(action.title);
  });

  it('sends the page gzipped to a browser that accepts it and plain to one that does not, with a length that matches', async () => {
    const app = await listening();
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const raw = (method: string, encoding?: string) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const request = http.request(
          { host: '127.0.0.1', port, path: '/cycles', method, headers: encoding ? { 'accept-encoding': encoding } : {} },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) });
            });
          },
        );
        request.on('error', reject).end();
      });
    try {
      await raw('GET'); // rendered and cached
      const plain = await raw('GET');
      const gzipped = await raw('GET', 'gzip, deflate, br');
      const refused = await raw('GET', 'gzip;q=0, identity');
      const head = await raw('HEAD', 'gzip');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(Number(gzipped.headers['content-length'])).toBe(gzipped.body.length);
      expect(gzipped.body.length).toBeLessThan(plain.body.length / 2);
      expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
      expect(refused.headers['content-encoding']).toBeUndefined();
      expect(gzipped.headers.vary).toBe('Accept-Encoding, Accept-Language, Cookie');
      expect([head.status, head.body.length, head.headers['content-length']]).toEqual([200, 0, gzipped.headers['content-length']]);
    } finally {
      server.close();
    }
  });
});

describe('the page cache under a memory budget, and renders shared', () => {
  const kept = (version: number, size: number) => ({ version, size });

  it('keeps no more bytes than its budget, dropping the least recently used; a page bigger than the whole budget is not kept', () => {
    const cache = createPageCache<{ version: number; size: number }>(10, { maxBytes: 100, sizeOf: (entry) => entry.size });
    cache.set('a', kept(1, 40));
    cache.set('b', kept(1, 40));
    expect(cache.get('a', 1)).toBeDefined();
    cache.set('c', kept(1, 40));
    expect([cache.get('a', 1), cache.get('b', 1), cache.get('c', 1)].map(Boolean)).toEqual([true, false, true]);
    expect(cache.size()).toEqual({ entries: 2, bytes: 80 });
    cache.set('huge', kept(1, 101));
    expect(cache.get('huge', 1)).toBeUndefined();
    expect(cache.size()).toEqual({ entries: 2, bytes: 80 });
    // Kept again under the same key, it counts once.
    cache.set('a', kept(2, 10));
    expect(cache.size()).toEqual({ entries: 2, bytes: 50 });
  });

  it('renders once for everyone asking for the same key meanwhile, and again once that render is over, failed or not', async () => {
    const once = oneRenderPerKey<string>();
    let renders = 0;
    const render =
      (result: string, fail = false) =>
      async () => {
        renders++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (fail) throw new Error(result);
        return result;
      };
    expect(await Promise.all([once('k', render('first')), once('k', render('second')), once('other', render('other'))])).toEqual([
      'first',
      'first',
      'other',
    ]);
    expect(renders).toBe(2);
    const failing = [once('k', render('broken', true)), once('k', render('unused'))];
    await expect(Promise.all(failing)).rejects.toThrow('broken');
    await Promise.allSettled(failing);
    expect(await once('k', render('again'))).toBe('again');
    expect(renders).toBe(4);
  });

  describe('in the app', () => {
    const database = useTestDatabase();

    it('readers arriving together at a page not kept yet, signed in or not, cost one render (with PAGE_CACHE_ENTRIES=0, one each)', async () => {
      const cycle = await makeCycle(database.db, { kind: 'progress', state: 'closed' });
      const user = await makeUser(database.db, { role: 'secretariat' });
      const url = `/cycles/${cycle.slug}/report`;
      for (const [pageCacheEntries, renders] of [
        [500, 1],
        [0, 9],
      ] as const) {
        const app = buildTestApp(database, { pageCacheEntries });
        const reader = await signIn(app, user.email);
        const render = jest.spyOn(servicesOf(app).publicPages, 'compiledReport');
        const answers = await Promise.all([
          ...Array.from({ length: 6 }, () => request(app).get(url)),
          ...Array.from({ length: 3 }, () => reader.get(url)),
        ]);
        expect(answers.map((answer) => answer.status)).toEqual(Array(9).fill(200));
        expect(new Set(answers.slice(0, 6).map((answer) => answer.text)).size).toBe(1);
        expect(answers.slice(6).every((answer) => answer.text.includes(user.name))).toBe(true);
        expect([pageCacheEntries, render.mock.calls.length]).toEqual([pageCacheEntries, renders]);
      }
    });

    it('renders compiled reports two at a time, the others waiting their turn, while other pages are not held up', async () => {
      const app = buildTestApp(database);
      const cycles = await Promise.all(Array.from({ length: 6 }, () => makeCycle(database.db, { kind: 'progress', state: 'closed' })));
      const country = await makeCountry(database.db);
      const service = servicesOf(app).publicPages;
      const read = service.compiledReport.bind(service);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let rendering = 0;
      let most = 0;
      jest.spyOn(service, 'compiledReport').mockImplementation(async (...args) => {
        most = Math.max(most, ++rendering);
        try {
          await released;
          return await read(...args);
        } finally {
          rendering--;
        }
      });
      const reports = Promise.all(cycles.map((cycle) => request(app).get(`/cycles/${cycle.slug}/report`)));
      try {
        await waitFor(() => rendering >= 2, 2000, 5);
        // Reports held up: a member's page still renders at once.
        expect((await request(app).get(`/countries/${country.code}`)).status).toBe(200);
      } finally {
        release();
      }
      const answers = await reports;
      expect(answers.map((answer, index) => [answer.status, answer.text.includes(cycles[index]!.title)])).toEqual(
        Array(6).fill([200, true]),
      );
      expect(most).toBe(2);
    });

    it('a page bigger than PAGE_CACHE_MB is sent whole but rendered for every reader; one within it, once', async () => {
      const cycle = await makeCycle(database.db, { kind: 'progress', state: 'closed' });
      const url = `/cycles/${cycle.slug}/report`;
      for (const [pageCacheBytes, renders] of [
        [1, 2],
        [1024 * 1024, 1],
      ] as const) {
        const app = buildTestApp(database, { pageCacheBytes });
        const render = jest.spyOn(servicesOf(app).publicPages, 'compiledReport');
        for (let round = 0; round < 2; round++) expect((await request(app).get(url)).text).toContain(cycle.title);
        expect([pageCacheBytes, render.mock.calls.length]).toEqual([pageCacheBytes, renders]);
      }
    });
  });
});
