import { parseArgs } from 'node:util';
import { loadConfig } from './config';
import { loadDemoData } from './demo/load-demo';
import { migrateToLatest } from './db/migrate';
import { openDatabase, type OpenedDatabase } from './db/open';
import { seedReferenceData } from './db/seed';
import { transactorFor } from './db/transaction';
import { createLogger } from './logger';
import { createUserService } from './users/service';
import { AppError } from './web/errors';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  migrate      apply pending database migrations
  seed         insert missing reference data (members, targets, goals, cycles)
  user add     create a user; the password is read from standard input
                 --email E --name N --role delegate|secretariat|admin [--country CC] --password-stdin
  demo         load demonstration reports so the public pages have content

Without DATABASE_URL the embedded PostgreSQL under DATA_DIR is used.`;

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (then Enter, Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // Only the line ending is trimmed: spaces inside or around a passphrase are kept.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function userAdd(database: OpenedDatabase, args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      country: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
    strict: true,
  });
  if (!values['password-stdin']) throw new UsageError('user add reads the password from standard input: pass --password-stdin.');
  for (const required of ['email', 'name', 'role'] as const) {
    if (!values[required]) throw new UsageError(`user add needs --${required}.`);
  }
  const password = await readStdin();
  const users = createUserService(transactorFor(database.db));
  const user = await users.addUser(
    { email: values.email!, name: values.name!, role: values.role as 'admin', country: values.country, password },
    { userId: null, label: 'cli' },
  );
  return `Created ${user.role} ${user.email} (id ${user.id})${user.country_code ? ` for ${user.country_code}` : ''}.`;
}

async function run(argv: string[]): Promise<string> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') return USAGE;
  const known = ['migrate', 'seed', 'user', 'demo'];
  if (!known.includes(command)) throw new UsageError(`Unknown command "${command}".`);
  if (command === 'user' && rest[0] !== 'add') throw new UsageError('The user command has one sub-command: user add.');
  if (command !== 'user' && rest.length > 0) throw new UsageError(`${command} takes no arguments.`);

  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const database = await openDatabase(config, logger);
  try {
    const migrations = await migrateToLatest(database.db);
    switch (command) {
      case 'migrate':
        return migrations.length ? `Applied ${migrations.length} migrations:\n  ${migrations.join('\n  ')}` : 'The database is up to date.';
      case 'seed': {
        const seeded = await seedReferenceData(database.db);
        return `Reference data inserted (rows added per table): ${JSON.stringify(seeded)}`;
      }
      case 'demo': {
        await seedReferenceData(database.db);
        const filled = await loadDemoData(database.db);
        return filled.length ? `Demo reports loaded for ${filled.join(', ')}.` : 'The demo reports were already there: nothing added.';
      }
      default:
        await seedReferenceData(database.db);
        return await userAdd(database, rest.slice(1));
    }
  } finally {
    await database.close();
  }
}

run(process.argv.slice(2)).then(
  (output) => {
    process.stdout.write(`${output}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`Error: ${message}\n`);
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') process.stderr.write(`\n${USAGE}\n`);
    process.exit(error instanceof UsageError || error instanceof AppError ? 2 : 1);
  },
);
