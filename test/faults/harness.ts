import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { hashPassword } from '../../src/auth/passwords';
import { createDatabase, type Database } from '../../src/db/knex';
import { migrateToLatest } from '../../src/db/migrate';
import { seedReferenceData } from '../../src/db/seed';
import { projectRoot } from '../../src/paths';
import { freePort } from '../helpers/net';

// The fault tests break things on purpose: each starts its own PostgreSQL cluster and
// runs the compiled app (dist/) as a child process it can kill, pause and restart.

const PASSWORD = 'fault test passphrase';

export type Cluster = {
  url: string;
  db: Database;
  /** Stops PostgreSQL (the data stays); start() brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Sends a signal to PostgreSQL and all its processes (SIGSTOP hangs it, SIGCONT resumes). */
  signal(signal: NodeJS.Signals): void;
  destroy(): Promise<void>;
};

export async function startCluster(): Promise<Cluster> {
  const dataDir = path.join(projectRoot, '.data', `faults-${process.pid}-${randomBytes(3).toString('hex')}`);
  const controller = spawn(process.execPath, [path.join(__dirname, 'cluster-process.js'), dataDir, String(await freePort())], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: controller.stdout });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      controller.once('exit', () => {
        reject(new Error('the PostgreSQL controller exited'));
      });
    });
  const command = async (word: string, answer: string) => {
    controller.stdin.write(`${word}\n`);
    const line = await nextLine();
    if (line !== answer) throw new Error(`expected ${answer}, got ${line}`);
  };
  const ready = await nextLine();
  const url = ready.replace(/^ready /, '');
  // The tests' own connection: it builds fixtures (110,000 published actions in one statement
  // for the export tests, about 10 s with their search documents and status kept), so it may
  // take longer than the app's statements.
  const db = createDatabase(url, { poolMax: 4, acquireTimeoutMs: 5000, statementTimeoutMs: 60_000 });
  await migrateToLatest(db);
  await seedReferenceData(db);
  const postmasterPids = () => {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return [pid, ...children];
  };
  return {
    url,
    db,
    stop: () => command('stop', 'stopped'),
    start: () => command('start', 'started'),
    signal(signal) {
      for (const pid of postmasterPids()) {
        try {
          process.kill(pid, signal);
        } catch {
          // the process ended meanwhile
        }
      }
    },
    async destroy() {
      await db.destroy().catch(() => undefined);
      controller.stdin.write('exit\n');
      await new Promise((resolve) => {
        if (controller.exitCode === null) controller.once('exit', resolve);
        else resolve(null);
      });
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(`${dataDir}.password`, { force: true });
    },
  };
}

export type AppProcess = { url: string; child: ChildProcess; exited: Promise<number | null>; output: () => string };

export async function startApp(databaseUrl: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const server = path.join(projectRoot, 'dist', 'src', 'server.js');
  if (!existsSync(server)) throw new Error('Build first: npm run build (npm run test:faults does).');
  const port = await freePort();
  // A data folder of its own (where it keeps open-data files), removed when it exits. Files
  // are written ahead only where a test asks (OPEN_DATA_PREPARE_SECONDS): that writing takes
  // an export connection, which tests that count them do not expect.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-app-'));
  const child = spawn(process.execPath, [server], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      OPEN_DATA_PREPARE_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.once('exit', () => {
    rmSync(dataDir, { recursive: true, force: true });
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`The app exited early:\n${output}`);
    if (/running at/.test(output)) return { url, child, exited, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`The app did not start:\n${output}`);
}

/** A delegate of a new country, with an open commitments cycle to report in. */
export async function makeDelegates(
  db: Database,
  count: number,
): Promise<{ cycle: string; delegates: Array<{ code: string; email: string }> }> {
  const hash = await hashPassword(PASSWORD);
  const slug = `faults-${randomBytes(3).toString('hex')}`;
  await db('cycles').insert({
    slug,
    title: 'Fault cycle',
    kind: 'commitments',
    opens_on: '2020-01-01',
    due_on: '2099-06-30',
    closes_on: '2099-12-31',
    state: 'open',
  });
  const codes: string[] = await db('countries').orderBy('code').limit(count).pluck('code');
  const delegates = codes.map((code) => ({ code, email: `delegate-${code.toLowerCase()}@example.org` }));
  await db('users').insert(
    delegates.map((delegate) => ({
      email: delegate.email,
      name: `Delegate ${delegate.code}`,
      role: 'delegate',
      country_code: delegate.code,
      password_hash: hash,
    })),
  );
  return { cycle: slug, delegates };
}

/** A tiny browser: keeps the session cookie, reads CSRF tokens and versions from pages. */
export class Client {
  private cookie = '';
  constructor(private readonly base: string) {}

  async request(
    pathname: string,
    options: { method?: string; form?: Record<string, string> } = {},
  ): Promise<{ status: number; text: string; location: string | null }> {
    const response = await fetch(`${this.base}${pathname}`, {
      method: options.method ?? (options.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: { cookie: this.cookie, ...(options.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: options.form ? new URLSearchParams(options.form) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    const set = response.headers.getSetCookie().map((value) => value.split(';')[0]!);
    if (set.length) this.cookie = set.join('; ');
    return { status: response.status, text: await response.text(), location: response.headers.get('location') };
  }

  async signIn(email: string): Promise<void> {
    const form = await this.request('/login');
    const response = await this.request('/login', { form: { email, password: PASSWORD, _csrf: tokenIn(form.text) } });
    if (response.status !== 303) throw new Error(`sign-in failed: ${response.status}`);
  }
}

export const tokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
export const versionIn = (html: string) => Number(/name="version" value="(\d+)"/.exec(html)?.[1] ?? 0);
