import { spawn } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import type { Knex } from 'knex';
import { projectRoot } from '../src/paths';
import { loadDemoData, PRACTICE_CYCLE } from '../src/demo/load-demo';
import { addBenchUser, argument, BENCH_PASSWORD, runBench, signInCookie, startApp } from './support';

// npm run bench:public [-- --seconds 5 --connections 50 --rounds 5 --rendered-seconds 4 --rendered-rounds 3]
// The public pages on the demo data against a bare Express "hello world", both in their
// own process on this machine, loaded with autocannon for the same time and connections.
// This machine's speed drifts from minute to minute, so hello world is measured again right
// before each page and each ratio is taken against that neighbour; the median round is printed.

const seconds = argument('seconds', 5);
const connections = argument('connections', 50);
const rounds = argument('rounds', 5);

/** Starts one of the baselines (`hello-world`, `stack-reference`) in its own process. */
async function startBaseline(name: string, ...args: string[]): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist', 'bench', `${name}.js`), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /running at (http:\/\/[^/\s]+)\//.exec(chunk.toString());
      if (match) resolve(match[1]!);
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

// What a browser sends with every page request; hello world ignores it.
const BROWSER_HEADERS = { 'accept-encoding': 'gzip, deflate, br', 'accept-language': 'en-GB,en;q=0.9' };

