import { hashPassword } from '../src/auth/passwords';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { answers, startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded';
import { createDatabase, type Database, type DatabaseOptions } from '../src/db/knex';
import { migrateToLatest } from '../src/db/migrate';
import { seedReferenceData } from '../src/db/seed';
import { projectRoot } from '../src/paths';

// Shared by the benchmarks: a scratch database on a PostgreSQL server, and the app started
// as a separate process (so its memory and CPU are its own) against that database.

export type Scratch = { url: string; adminUrl: string; drop(): Promise<void> };

/** A new, empty database: on BENCH_DATABASE_URL's server, else the machine's at 127.0.0.1:5432, else an embedded one. */
export async function scratchDatabase(): Promise<Scratch> {
  let embedded: EmbeddedServer | undefined;
  let adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!(await answers(adminUrl))) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(projectRoot, '.data', `bench-postgres-${process.pid}`),
      port: 54000 + (process.pid % 1000),
      persistent: false,
      log: () => undefined,
    });
    adminUrl = embedded.urlFor('postgres');
  }
  const name = `alliance_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${admin.escapeIdentifier(name)}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    adminUrl,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
      await client.end();
      await embedded?.stop();
    },
  };
}

export type AppProcess = { url: string; pid: number; peakRssMb(): number; stop(): Promise<void> };

/** Starts `node dist/src/server.js` on a free port against the database; resolves once it listens. */
export async function startApp(databaseUrl: string, env: Record<string, string> = {}): Promise<AppProcess> {
  // A data folder of its own (where it keeps open-data files), removed when it stops. Files
  // are not written ahead unless a bench asks (OPEN_DATA_PREPARE_SECONDS): that writing, a
  // minute after start, would land in the middle of what a bench times.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-app-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), path.join(projectRoot, 'dist', 'src', 'server.js')],
    {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        OPEN_DATA_PREPARE_SECONDS: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  child.once('exit', () => {
    rmSync(dataDir, { recursive: true, force: true });
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/[^/\s]+)\//.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => {
      reject(new Error(`the app exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    // VmHWM: the peak resident set size of the process so far.
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Clock ticks a second, the unit of /proc's CPU times (100 on Linux where getconf cannot say). */
const clockTicks = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
const CLOCK_TICKS = (clockTicks.error ? 0 : Number(clockTicks.stdout.trim())) || 100;

/** The CPU time (user and system) a process has used so far in ms, from /proc/<pid>/stat; 0 once it is gone. */
function cpuMsOf(pid: number | string): number {
  try {
    // The command name, in parentheses, may hold spaces: count the fields after it (utime and stime are the 14th and 15th).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/**
 * The CPU time used so far by the app's process and by every PostgreSQL process on this
 * machine (the server the benches use is local: the machine's or an embedded one), in ms;
 * undefined where there is no /proc to read. A run's CPU a request is the difference over
 * the run divided by its requests: unlike latency, it does not move with what else the
 * machine is doing.
 */
export function cpuNow(appPid: number): { app: number; postgres: number } | undefined {
  let processes: string[];
  try {
    processes = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const isPostgres = (pid: string) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      return false;
    }
  };
  return { app: cpuMsOf(appPid), postgres: processes.filter(isPostgres).reduce((sum, pid) => sum + cpuMsOf(pid), 0) };
}

/** A user for a bench to sign in as (the passphrase is BENCH_PASSWORD). */
export const BENCH_PASSWORD = 'bench passphrase, long enough';
export async function addBenchUser(db: Database, email: string, role: 'delegate' | 'secretariat', countryCode: string | null = null) {
  await db('users').insert({
    email,
    name: email.split('@')[0],
    role,
    country_code: countryCode,
    password_hash: await hashPassword(BENCH_PASSWORD),
  });
}

/** Signs in through the real form; returns the session cookie. */
export async function signInCookie(baseUrl: string, email: string, password: string): Promise<string> {
  const form = await fetch(`${baseUrl}/login`);
  const cookie = form.headers
    .getSetCookie()
    .map((value) => value.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ email, password, _csrf: token }),
  });
  if (response.status !== 303) throw new Error(`sign-in failed: ${response.status}`);
  return response.headers
    .getSetCookie()
    .map((value) => value.split(';')[0])
    .join('; ');
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} takes a positive number`);
  return value;
}

/**
 * Runs a benchmark in a migrated, seeded scratch database, drops it afterwards, and
 * exits non-zero if the benchmark throws.
 */
export function runBench(work: (scratch: Scratch, db: Database) => Promise<void>, options?: DatabaseOptions): void {
  (async () => {
    const scratch = await scratchDatabase();
    const db = createDatabase(scratch.url, options);
    try {
      await migrateToLatest(db);
      await seedReferenceData(db);
      await work(scratch, db);
    } finally {
      await db.destroy();
      await scratch.drop();
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
