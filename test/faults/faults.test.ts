import http from 'node:http';
import { sleep, waitFor } from '../helpers/wait';
import { Client, makeDelegates, startApp, startCluster, tokenIn, versionIn, type Cluster } from './harness';

const TARGETS = ['PT1', 'PT2', 'PT3', 'PT4'];

const readyz = async (url: string) => (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(8000) })).status;

/**
 * Every report must be whole: its four baseline entries written by the same save, its
 * version equal to the number of audited edits (+1 once submitted), and a submitted
 * report must have its frozen version and its audit row.
 */
async function expectReportsWhole(cluster: Cluster, cycle: string) {
  const reports = await cluster
    .db('reports as r')
    .join('cycles as c', 'c.id', 'r.cycle_id')
    .where('c.slug', cycle)
    .select('r.id', 'r.state', 'r.version', 'r.country_code');
  for (const report of reports) {
    const markers = await cluster.db('stocktaking_entries').where({ report_id: report.id }).pluck('existing_measures');
    expect(new Set(markers.map((marker: string) => marker.replace(/ PT\d$/, ''))).size).toBeLessThanOrEqual(1);
    if (markers.length) expect(markers).toHaveLength(4);
    const edits = await cluster
      .db('audit_events')
      .whereRaw("(details ->> 'report_id')::int = ?", [report.id])
      .whereNot('verb', 'report.submitted')
      .count<{ count: number }[]>('* as count')
      .first();
    const submitted = await cluster
      .db('audit_events')
      .where({ verb: 'report.submitted', entity_id: String(report.id) })
      .count<{ count: number }[]>('* as count')
      .first();
    const frozen = await cluster.db('report_submissions').where({ report_id: report.id }).count<{ count: number }[]>('* as count').first();
    expect({ report: report.id, version: report.version }).toEqual({
      report: report.id,
      version: edits!.count + submitted!.count,
    });
    expect(frozen!.count).toBe(submitted!.count);
    expect(report.state === 'submitted').toBe(submitted!.count === 1);
  }
  return reports;
}

/** One delegate saving the baseline again and again, and submitting once it is complete. */
async function delegateLoop(
  base: string,
  email: string,
  code: string,
  cycle: string,
  stop: () => boolean,
  acknowledged: Map<string, number>,
) {
  const client = new Client(base);
  await client.signIn(email);
  // A section page: its form carries the CSRF token and the report version; once the report
  // is locked (submitted) it redirects to the report's page.
  const edit = `/reports/${code}/${cycle}/about`;
  for (let round = 1; !stop(); round += 1) {
    try {
      const page = await client.request(edit);
      if (page.status === 303) return;
      const form: Record<string, string> = { _csrf: tokenIn(page.text), version: String(versionIn(page.text)) };
      for (const target of TARGETS) {
        form[`baseline[${target}][existing]`] = `${code}-${round} ${target}`;
        if (target !== 'PT1') form[`baseline[${target}][no_action_reason]`] = 'Covered';
      }
      const saved = await client.request(`/reports/${code}/${cycle}/baseline`, { form });
      if (saved.status === 303) acknowledged.set(code, round);
      if (round === 3) {
        const again = await client.request(edit);
        await client.request(`/reports/${code}/${cycle}/actions`, {
          form: { _csrf: tokenIn(again.text), version: String(versionIn(again.text)), title: `Action ${code}`, target: 'PT1' },
        });
        const about = await client.request(edit);
        await client.request(edit, { form: { _csrf: tokenIn(about.text), version: String(versionIn(about.text)), text_language: 'en' } });
      }
      if (round === 6) {
        const again = await client.request(edit);
        await client.request(`/reports/${code}/${cycle}/submit`, {
          form: { _csrf: tokenIn(again.text), version: String(versionIn(again.text)), declaration: 'yes' },
        });
      }
    } catch {
      return; // the server went away
    }
  }
}