/** A short unmeasured run first, so both servers are measured warm (JIT-compiled, pools filled). */
async function load(url: string, headers: Record<string, string>, options = { connections, seconds }) {
  await autocannon({ url, headers, connections: options.connections, duration: 2, pipelining: 1 });
  const result = await autocannon({ url, headers, connections: options.connections, duration: options.seconds, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, kb: result.throughput.average / result.requests.average / 1024 };
}

type Run = Awaited<ReturnType<typeof load>> & { ratio: number };

const medianBy = (runs: Run[], key: (run: Run) => number) => [...runs].sort((a, b) => key(a) - key(b))[Math.floor(runs.length / 2)]!;

// Rendered pages: signed in, every request renders afresh (the page cache serves only
// visitors without a session), 20 connections as the issue measured them with wrk.
const RENDERED = { connections: 20, seconds: argument('rendered-seconds', 4) };
const renderedRounds = argument('rendered-rounds', 3);

const PUBLIC_PAGES = [
  '/',
  '/countries',
  '/countries/FR',
  '/targets/PT1',
  '/cycles/2014-progress',
  '/cycles/2014-progress/report',
  '/actions?q=hotline',
];

/**
 * A public page's content is kept per data version: the first request after a change (an
 * acceptance, an admin's edit) renders it. Timed here one request at a time, after the
 * version is moved the way every change moves it (with its notification).
 */
async function firstRenders(appUrl: string, db: Knex, cookie: string) {
  console.log('\nFirst render after a data change (signed in, one request at a time, median of 5)');
  for (const page of PUBLIC_PAGES) {
    const times: number[] = [];
    for (let round = 0; round < 5; round++) {
      await db.raw(
        "with moved as (update public_data_version set version = version + 1 returning version) select pg_notify('public_data_version', version::text) from moved",
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = performance.now();
      const response = await fetch(`${appUrl}${page}`, { headers: { ...BROWSER_HEADERS, cookie } });
      await response.arrayBuffer();
      times.push(performance.now() - started);
    }
    console.log(`${page.padEnd(44)}: ${[...times].sort((a, b) => a - b)[2]!.toFixed(1)} ms`);
  }
}

/**
 * Signed-in pages, whose layout is rendered for each request (the page cache serves only
 * visitors without a session): on `app`, which keeps public pages' contents per data
 * version, and on `fresh`, which keeps nothing (PAGE_CACHE_ENTRIES=0) so every request
 * renders the whole page, as the first request after every change does.
 */
async function renderedPages(app: string, fresh: string, helloUrl: string, referenceUrl: string, review: string) {
  const cookies = async (url: string) => ({
    staff: await signInCookie(url, 'staff@example.org', BENCH_PASSWORD),
    delegate: await signInCookie(url, 'delegate@example.org', BENCH_PASSWORD),
  });
  const [kept, none] = [await cookies(app), await cookies(fresh)];
  const practice = `/reports/FR/${PRACTICE_CYCLE}`;
  type Measured = { label: string; url: string; cookie?: string; goal?: number };
  const pages: Measured[] = [
    ...PUBLIC_PAGES.map((page) => ({ label: `${page} (content kept)`, url: `${app}${page}`, cookie: kept.staff, goal: 0.15 })),
    ...PUBLIC_PAGES.map((page) => ({ label: `${page} (all rendered)`, url: `${fresh}${page}`, cookie: none.staff, goal: 0.15 })),
    ...[practice, `${practice}/progress`, `${practice}/indicators`].map((page) => ({
      label: page,
      url: `${app}${page}`,
      cookie: kept.delegate,
      goal: 0.1,
    })),
    ...['/review', review].map((page) => ({ label: page, url: `${app}${page}`, cookie: kept.staff, goal: 0.1 })),
    { label: "stack only: the issue's table (3 columns)", url: `${referenceUrl}/table` },
    { label: 'stack only: the members table', url: `${referenceUrl}/members` },
  ];
  const results = pages.map((): number[] => []);
  for (let round = 0; round < renderedRounds; round++)
    for (const [index, { url, cookie }] of pages.entries()) {
      const baseline = await load(`${helloUrl}/`, BROWSER_HEADERS, RENDERED);
      const result = await load(url, cookie ? { ...BROWSER_HEADERS, cookie } : BROWSER_HEADERS, RENDERED);
      results[index]!.push(result.rps / baseline.rps);
    }
  console.log(
    `\nRendered (signed in), autocannon, ${RENDERED.connections} connections, ${RENDERED.seconds} s, median of ${renderedRounds} rounds, each against hello world right before it`,
  );
  const medianOf = (index: number) => [...results[index]!].sort((a, b) => a - b)[Math.floor(results[index]!.length / 2)]!;
  for (const [index, { label, goal }] of pages.entries()) {
    const median = medianOf(index);
    const verdict = goal === undefined ? 'no goal: a baseline' : `goal ${goal.toFixed(2)}${median >= goal ? ', met' : ', not met'}`;
    console.log(
      `${label.padEnd(52)}: ratio ${median.toFixed(3)} (${verdict}) (rounds: ${results[index]!.map((ratio) => ratio.toFixed(3)).join(', ')})`,
    );
  }
  // The members table rendered whole against the same table on the stack alone: what is left to the app.
  const whole = pages.findIndex(({ label }) => label === '/countries (all rendered)');
  const stackOnly = pages.findIndex(({ label }) => label === 'stack only: the members table');
  console.log(`${'/countries rendered whole ÷ its table, stack only'.padEnd(52)}: ${(medianOf(whole) / medianOf(stackOnly)).toFixed(2)}`);
}

runBench(async (scratch, db) => {
  await loadDemoData(db);
  await addBenchUser(db, 'staff@example.org', 'secretariat');
  await addBenchUser(db, 'delegate@example.org', 'delegate', 'FR');
  // A submitted report of the demo, for the secretariat's comparison page.
  const submitted: { country_code: string; slug: string } = await db('reports as r')
    .join('cycles as c', 'c.id', 'r.cycle_id')
    .where('r.state', 'submitted')
    .first('r.country_code', 'c.slug');
  const app = await startApp(scratch.url);
  const fresh = await startApp(scratch.url, { PAGE_CACHE_ENTRIES: '0' });
  const hello = await startBaseline('hello-world');
  const reference = await startBaseline('stack-reference', scratch.url);
  const targets = [
    ['/', 'as browsers ask (gzip)', BROWSER_HEADERS],
    ['/countries/FR', 'as browsers ask (gzip)', BROWSER_HEADERS],
    ['/', 'uncompressed', {}],
    ['/countries/FR', 'uncompressed', {}],
  ] as const;
  const baselines: Run[] = [];
  const runs = targets.map((): Run[] => []);
  try {
    await renderedPages(app.url, fresh.url, hello.url, reference.url, `/review/${submitted.country_code}/${submitted.slug}`);
    await firstRenders(app.url, db, await signInCookie(app.url, 'staff@example.org', BENCH_PASSWORD));
    for (let round = 0; round < rounds; round++) {
      for (const [index, [page, , headers]] of targets.entries()) {
        // Hello world right before each page, so both see the machine in the same state.
        const baseline = await load(`${hello.url}/`, BROWSER_HEADERS);
        baselines.push({ ...baseline, ratio: 1 });
        const result = await load(`${app.url}${page}`, headers);
        runs[index]!.push({ ...result, ratio: result.rps / baseline.rps });
      }
    }
  } finally {
    hello.stop();
    reference.stop();
    await app.stop();
    await fresh.stop();
  }
  const rate = (rps: number) => `${Math.round(rps).toLocaleString('en').padStart(6)} req/s`;
  console.log(
    `autocannon, ${connections} connections, ${seconds} s each after 2 s of warm-up, ${rounds} rounds; app and hello world in their own processes`,
  );
  const helloMedian = medianBy(baselines, (run) => run.rps);
  console.log(
    `${'hello world /'.padEnd(40)}: ${rate(helloMedian.rps)}, p99 ${helloMedian.p99} ms (median of ${baselines.length} runs, from ${Math.round(Math.min(...baselines.map((run) => run.rps)))} to ${Math.round(Math.max(...baselines.map((run) => run.rps)))})`,
  );
  for (const [index, [page, how]] of targets.entries()) {
    const median = medianBy(runs[index]!, (run) => run.ratio);
    console.log(
      `${`app ${page} ${how}`.padEnd(40)}: ${rate(median.rps)}, p99 ${median.p99} ms, ${median.kb.toFixed(1)} KB each, ` +
        `ratio ${median.ratio.toFixed(2)}${median.ratio >= 0.6 ? '' : ' (goal 0.60: not met)'} (rounds: ${runs[index]!.map((run) => run.ratio.toFixed(2)).join(', ')})`,
    );
  }
});
