import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { createDatabase, type Database } from '../src/db/knex';
import { migrateToLatest } from '../src/db/migrate';
import { seedReferenceData } from '../src/db/seed';
import { loadDemoData, PRACTICE_CYCLE } from '../src/demo/load-demo';
import { buildGrowth } from './growth-data';
import { DATASETS } from '../src/exports/datasets';
import { OPEN_DATA_FORMATS, type OpenDataFormat } from '../src/exports/service';
import { JSON_LINES, jsonRowsOf } from '../src/exports/stream';
import { ACTIONS_PER_PAGE } from '../src/public/service';
import { addBenchUser, argument, BENCH_PASSWORD, cpuNow, median, runBench, scratchDatabase, signInCookie, startApp } from './support';

// npm run bench:growth [-- --seconds 5 --rounds 3]
// Rendered pages as the years of data add up. The same pages are loaded on the demo data
// and on a generated data set of 20 closed cycles × 60 members × 40 new actions a cycle,
// every earlier action updated in each progress report (48,000 actions, 456,000 updates,
// all accepted) plus indicator values, with the app keeping no rendered page
// (PAGE_CACHE_ENTRIES=0) and a signed-in cookie, so that every request is rendered; and a
// delegate's work pages in an open progress cycle on each. Goal: each page within 1.5 × its
// demo latency (p50 and p99 at 20 connections), open data within 1.5 × psql \copy: each file
// written by its first download after a change, kept, and written ahead of it.

const seconds = argument('seconds', 5);
const rounds = argument('rounds', 3);
const CONNECTIONS = 20;
const GOAL = 1.5;
const execFileAsync = promisify(execFile);
/** Building the data set runs long statements. */
const DB_OPTIONS = { poolMax: 4, acquireTimeoutMs: 10_000, statementTimeoutMs: 600_000 };

/**
 * A page under load: its latency, the bytes of an answer (headers included), and the CPU a
 * request cost the app and PostgreSQL (ms; undefined without /proc).
 */
type Result = { p50: number; p99: number; rps: number; timeouts: number; bytes: number; cpu?: { app: number; postgres: number } };