describe('faults', () => {
  let cluster: Cluster;
  beforeEach(async () => {
    cluster = await startCluster();
  });
  afterEach(async () => {
    await cluster.destroy();
  });

  it('the app killed (SIGKILL) while delegates save and submit: after a restart every report is whole and every acknowledged save is there', async () => {
    const { cycle, delegates } = await makeDelegates(cluster.db, 12);
    const app = await startApp(cluster.url);
    const acknowledged = new Map<string, number>();
    let stopped = false;
    const loops = delegates.map((delegate) => delegateLoop(app.url, delegate.email, delegate.code, cycle, () => stopped, acknowledged));
    await sleep(2500);
    app.child.kill('SIGKILL');
    stopped = true;
    await Promise.all(loops);
    await app.exited;
    expect(acknowledged.size).toBeGreaterThan(0);

    const restarted = await startApp(cluster.url);
    try {
      expect(await readyz(restarted.url)).toBe(200);
      await expectReportsWhole(cluster, cycle);
      for (const [code, round] of acknowledged) {
        const marker: string = (
          await cluster
            .db('stocktaking_entries as s')
            .join('reports as r', 'r.id', 's.report_id')
            .join('cycles as c', 'c.id', 'r.cycle_id')
            .where({ 'c.slug': cycle, 'r.country_code': code, 's.target_code': 'PT1' })
            .first('s.existing_measures')
        ).existing_measures;
        expect(Number(/-(\d+) PT1$/.exec(marker)![1])).toBeGreaterThanOrEqual(round);
      }
    } finally {
      restarted.child.kill('SIGKILL');
    }
  });

  it('SIGTERM under load: requests in flight complete, new ones are refused, the process exits within 10 s, nothing half-written', async () => {
    const { cycle, delegates } = await makeDelegates(cluster.db, 8);
    const app = await startApp(cluster.url);
    const acknowledged = new Map<string, number>();
    let stopped = false;
    const statuses: number[] = [];
    const readers = Array.from({ length: 4 }, async () => {
      while (!stopped) {
        try {
          statuses.push((await fetch(`${app.url}/`, { signal: AbortSignal.timeout(10_000) })).status);
        } catch {
          return; // refused: the server no longer accepts connections
        }
      }
    });
    const loops = delegates.map((delegate) => delegateLoop(app.url, delegate.email, delegate.code, cycle, () => stopped, acknowledged));
    await sleep(1500);
    // A slow request in flight when the signal comes.
    const inFlight = new Promise<number>((resolve, reject) => {
      http
        .get(`${app.url}/open-data/updates.json`, { agent: false }, (response) => {
          response.resume();
          response.on('end', () => {
            resolve(response.statusCode!);
          });
        })
        .on('error', reject);
    });
    await sleep(20);
    const signalled = Date.now();
    app.child.kill('SIGTERM');
    const code = await app.exited;
    const exitMs = Date.now() - signalled;
    stopped = true;
    await Promise.all([...loops, ...readers]);

    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(10_000);
    expect(await inFlight).toBe(200);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
    await expectReportsWhole(cluster, cycle);
  });

  it('database connections terminated, then the database restarted: the app survives, /readyz goes red and green again, requests succeed without restarting the app', async () => {
    const app = await startApp(cluster.url);
    try {
      expect(await readyz(app.url)).toBe(200);
      expect((await fetch(`${app.url}/countries`)).status).toBe(200);

      await cluster.db.raw(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'alliance-tracker%' and pid <> pg_backend_pid()",
      );
      await waitFor(async () => (await readyz(app.url)) === 200 && (await fetch(`${app.url}/countries`)).status === 200, 5000);

      await cluster.db.destroy();
      await cluster.stop();
      await waitFor(async () => (await readyz(app.url)) === 503, 8000);
      expect((await fetch(`${app.url}/countries`)).status).toBe(503);
      expect(app.child.exitCode).toBeNull();

      await cluster.start();
      const recovered = await waitFor(async () => (await readyz(app.url)) === 200, 15_000);
      expect(recovered).toBeLessThan(15_000);
      expect((await fetch(`${app.url}/countries`)).status).toBe(200);
    } finally {
      app.child.kill('SIGKILL');
    }
  });

  it('a hung database (SIGSTOP): requests fail within a few seconds with a 503 page instead of hanging, and recover after SIGCONT', async () => {
    const app = await startApp(cluster.url, { DATABASE_STATEMENT_TIMEOUT_MS: '2000', DATABASE_ACQUIRE_TIMEOUT_MS: '2000' });
    try {
      expect((await fetch(`${app.url}/countries`)).status).toBe(200);
      cluster.signal('SIGSTOP');
      try {
        const started = Date.now();
        // Searches nobody made before are not cached yet: each needs the database.
        const responses = await Promise.all(
          [1, 2, 3, 4, 5, 6].map((n) => fetch(`${app.url}/actions?q=hung-${n}`, { signal: AbortSignal.timeout(15_000) })),
        );
        const elapsed = Date.now() - started;
        expect(responses.map((response) => response.status)).toEqual([503, 503, 503, 503, 503, 503]);
        expect(await responses[0]!.text()).toContain('try again');
        expect(elapsed).toBeLessThan(8000);
        expect(await readyz(app.url)).toBe(503);
      } finally {
        cluster.signal('SIGCONT');
      }
      await waitFor(async () => (await fetch(`${app.url}/countries`)).status === 200, 15_000);
    } finally {
      app.child.kill('SIGKILL');
    }
  });
});
