import { hashPassword } from '../src/auth/passwords';
import { loadDemoData } from '../src/demo/load-demo';
import { nginxAvailable, startNginx } from './nginx';
import { argument, runBench, startApp, type AppProcess } from './support';

// npm run bench:load [-- --seconds 20 --delegates 200 --readers 50 --instances 2]
// On loopback only, bounded in time: delegates (one per country and cycle) save drafts and
// submit, while readers load public pages and the secretariat exports. Afterwards every
// acknowledged save is checked against the database, row by row. With nginx installed, the
// app runs as several instances behind it (least connections, no sticky sessions), the result is
// reported per instance, and a report accepted through the proxy must show on every
// instance's cached public page.

const seconds = argument('seconds', 20);
const delegateCount = argument('delegates', 200);
const readerCount = argument('readers', 50);
const instanceCount = nginxAvailable() ? argument('instances', 2) : 1;
/** Connections to PostgreSQL in all: shared between the instances. */
const POOL_IN_ALL = 20;
const PASSWORD = 'load test passphrase';
const TARGETS = ['PT1', 'PT2', 'PT3', 'PT4'];

class Session {
  private cookie = '';
  constructor(private readonly base: string) {}
  async send(path: string, form?: Record<string, string>): Promise<{ status: number; text: string }> {
    const response = await fetch(`${this.base}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: this.cookie, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    const set = response.headers.getSetCookie().map((value) => value.split(';')[0]!);
    if (set.length) this.cookie = set.join('; ');
    return { status: response.status, text: await response.text() };
  }
  async signIn(email: string) {
    const form = await this.send('/login');
    const done = await this.send('/login', { email, password: PASSWORD, _csrf: tokenIn(form.text) });
    if (done.status !== 303) throw new Error(`sign-in failed for ${email}: ${done.status}`);
  }
}

const tokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const versionIn = (html: string) => /name="version" value="(\d+)"/.exec(html)?.[1] ?? '0';
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] ?? 0;

runBench(async (scratch, db) => {
  await loadDemoData(db);
  const countries: string[] = await db('countries').orderBy('code').pluck('code');
  const cyclesNeeded = Math.ceil(delegateCount / countries.length);
  const cycles: string[] = [];
  for (let index = 1; index <= cyclesNeeded; index += 1) {
    cycles.push(`load-${index}`);
    await db('cycles').insert({
      slug: `load-${index}`,
      title: `Load cycle ${index}`,
      kind: 'commitments',
      opens_on: `${2040 + index}-01-01`,
      due_on: `${2040 + index}-06-30`,
      closes_on: `${2040 + index}-12-31`,
      state: 'open',
    });
  }
  const hash = await hashPassword(PASSWORD);
  await db('users').insert(
    countries.map((code) => ({
      email: `load-${code.toLowerCase()}@example.org`,
      name: `Delegate ${code}`,
      role: 'delegate',
      country_code: code,
      password_hash: hash,
    })),
  );
  await db('users').insert({ email: 'load-staff@example.org', name: 'Staff', role: 'secretariat', password_hash: hash });
  const workers = Array.from({ length: delegateCount }, (_, index) => ({
    code: countries[index % countries.length]!,
    cycle: cycles[Math.floor(index / countries.length)]!,
  }));

  const instances: AppProcess[] = [];
  for (let index = 0; index < instanceCount; index++)
    instances.push(await startApp(scratch.url, { DATABASE_POOL_MAX: String(POOL_IN_ALL / instanceCount), TRUST_PROXY: '1' }));
  const proxy = instanceCount > 1 ? await startNginx(instances.map((instance) => instance.url)) : undefined;
  const app = { url: proxy?.url ?? instances[0]!.url };
  const statuses = new Map<number, number>();
  const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const saveLatencies: number[] = [];
  const acknowledged = new Map<string, { marker: number; saves: number }>();
  let requests = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  try {
    const delegates = workers.map(async ({ code, cycle }) => {
      const session = new Session(app.url);
      await session.signIn(`load-${code.toLowerCase()}@example.org`);
      const key = `${code}/${cycle}`;
      // A section page of the workspace: its form carries the CSRF token and the report version.
      const edit = `/reports/${code}/${cycle}/about`;
      let saves = 0;
      for (let round = 1; Date.now() < deadline; round += 1) {
        const page = await session.send(edit);
        count(page.status);
        requests += 1;
        const form: Record<string, string> = { _csrf: tokenIn(page.text), version: versionIn(page.text) };
        for (const target of TARGETS) {
          form[`baseline[${target}][existing]`] = `${key} round ${round} ${target}`;
          if (target !== 'PT1') form[`baseline[${target}][no_action_reason]`] = 'Covered by the national strategy';
        }
        const before = performance.now();
        const saved = await session.send(`/reports/${code}/${cycle}/baseline`, form);
        saveLatencies.push(performance.now() - before);
        count(saved.status);
        requests += 1;
        if (saved.status === 303) acknowledged.set(key, { marker: round, saves: ++saves });
      }
      // Pledge an action and submit, once, at the end.
      const page = await session.send(edit);
      const added = await session.send(`/reports/${code}/${cycle}/actions`, {
        _csrf: tokenIn(page.text),
        version: versionIn(page.text),
        title: `Action of ${key}`,
        target: 'PT1',
      });
      count(added.status);
      const about = await session.send(edit);
      const language = await session.send(edit, { _csrf: tokenIn(about.text), version: versionIn(about.text), text_language: 'en' });
      count(language.status);
      const again = await session.send(edit);
      const submitted = await session.send(`/reports/${code}/${cycle}/submit`, {
        _csrf: tokenIn(again.text),
        version: versionIn(again.text),
        declaration: 'yes',
      });
      count(submitted.status);
      requests += 6;
      return { key, submitted: submitted.status === 303 };
    });
    const publicPages = [
      '/',
      '/countries',
      '/countries/FR',
      '/countries/DE',
      '/targets/PT1',
      '/targets/PT3',
      '/cycles/2014-progress',
      '/open-data/actions.json',
    ];
    const readers = Array.from({ length: readerCount }, async (_, index) => {
      for (let round = 0; Date.now() < deadline; round += 1) {
        const response = await fetch(`${app.url}${publicPages[(index + round) % publicPages.length]}`, {
          signal: AbortSignal.timeout(30_000),
        });
        await response.arrayBuffer();
        count(response.status);
        requests += 1;
      }
    });
    const exporter = (async () => {
      const staff = new Session(app.url);
      await staff.signIn('load-staff@example.org');
      while (Date.now() < deadline) {
        count((await staff.send('/exports/updates.csv')).status);
        count((await staff.send('/review')).status);
        requests += 2;
      }
    })();
    const results = await Promise.all(delegates);
    await Promise.all([...readers, exporter]);
    const elapsed = (Date.now() - started) / 1000;

    // Every acknowledged save must be what the database holds now, row by row.
    let lost = 0;
    for (const { code, cycle } of workers) {
      const key = `${code}/${cycle}`;
      const ack = acknowledged.get(key);
      const rows = await db('stocktaking_entries as s')
        .join('reports as r', 'r.id', 's.report_id')
        .join('cycles as c', 'c.id', 'r.cycle_id')
        .where({ 'r.country_code': code, 'c.slug': cycle })
        .orderBy('s.target_code')
        .select('s.target_code', 's.existing_measures', 'r.version', 'r.state');
      const expected = ack ? TARGETS.map((target) => `${key} round ${ack.marker} ${target}`) : [];
      if (JSON.stringify(rows.map((row) => row.existing_measures)) !== JSON.stringify(expected)) lost += 1;
      const submitted = results.find((result) => result.key === key)?.submitted;
      // One version per acknowledged save, one for the pledge, one for the language, one for the submission.
      if (ack && rows[0] && rows[0].version !== ack.saves + 2 + (submitted ? 1 : 0)) lost += 1;
    }
    const fiveHundreds = [...statuses.entries()].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
    const submittedCount = results.filter((result) => result.submitted).length;

    const across = proxy ? await acrossInstances(instances, proxy.url, results) : undefined;

    console.log(
      `Load: ${delegateCount} delegates, ${readerCount} readers, 1 secretariat exporter, ${seconds} s, ` +
        (proxy
          ? `${instanceCount} app instances behind nginx, pools of ${POOL_IN_ALL / instanceCount}`
          : `one app instance, a pool of ${POOL_IN_ALL} (no nginx here)`),
    );
    console.log(
      `requests          : ${requests.toLocaleString('en')} in ${elapsed.toFixed(1)} s (${Math.round(requests / elapsed)} req/s)`,
    );
    console.log(
      `statuses          : ${[...statuses.entries()]
        .sort()
        .map(([status, n]) => `${status}×${n}`)
        .join(' ')}`,
    );
    console.log(`5xx               : ${fiveHundreds}`);
    console.log(
      `draft saves       : ${saveLatencies.length.toLocaleString('en')} (acknowledged: ${[...acknowledged.values()].reduce((sum, ack) => sum + ack.saves, 0).toLocaleString('en')})`,
    );
    console.log(`draft save p50/p99: ${percentile(saveLatencies, 50).toFixed(0)} ms / ${percentile(saveLatencies, 99).toFixed(0)} ms`);
    console.log(`reports submitted : ${submittedCount} of ${delegateCount}`);
    console.log(`lost updates      : ${lost}`);
    for (const [index, upstream] of (proxy?.perUpstream() ?? []).entries()) {
      const ms = upstream.seconds.map((value) => value * 1000);
      console.log(
        `instance ${index + 1}        : ${upstream.requests.toLocaleString('en')} requests (${Math.round(upstream.requests / elapsed)} req/s), ` +
          `${upstream.fiveHundreds} 5xx, p50/p99 ${percentile(ms, 50).toFixed(0)} ms / ${percentile(ms, 99).toFixed(0)} ms`,
      );
    }
    if (across) {
      console.log(
        `across instances  : a report accepted through the proxy showed on every instance's cached page within ${across.toFixed(0)} ms`,
      );
    }
    if (fiveHundreds > 0 || lost > 0 || (proxy && across === undefined)) process.exitCode = 1;
  } finally {
    await proxy?.stop();
    for (const instance of instances) await instance.stop();
  }
});

/**
 * A submitted report accepted through the proxy (the secretariat's session going to every
 * instance in turn) must show on each instance's public page, which each had cached: the
 * invalidation reaches them all. Returns how long the last instance took, or undefined.
 */
async function acrossInstances(instances: AppProcess[], proxyUrl: string, results: Array<{ key: string; submitted: boolean }>) {
  const key = results.find((result) => result.submitted)?.key;
  if (!key) return undefined;
  const [code, cycle] = key.split('/') as [string, string];
  const page = async (instance: AppProcess) =>
    (await (await fetch(`${instance.url}/countries/${code}`)).text()).includes(`Action of ${key}`);
  for (const instance of instances) if ((await page(instance)) || (await page(instance))) return undefined;
  const staff = new Session(proxyUrl);
  await staff.signIn('load-staff@example.org');
  const form = await staff.send(`/review/${code}/${cycle}/accept`);
  const accepted = await staff.send(`/review/${code}/${cycle}/accept`, { _csrf: tokenIn(form.text), version: versionIn(form.text) });
  if (accepted.status !== 303) return undefined;
  const started = performance.now();
  for (const instance of instances) {
    while (!(await page(instance))) {
      if (performance.now() - started > 5000) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  return performance.now() - started;
}
