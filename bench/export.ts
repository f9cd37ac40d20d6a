import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashPassword } from '../src/auth/passwords';
import { datasetNamed } from '../src/exports/datasets';
import { argument, median, runBench, signInCookie, startApp } from './support';

// npm run bench:export [-- --updates 1000000 --members 60 --cycles 10 --rounds 3]
// Builds a synthetic dataset in a scratch database, then times, in the same run, the
// app's /exports/updates.csv over HTTP and `psql \copy` of the same rows to a file.

const updates = argument('updates', 1_000_000);
const members = argument('members', 60);
const cycles = argument('cycles', 10);
const rounds = argument('rounds', 3);

// Building a million rows takes minutes: long statements allowed.
const DB_OPTIONS = { poolMax: 4, acquireTimeoutMs: 10_000, statementTimeoutMs: 600_000 };

/** Downloads a file, returning its size; the body is counted, not kept. */
const fetchBytes = (url: string, cookie: string) =>
  new Promise<number>((resolve, reject) => {
    http
      .get(url, { headers: { cookie } }, (response) => {
        if (response.statusCode !== 200) reject(new Error(`export answered ${response.statusCode}`));
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => {
          resolve(bytes);
        });
      })
      .on('error', reject);
  });

runBench(async (scratch, db) => {
  const perReport = Math.ceil(updates / (members * cycles));
  const started = Date.now();
  await db.transaction(async (trx) => {
    // Members: the seeded ones, plus made-up codes if more are asked for.
    await trx.raw(`insert into countries (code, name, region, joined_on)
      select chr(65 + n / 26) || chr(65 + n % 26), 'Benchland ' || n, 'Europe', '2012-12-05'
      from generate_series(0, 675) n on conflict do nothing`);
    await trx.raw(`create temporary table bench_members on commit drop as select code from countries order by code limit ?`, [members]);
    await trx.raw(
      `insert into cycles (slug, title, kind, opens_on, due_on, closes_on, state)
      select 'bench-' || n, 'Bench cycle ' || n, case when n = 1 then 'commitments' else 'progress' end,
             date '2030-01-01' + (n * 400), date '2030-06-01' + (n * 400), date '2030-12-01' + (n * 400), 'closed'
      from generate_series(1, ?) n`,
      [cycles],
    );
    await trx.raw(`insert into reports (country_code, cycle_id, state, submitted_at, reviewed_at)
      select m.code, c.id, 'accepted', c.due_on - 3, c.due_on + 10 from bench_members m cross join cycles c where c.slug like 'bench-%'`);
    await trx.raw(
      `insert into actions (country_code, target_code, goal_code, title, description, responsible_body, due_on, pledged_in_report_id)
      select r.country_code, 'PT' || (1 + n % 4), null, 'Action ' || n || ' of ' || r.country_code || ', with "quotes", commas',
             'A description that runs for a while, as real ones do.', 'Ministry of Justice', date '2035-12-31', r.id
      from reports r join cycles c on c.id = r.cycle_id and c.slug = 'bench-1' cross join generate_series(1, ?) n`,
      [perReport],
    );
    await trx.raw(`insert into action_updates (report_id, action_id, country_code, status, percent_complete, narrative)
      select r.id, a.id, a.country_code, (array['not_started','in_progress','completed','delayed'])[1 + a.id % 4],
             case when a.id % 4 = 2 then 100 else (a.id * 7) % 100 end, 'Progress narrative for action ' || a.id || E'.\\nSecond line.'
      from reports r join cycles c on c.id = r.cycle_id and c.slug like 'bench-%' join actions a on a.country_code = r.country_code`);
    await trx.raw(`insert into users (email, name, role, password_hash) values ('bench@example.org', 'Bench', 'secretariat', ?)`, [
      await hashPassword('bench passphrase'),
    ]);
  });
  await db.raw('analyze');
  const rows = (await db('action_updates').count<{ count: number }[]>('* as count').first())!.count;
  console.log(
    `Dataset: ${rows.toLocaleString('en')} action updates, ${members} members, ${cycles} cycles (built in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );

  const app = await startApp(scratch.url);
  const cookie = await signInCookie(app.url, 'bench@example.org', 'bench passphrase');
  const directory = mkdtempSync(path.join(tmpdir(), 'bench-export-'));
  const query = datasetNamed('updates')!.query({ filters: {}, publicOnly: false, forCsv: true });
  const psqlAvailable = spawnSync('psql', ['--version']).status === 0;
  const appRates: number[] = [];
  const xlsxRates: number[] = [];
  let xlsxBytes = 0;
  const psqlRates: number[] = [];
  let appBytes = 0;
  let psqlBytes = 0;
  try {
    for (let round = 1; round <= rounds; round += 1) {
      const appStart = process.hrtime.bigint();
      appBytes = await fetchBytes(`${app.url}/exports/updates.csv`, cookie);
      appRates.push(rows / (Number(process.hrtime.bigint() - appStart) / 1e9));
      const xlsxStart = process.hrtime.bigint();
      xlsxBytes = await fetchBytes(`${app.url}/exports/updates.xlsx`, cookie);
      xlsxRates.push(rows / (Number(process.hrtime.bigint() - xlsxStart) / 1e9));

      if (psqlAvailable) {
        const file = path.join(directory, `round-${round}.csv`);
        const psqlStart = process.hrtime.bigint();
        execFileSync('psql', [
          scratch.url,
          '-q',
          '-c',
          `\\copy (${db.raw(query.sql, query.bindings).toQuery().replace(/\s+/g, ' ')}) to '${file}' with (format csv, header true)`,
        ]);
        psqlRates.push(rows / (Number(process.hrtime.bigint() - psqlStart) / 1e9));
        psqlBytes = statSync(file).size;
        rmSync(file);
      }
      console.log(
        `round ${round}: app ${Math.round(appRates.at(-1)!).toLocaleString('en')} rows/s, xlsx ${Math.round(xlsxRates.at(-1)!).toLocaleString('en')} rows/s${psqlAvailable ? `, psql ${Math.round(psqlRates.at(-1)!).toLocaleString('en')} rows/s` : ''}`,
      );
    }
    const peak = app.peakRssMb();
    const appMedian = median(appRates);
    console.log('');
    console.log(
      `app  /exports/updates.csv : ${Math.round(appMedian).toLocaleString('en')} rows/s (median of ${rounds}), ${(appBytes / 1e6).toFixed(1)} MB`,
    );
    if (psqlAvailable) {
      const psqlMedian = median(psqlRates);
      console.log(
        `psql \\copy (same query) : ${Math.round(psqlMedian).toLocaleString('en')} rows/s (median of ${rounds}), ${(psqlBytes / 1e6).toFixed(1)} MB`,
      );
      console.log(`ratio app / psql         : ${(appMedian / psqlMedian).toFixed(2)} (goal: 0.80 or more)`);
    } else {
      console.log('psql not found: install postgresql-client for the baseline');
    }
    const xlsxMedian = median(xlsxRates);
    console.log(
      `app  /exports/updates.xlsx: ${Math.round(xlsxMedian).toLocaleString('en')} rows/s (median of ${rounds}), ${(xlsxBytes / 1e6).toFixed(1)} MB`,
    );
    console.log(`ratio xlsx / csv         : ${(xlsxMedian / appMedian).toFixed(2)} (goal: 0.30 or more)`);
    console.log(`app peak RSS (VmHWM)     : ${peak.toFixed(0)} MB, CSV and xlsx downloads included (goal: under 200 MB)`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
    await app.stop();
  }
}, DB_OPTIONS);
