import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createUserService } from '../src/users/service';
import { transactorFor } from '../src/db/transaction';
import { ACTION_COLUMNS } from '../src/exports/datasets';
import { argument, runBench, signInCookie, startApp } from './support';

// npm run bench:hostile [-- --uploads 60]
// What the hostile test of issue 14 did, measured against the built app in its own
// process, on loopback only and bounded in count: many anonymous uploads at once (how much
// the server grows), and the check of a file of 1.6 million one-character lines (how long
// it takes, and how long /healthz, polled by curl in another process, waits meanwhile).

const uploads = argument('uploads', 60);
const PASSWORD = 'a long private passphrase';

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

function upload(url: URL, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=x', 'Content-Length': body.length },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => {
        resolve(response.statusCode ?? 0);
      });
    });
    request.on('error', () => {
      resolve(0);
    });
    request.end(body);
  });
}

/** Polls /healthz with curl, in another process, every 20 ms until stopped; resolves with the slowest answer in ms. */
function pollHealth(url: string): { stop: () => Promise<number> } {
  const script = `while true; do curl -s -o /dev/null -w '%{time_total}\\n' ${url}/healthz; sleep 0.02; done`;
  const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  let slowest = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) slowest = Math.max(slowest, Number(line) * 1000);
  });
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          resolve(slowest);
        });
        child.kill('SIGTERM');
      }),
  };
}

runBench(async (scratch, db) => {
  await createUserService(transactorFor(db)).addUser(
    { email: 'bench-staff@example.org', name: 'Bench', role: 'secretariat', password: PASSWORD },
    { userId: null, label: 'bench' },
  );
  const app = await startApp(scratch.url);
  try {
    const body = Buffer.alloc(4_900_000, 'a');
    const before = rssMb(app.pid);
    let peak = before;
    const watch = setInterval(() => (peak = Math.max(peak, rssMb(app.pid))), 20);
    const statuses = await Promise.all(Array.from({ length: uploads }, () => upload(new URL('/exports/import', app.url), body)));
    clearInterval(watch);
    const counts: Record<number, number> = {};
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
    console.log(
      `${uploads} concurrent anonymous 4.9 MB uploads: ${JSON.stringify(counts)}; RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} MB (+${(peak - before).toFixed(0)} MB; goal < 100 MB)`,
    );

    const cookie = await signInCookie(app.url, 'bench-staff@example.org', PASSWORD);
    const page = await (await fetch(`${app.url}/exports/import`, { headers: { cookie } })).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const cycle = /<option value="([^"]+)"/.exec(page)?.[1] ?? '';
    const csv = `${ACTION_COLUMNS.map((column) => column.name).join(',')}\n${'x\n'.repeat(1_600_000)}`;
    const form = new FormData();
    form.set('cycle', cycle);
    form.set('file', new Blob([csv], { type: 'text/csv' }), 'lines.csv');
    const health = pollHealth(app.url);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    const response = await fetch(`${app.url}/exports/import?_csrf=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { cookie },
      body: form,
    });
    await response.text();
    const took = Date.now() - started;
    const slowest = await health.stop();
    console.log(
      `check of 1.6 million one-character lines (${(csv.length / 1e6).toFixed(1)} MB): HTTP ${response.status} in ${took} ms (goal < 20 s); /healthz slowest ${slowest.toFixed(0)} ms meanwhile (goal < 1 s)`,
    );
  } finally {
    await app.stop();
  }
});
