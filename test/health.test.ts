import request from 'supertest';
import { createDatabase } from '../src/db/knex';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';

describe('health endpoints', () => {
  const database = useTestDatabase();

  it('/healthz and /readyz answer ok while the database is reachable', async () => {
    const app = buildTestApp(database);
    const health = await request(app).get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { database: 'ok' } });
    expect(ready.headers['cache-control']).toBe('no-store');
  });

  describe('when the database is unreachable', () => {
    // Port 9 on loopback: nothing listens there, so connecting is refused at once.
    const unreachable = createDatabase('postgres://nobody@127.0.0.1:9/none', {
      poolMax: 2,
      acquireTimeoutMs: 1000,
      statementTimeoutMs: 1000,
    });
    const app = buildTestApp({ db: unreachable, url: 'postgres://nobody@127.0.0.1:9/none' });
    afterAll(() => unreachable.destroy());

    it('/readyz answers 503 while /healthz still answers 200', async () => {
      const ready = await request(app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', checks: { database: 'unreachable' } });
      expect((await request(app).get('/healthz')).status).toBe(200);
    });

    it('a public page answers a 503 page quickly, with a request id and no internals', async () => {
      const started = Date.now();
      const response = await request(app).get('/').set('X-Request-Id', 'trace-123');
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('30');
      expect(response.headers['x-request-id']).toBe('trace-123');
      expect(response.text).toContain('trace-123');
      expect(response.text).toContain('try again');
      expect(response.text).not.toMatch(/ECONNREFUSED|knex|at .*\.ts:\d+/);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  it('a page answers 503 within the acquire timeout when every pooled connection is busy', async () => {
    const tiny = createDatabase(database.url, { poolMax: 1, acquireTimeoutMs: 500, statementTimeoutMs: 5000 });
    const app = buildTestApp({ db: tiny, url: database.url });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Hold the only connection in an open transaction until the request has been answered.
    const holder = tiny.transaction(async (trx) => {
      await trx.raw('select 1');
      await held;
    });
    try {
      const started = Date.now();
      const response = await request(app).get('/countries');
      expect(response.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      release();
      await holder;
      await tiny.destroy();
    }
  });
});