async function measure(url: string, cookie: string, appPid: number): Promise<Result> {
  // A page that takes longer than the timeout counts as a timeout, reported beside its latency.
  const options = { url, headers: { cookie, 'accept-language': 'en' }, connections: CONNECTIONS, pipelining: 1, timeout: 10 };
  await autocannon({ ...options, duration: 1 });
  const before = cpuNow(appPid);
  const result = await autocannon({ ...options, duration: seconds });
  const after = cpuNow(appPid);
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers`);
  // No answer at all within the timeout: as slow as can be.
  const answered = result.requests.total > result.timeouts;
  const requests = Math.max(result.requests.total, 1);
  return {
    p50: answered ? result.latency.p50 : Infinity,
    p99: answered ? result.latency.p99 : Infinity,
    rps: result.requests.average,
    timeouts: result.timeouts,
    bytes: result.throughput.total / requests,
    cpu:
      before && after ? { app: (after.app - before.app) / requests, postgres: (after.postgres - before.postgres) / requests } : undefined,
  };
}

/**
 * An open-data file's download in ms, median of rounds: written, the first download after the
 * data version moved (moved before each round), and kept, the one after it. Or what went wrong.
 */
async function download(url: string, cookie: string, db: Database): Promise<{ written: number; kept: number } | string> {
  const times = { written: [] as number[], kept: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    await db.raw('update public_data_version set version = version + 1');
    for (const time of [times.written, times.kept]) {
      const started = performance.now();
      try {
        const response = await fetch(url, { headers: { cookie } });
        await response.arrayBuffer();
        if (!response.ok) return `answered ${response.status} after ${(performance.now() - started).toFixed(0)} ms`;
        // A kept file is sent with its length, a written one without.
        if (time === times.kept && !response.headers.has('content-length')) return 'the second download was written again, not kept';
      } catch (error) {
        return `failed after ${(performance.now() - started).toFixed(0)} ms: ${String((error as Error).cause ?? error)}`;
      }
      time.push(performance.now() - started);
      // The file is renamed into place as its writing ends, a moment after the download does.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { written: median(times.written), kept: median(times.kept) };
}

/** Every open-data file: each public dataset in each format /open-data links to. */
const OPEN_DATA_FILES = DATASETS.filter((dataset) => dataset.public).flatMap((dataset) =>
  OPEN_DATA_FORMATS.map((format) => ({ name: dataset.name, format })),
);

/** The query of a public open-data file, as the app runs it (it takes no parameters). */
function openDataQuery(name: string, format: OpenDataFormat) {
  const dataset = DATASETS.find((one) => one.name === name)!;
  const query = dataset.query({ filters: {}, publicOnly: true, forCsv: format === 'csv' });
  if (query.bindings.length > 0) throw new Error(`${name}: the open data query takes parameters`);
  return { query, columns: dataset.columns };
}

/**
 * psql \copy of the same rows the open data file holds, as CSV unless told otherwise, in ms
 * (median of rounds). Run without blocking: while a synchronous psql held the event loop, the
 * app closed the downloads' idle keep-alive connection and fetch, not having seen it close,
 * sent the next download on it ("other side closed").
 */
async function psqlCopy(databaseUrl: string, sql: string, copyOptions = 'format csv, header'): Promise<number | null> {
  if (spawnSync('psql', ['--version']).status !== 0) return null;
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    // A \copy command is one line.
    await execFileAsync('psql', [databaseUrl, '-qc', `\\copy (${sql.replace(/\s+/g, ' ')}) to '/dev/null' with (${copyOptions})`]);
    times.push(performance.now() - started);
  }
  return median(times);
}

const withSecretariat = (db: Database) => addBenchUser(db, 'growth@example.org', 'secretariat');

/** The progress cycle the next year brings after the generated twenty, open for reports. */
async function openNextCycle(db: Database) {
  await db.raw(`insert into cycles (slug, title, kind, opens_on, due_on, closes_on, state)
    select 'growth-21', 'Growth cycle 21', 'progress', opens_on + interval '1 year', due_on + interval '1 year',
      closes_on + interval '1 year', 'open'
    from cycles where slug = 'growth-20'`);
}

runBench(async (scratch, db) => {
  // The demo data in this scratch database; the generated data set in a second one.
  await loadDemoData(db);
  await withSecretariat(db);
  // As autovacuum would leave it, like the generated data set (./growth-data.ts).
  await db.raw('vacuum (analyze)');
  const growthScratch = await scratchDatabase();
  const growthDb = createDatabase(growthScratch.url, DB_OPTIONS);
  try {
    await migrateToLatest(growthDb);
    await seedReferenceData(growthDb);
    const started = Date.now();
    await buildGrowth(growthDb);
    await withSecretariat(growthDb);
    const counts = await growthDb.raw<{ rows: Array<{ actions: string; updates: string }> }>(
      `select (select count(*) from actions) as actions, (select count(*) from action_updates) as updates`,
    );
    console.log(
      `Growth data: ${Number(counts.rows[0]!.actions).toLocaleString('en')} actions, ${Number(counts.rows[0]!.updates).toLocaleString('en')} updates (built in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );

    // A target's last page too: its actions counted off to the end, however many years there are.
    const lastPageOfPT1 = async (on: Database) => {
      const [row] = await on('public_action_status').where({ target_code: 'PT1' }).count<Array<{ count: string }>>('* as count');
      return Math.max(1, Math.ceil(Number(row!.count) / ACTIONS_PER_PAGE));
    };
    // The public pages, read by the secretariat; then a delegate's work pages for France in an
    // open progress cycle (the demo's practice cycle; one opened after the twenty on the growth
    // data), whose progress page is a form for every pledge still open.
    type Side = { cycle: string; lastPage: number | string; open: string };
    const pages = (side: Side): Array<{ path: string; delegate?: true }> => [
      { path: '/' },
      { path: '/countries' },
      { path: '/countries/FR' },
      { path: '/targets/PT1' },
      // Page 1 is /targets/PT1 (a link to ?page=1 is redirected there).
      { path: side.lastPage === 1 ? '/targets/PT1' : `/targets/PT1?page=${side.lastPage}` },
      { path: `/cycles/${side.cycle}` },
      { path: '/actions?q=hotline' },
      ...['', '/progress', '/indicators'].map((section) => ({ path: `/reports/FR/${side.open}${section}`, delegate: true as const })),
    ];
    const label: Side = { cycle: '…', lastPage: 'last', open: '…' };
    await openNextCycle(growthDb);
    await Promise.all([db, growthDb].map((on) => addBenchUser(on, 'delegate@example.org', 'delegate', 'FR')));
    const sides = [
      { name: 'demo', url: scratch.url, cycle: '2014-progress', lastPage: await lastPageOfPT1(db), open: PRACTICE_CYCLE },
      { name: 'growth', url: growthScratch.url, cycle: 'growth-20', lastPage: await lastPageOfPT1(growthDb), open: 'growth-21' },
    ] as const;
    const results: Record<string, Record<string, Result[]>> = { demo: {}, growth: {} };
    const files: Record<string, { app: { written: number; kept: number } | string; psql: number | null; sameJson?: number | null }> = {};
    // No rendered page is kept, so every request renders (as after every change, or for a new
    // search). Both apps run at once and each page is loaded on the demo data and then on the
    // growth data, round after round: this shared machine's speed drifts by a factor of two from
    // one minute to the next, and a side measured minutes after the other counted that drift as
    // growth (two runs gave the latest cycle's page 1.16 and 1.55 with no change to it).
    const apps = await Promise.all(sides.map((side) => startApp(side.url, { PAGE_CACHE_ENTRIES: '0' })));
    try {
      const cookies = await Promise.all(apps.map((app) => signInCookie(app.url, 'growth@example.org', BENCH_PASSWORD)));
      const delegates = await Promise.all(apps.map((app) => signInCookie(app.url, 'delegate@example.org', BENCH_PASSWORD)));
      for (let round = 0; round < rounds; round++)
        for (const [index, { path: key }] of pages(label).entries())
          for (const [at, side] of sides.entries()) {
            const page = pages(side)[index]!;
            const cookie = (page.delegate ? delegates : cookies)[at]!;
            (results[side.name]![key] ??= []).push(await measure(`${apps[at]!.url}${page.path}`, cookie, apps[at]!.pid));
          }
      const growth = sides.findIndex((side) => side.name === 'growth');
      // Each file against psql \copy of the same rows: the dataset's own query (joins, text made
      // safe for spreadsheets, sorted by member) written as CSV; a JSON file also against
      // PostgreSQL writing the same JSON (what the app sends it on).
      for (const { name, format } of OPEN_DATA_FILES) {
        const { query, columns } = openDataQuery(name, format);
        files[`${name}.${format}`] = {
          app: await download(`${apps[growth]!.url}/open-data/${name}.${format}`, cookies[growth]!, growthDb),
          psql: await psqlCopy(growthScratch.url, query.sql),
          sameJson: format === 'json' ? await psqlCopy(growthScratch.url, jsonRowsOf(query, columns), JSON_LINES) : undefined,
        };
      }
    } finally {
      await Promise.all(apps.map((app) => app.stop()));
    }
    const crowd = await compiledReportsAtOnce(growthScratch.url);
    const ahead = await writtenAhead(growthScratch.url, growthDb);

    console.log(
      `\nautocannon, ${CONNECTIONS} connections, ${seconds} s, median of ${rounds} rounds (each page on the demo, then on the growth data); PAGE_CACHE_ENTRIES=0 and signed in, so every request is rendered`,
    );
    console.log(`${'page'.padEnd(26)} ${'demo p50/p99'.padStart(16)} ${'growth p50/p99'.padStart(18)}  growth ÷ demo (goal ≤ ${GOAL})`);
    for (const { path: page } of pages(label)) {
      const demo = results.demo![page]!;
      const growth = results.growth![page]!;
      const at = (runs: Result[], key: 'p50' | 'p99') => median(runs.map((run) => run[key]));
      // Each round's growth against the demo measured right before it, then the median.
      const ratio = (key: 'p50' | 'p99') => median(growth.map((run, round) => run[key] / Math.max(demo[round]![key], 1)));
      const met = ratio('p50') <= GOAL && ratio('p99') <= GOAL;
      // What the page holds on each: a page of fifty actions against the demo's sixteen is
      // more work however the data is kept.
      const kb = (runs: Result[]) => (median(runs.map((run) => run.bytes)) / 1024).toFixed(0);
      console.log(
        `${page.padEnd(26)} ${`${at(demo, 'p50')} / ${at(demo, 'p99')} ms`.padStart(16)} ${`${at(growth, 'p50')} / ${at(growth, 'p99')} ms`.padStart(18)}  ` +
          `p50 ${ratio('p50').toFixed(2)}, p99 ${ratio('p99').toFixed(2)}${met ? '' : ' (not met)'}; the page ${kb(demo)} → ${kb(growth)} KB` +
          (growth.some((run) => run.timeouts > 0) ? `, ${growth.reduce((sum, run) => sum + run.timeouts, 0)} requests over 10 s` : ''),
      );
    }
    // What the latency ratios cannot tell apart on a shared machine: whether a request costs
    // more work on the growth data, or only waited longer for a busier machine.
    if (Object.values(results).every((byPage) => Object.values(byPage).every((runs) => runs.every((run) => run.cpu)))) {
      console.log(`\nCPU a request, app + PostgreSQL (from /proc, over the same runs; median of ${rounds} rounds)`);
      console.log(`${'page'.padEnd(26)} ${'demo'.padStart(16)} ${'growth'.padStart(18)}  growth ÷ demo`);
      for (const { path: page } of pages(label)) {
        const cpu = (runs: Result[]) => ({
          app: median(runs.map((run) => run.cpu!.app)),
          postgres: median(runs.map((run) => run.cpu!.postgres)),
        });
        const [demo, growth] = [cpu(results.demo![page]!), cpu(results.growth![page]!)];
        const shown = ({ app, postgres }: { app: number; postgres: number }) => `${app.toFixed(1)} + ${postgres.toFixed(1)} ms`;
        console.log(
          `${page.padEnd(26)} ${shown(demo).padStart(16)} ${shown(growth).padStart(18)}  ` +
            `${((growth.app + growth.postgres) / (demo.app + demo.postgres)).toFixed(2)} (app ${(growth.app / demo.app).toFixed(2)}, PostgreSQL ${(growth.postgres / Math.max(demo.postgres, 0.01)).toFixed(2)})`,
        );
      }
    }
    console.log(
      `\nOpen data on the growth data: each file's download ÷ psql \\copy of the same rows (median of ${rounds} rounds). ` +
        'Kept: the file as the app keeps it for its data version, what every download but the first after a change is sent; ' +
        'written: that first download, written as it is sent.',
    );
    for (const [file, { app, psql, sameJson }] of Object.entries(files)) {
      const name = `/open-data/${file}`.padEnd(26);
      if (typeof app === 'string') console.log(`${name} ${app} (not met)`);
      else if (psql === null)
        console.log(`${name} kept ${app.kept.toFixed(0)} ms, written ${app.written.toFixed(0)} ms (no psql to compare with)`);
      else {
        const [kept, written] = [app.kept / psql, app.written / psql];
        console.log(
          `${name} kept ${app.kept.toFixed(0)} ms, ${kept.toFixed(2)} × (goal ≤ ${GOAL}${kept <= GOAL ? '' : ': not met'}); ` +
            `written ${app.written.toFixed(0)} ms, ${written.toFixed(2)} ×; psql \\copy ${psql.toFixed(0)} ms` +
            (sameJson
              ? `; PostgreSQL writing the same JSON ${sameJson.toFixed(0)} ms (written ÷ it ${(app.written / sameJson).toFixed(2)})`
              : ''),
        );
      }
    }
    console.log(
      `\nWritten ahead (OPEN_DATA_PREPARE_SECONDS=1, median of ${rounds} rounds): every file kept ${(ahead.readyMs / 1000).toFixed(1)} s ` +
        `after the data version moved (the quiet period included), for ${(ahead.cpu.app / 1000).toFixed(1)} s of the app's CPU and ` +
        `${(ahead.cpu.postgres / 1000).toFixed(1)} s of PostgreSQL's. Meanwhile /countries/FR (visitors, ${CONNECTIONS} connections, 3 s) ` +
        `p50 / p99 ${ahead.page.during.p50} / ${ahead.page.during.p99} ms, against ${ahead.page.after.p50} / ${ahead.page.after.p99} ms once written. ` +
        `Then each file's first download:`,
    );
    for (const [file, ms] of Object.entries(ahead.firstDownloads)) {
      const psql = files[file]?.psql;
      const name = `/open-data/${file}`.padEnd(26);
      if (typeof ms === 'string') console.log(`${name} ${ms} (not met)`);
      else if (!psql) console.log(`${name} ${ms.toFixed(0)} ms (no psql to compare with)`);
      else
        console.log(
          `${name} ${ms.toFixed(0)} ms, ${(ms / psql).toFixed(2)} × psql \\copy (goal ≤ ${GOAL}${ms / psql <= GOAL ? '' : ': not met'})`,
        );
    }
    console.log(
      `\nThe compiled reports of the last ${CROWD_CYCLES} cycles in ${CROWD_LANGUAGES.length} languages asked for at once (${crowd.asked}, ` +
        `the largest ${crowd.largestMb.toFixed(0)} MB of HTML) from an app that keeps pages: ${crowd.answered} answered 200 in ` +
        `${(crowd.ms / 1000).toFixed(1)} s${crowd.refused.length > 0 ? `, the rest ${crowd.refused.join(', ')}` : ''}; the app's peak RSS ${crowd.peakRssMb.toFixed(0)} MB`,
    );
  } finally {
    await growthDb.destroy();
    await growthScratch.drop();
  }
}, DB_OPTIONS);

