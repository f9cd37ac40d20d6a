import request from 'supertest';
import { buildTestApp, servicesOf } from './helpers/app';
import { waitFor } from './helpers/wait';
import { useTestDatabase } from './helpers/database';
import { makeUser } from './helpers/factories';
import { enqueueMail } from '../src/mail/outbox';
import { signIn } from './helpers/session';

const TOKEN = 'metrics-token-for-the-tests-only';

describe('GET /metrics', () => {
  const database = useTestDatabase();

  it('is not served without a configured token, and wants that token as a bearer token', async () => {
    expect((await request(buildTestApp(database)).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).toBe(404);
    const app = buildTestApp(database, { metricsToken: TOKEN });
    const refused = await request(app).get('/metrics');
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expect(
      (
        await request(app)
          .get('/metrics')
          .set('Authorization', `Bearer ${TOKEN.slice(0, -1)}x`)
      ).status,
    ).toBe(401);
    expect((await request(app).get('/metrics').set('Authorization', TOKEN)).status).toBe(401);
  });

  it('times a kept page sent by the early path as the route public-cache', async () => {
    // An app that listens for the data version, as the server does: only then is a kept page sent early.
    const app = buildTestApp(database, { metricsToken: TOKEN, listen: true });
    await request(app).get('/cycles');
    await waitFor(() => servicesOf(app).publicPages.version.known() !== undefined, 5000, 10);
    await request(app).get('/targets');
    const early = await request(app).get('/targets');
    expect(early.status).toBe(200);
    const text = (await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text;
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="public-cache",status="200"\} [1-9]/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/targets",status="200"\} 1/);
  });

  it('reports request durations by route pattern and status, the page cache, the pool, the outbox and the process', async () => {
    const app = buildTestApp(database, { metricsToken: TOKEN });
    await request(app).get('/countries/FR');
    await request(app).get('/countries/FR');
    await request(app).get('/countries/DE');
    await request(app).get('/no-such-page');
    const staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
    await staff.get('/review');
    await enqueueMail(database.db, {
      kind: 'invitation',
      to: 'metrics@example.org',
      userId: null,
      language: 'en',
      params: { name: 'M', link: 'https://tracker.example.test/invitations/x', days: 7 },
    });

    const response = await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers['cache-control']).toBe('no-store');
    const text = response.text;
    // One series for both members' pages: the route pattern, never the address.
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/countries\/:code",status="200"\} [1-9]/);
    expect(text).not.toContain('route="/countries/FR"');
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/review",status="200"\} 1/);
    expect(text).toMatch(/page_cache_lookups_total\{result="hit"\} [1-9]/);
    expect(text).toMatch(/page_cache_lookups_total\{result="miss"\} [1-9]/);
    expect(text).toMatch(/page_cache_bytes\{cache="pages"\} [1-9]\d*/);
    expect(text).toMatch(/page_cache_entries\{cache="contents"\} [1-9]/);
    expect(text).toMatch(/db_pool_connections\{state="used"\} \d+/);
    expect(text).toMatch(/outbox_waiting_messages [1-9]/);
    expect(text).toMatch(/outbox_oldest_waiting_seconds \d/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds \d/);
  });
});
