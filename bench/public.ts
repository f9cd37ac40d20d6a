import { spawn } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { loadDemoData } from '../src/demo/load-demo';
import { projectRoot } from '../src/paths';
import { argument, runBench, startApp } from './support';

// npm run bench:public [-- --seconds 10 --connections 50]
// The public pages on the demo data against a bare Express "hello world", both in their
// own process on this machine, loaded with autocannon for the same time and connections.

const seconds = argument('seconds', 10);
const connections = argument('connections', 50);

async function startHelloWorld(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist', 'bench', 'hello-world.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /running at (http:\/\/[^/\s]+)\//.exec(chunk.toString());
      if (match) resolve(match[1]!);
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function load(url: string) {
  const result = await autocannon({ url, connections, duration: seconds, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

runBench(async (scratch, db) => {
  await loadDemoData(db);
  const app = await startApp(scratch.url);
  const hello = await startHelloWorld();
  try {
    const baseline = await load(`${hello.url}/`);
    const results: Array<[string, { rps: number; p99: number }]> = [];
    for (const page of ['/', '/countries/FR']) results.push([page, await load(`${app.url}${page}`)]);
    console.log(`autocannon, ${connections} connections, ${seconds} s each, app and hello world in their own processes`);
    console.log(`hello world /      : ${Math.round(baseline.rps).toLocaleString('en')} req/s, p99 ${baseline.p99} ms`);
    for (const [page, result] of results) {
      console.log(`app ${page.padEnd(15)}: ${Math.round(result.rps).toLocaleString('en')} req/s, p99 ${result.p99} ms, ratio ${(result.rps / baseline.rps).toFixed(2)} (goal: 0.60 or more)`);
    }
  } finally {
    hello.stop();
    await app.stop();
  }
});