/**
 * Open-data files written ahead of their first download: an app that writes them once the data
 * has stayed the same for a second. Each round moves the data version, then waits until every
 * file is kept (a HEAD tells its length only then), timing that and the CPU it cost; then the
 * first download of each file (median of rounds, or what went wrong).
 */
async function writtenAhead(databaseUrl: string, db: Database) {
  const app = await startApp(databaseUrl, { OPEN_DATA_PREPARE_SECONDS: '1' });
  const readyMs: number[] = [];
  const cpu = { app: [] as number[], postgres: [] as number[] };
  const downloads: Record<string, number[]> = {};
  const failed: Record<string, string> = {};
  const page = { during: [] as Array<{ p50: number; p99: number }>, after: [] as Array<{ p50: number; p99: number }> };
  /** A page's latency under CONNECTIONS readers for three seconds (as a visitor: the page kept for the version). */
  const loaded = async (url: string) => {
    const result = await autocannon({ url, connections: CONNECTIONS, duration: 3, headers: { 'accept-language': 'en' } });
    return { p50: result.latency.p50, p99: result.latency.p99 };
  };
  const kept = async (name: string, format: string) =>
    (await fetch(`${app.url}/open-data/${name}.${format}`, { method: 'HEAD' })).headers.has('content-length');
  try {
    for (let round = 0; round < rounds; round++) {
      await db.raw('update public_data_version set version = version + 1');
      const [started, before] = [performance.now(), cpuNow(app.pid)];
      // What the writing costs readers meanwhile: a member's page, loaded once the quiet period is over.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const during = await loaded(`${app.url}/countries/FR`);
      for (const { name, format } of OPEN_DATA_FILES) {
        while (!(await kept(name, format))) {
          if (performance.now() - started > 600_000) throw new Error(`${name}.${format} not written ahead within 10 minutes`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      readyMs.push(performance.now() - started);
      const after = cpuNow(app.pid);
      if (before && after) {
        cpu.app.push(after.app - before.app);
        cpu.postgres.push(after.postgres - before.postgres);
      }
      page.during.push(during);
      page.after.push(await loaded(`${app.url}/countries/FR`));
      for (const { name, format } of OPEN_DATA_FILES) {
        const file = `${name}.${format}`;
        if (failed[file]) continue;
        const timing = performance.now();
        const response = await fetch(`${app.url}/open-data/${file}`);
        await response.arrayBuffer();
        if (response.ok && response.headers.has('content-length')) (downloads[file] ??= []).push(performance.now() - timing);
        else failed[file] = `answered ${response.status}${response.ok ? ', written again' : ''}`;
      }
    }
  } finally {
    await app.stop();
  }
  return {
    readyMs: median(readyMs),
    page: {
      during: { p50: median(page.during.map((run) => run.p50)), p99: median(page.during.map((run) => run.p99)) },
      after: { p50: median(page.after.map((run) => run.p50)), p99: median(page.after.map((run) => run.p99)) },
    },
    cpu: { app: cpu.app.length > 0 ? median(cpu.app) : NaN, postgres: cpu.postgres.length > 0 ? median(cpu.postgres) : NaN },
    firstDownloads: Object.fromEntries(
      OPEN_DATA_FILES.map(({ name, format }) => `${name}.${format}`).map((file) => [file, failed[file] ?? median(downloads[file] ?? [])]),
    ) as Record<string, number | string>,
  };
}

const CROWD_CYCLES = 10;
const CROWD_LANGUAGES = ['en', 'fr', 'de'];

/**
 * The largest pages there are, all at once: a cycle's compiled report lists every update it
 * published (48,000 in the twentieth), so each is tens of MB of HTML rendered in memory. An
 * app with the defaults (pages kept, two compiled reports rendered at a time) must answer
 * them all, and its memory is what the crowd cost.
 */
async function compiledReportsAtOnce(databaseUrl: string) {
  const app = await startApp(databaseUrl);
  try {
    const urls = CROWD_LANGUAGES.flatMap((language) =>
      Array.from({ length: CROWD_CYCLES }, (_, index) => ({ language, url: `${app.url}/cycles/growth-${20 - index}/report` })),
    );
    const started = performance.now();
    const answers = await Promise.all(
      urls.map(async ({ language, url }) => {
        const response = await fetch(url, { headers: { 'accept-language': language, 'accept-encoding': 'identity' } });
        return { status: response.status, bytes: (await response.arrayBuffer()).byteLength };
      }),
    );
    const refused = answers.filter((answer) => answer.status !== 200).map((answer) => answer.status);
    return {
      asked: urls.length,
      answered: answers.length - refused.length,
      refused,
      ms: performance.now() - started,
      largestMb: Math.max(...answers.map((answer) => answer.bytes)) / 1024 / 1024,
      peakRssMb: app.peakRssMb(),
    };
  } finally {
    await app.stop();
  }
}
