import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config';
import { loadDemoData, PRACTICE_CYCLE } from './demo/load-demo';
import { migrateToLatest } from './db/migrate';
import { openDatabase, type OpenedDatabase } from './db/open';
import { seedReferenceData } from './db/seed';
import { transactorFor } from './db/transaction';
import { createLogger } from './logger';
import { sendReminders } from './mail/notices';
import { createUserService } from './users/service';
import { AppError } from './web/errors';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  migrate      apply pending database migrations
  seed         insert missing reference data (members, targets, goals, cycles)
  user add     create a user; the password is read from standard input
                 --email E --name N --role delegate|secretariat|admin [--country CC] --password-stdin
  user invite  mail a person an invitation to choose their own password (prints the link too)
                 --email E --name N --role delegate|secretariat|admin [--country CC] [--language en|fr|de]
  reminders    write the reminders due today (before due dates, overdue) to the outbox; each goes once
  demo         load demonstration reports so the public pages have content, and open a practice cycle

Without DATABASE_URL the embedded PostgreSQL under DATA_DIR is used.`;

class UsageError extends Error {}

export type CliInput = {
  /** Standard input, read only by `user add --password-stdin`. */
  stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
};

async function readPassword(stdin: CliInput['stdin']): Promise<string> {
  if (stdin.isTTY) process.stderr.write('Password (then Enter, Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  // Only the line ending is trimmed: spaces inside or around a passphrase are kept.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Who a new account or an invitation is for. */
const PERSON_OPTIONS = {
  email: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  country: { type: 'string' },
} as const;

async function userAdd(database: OpenedDatabase, args: string[], stdin: CliInput['stdin']): Promise<string> {
  const { values } = parseArgs({
    args,
    options: { ...PERSON_OPTIONS, 'password-stdin': { type: 'boolean' } },
    strict: true,
  });
  if (!values['password-stdin']) throw new UsageError('user add reads the password from standard input: pass --password-stdin.');
  for (const required of ['email', 'name', 'role'] as const) {
    if (!values[required]) throw new UsageError(`user add needs --${required}.`);
  }
  const password = await readPassword(stdin);
  const users = createUserService(transactorFor(database.db));
  const user = await users.addUser(
    { email: values.email, name: values.name, role: values.role, country: values.country, password },
    { userId: null, label: 'cli' },
  );
  return `Created ${user.role} ${user.email} (id ${user.id})${user.country_code ? ` for ${user.country_code}` : ''}.`;
}

async function userInvite(database: OpenedDatabase, args: string[], publicUrl: string): Promise<string> {
  const { values } = parseArgs({
    args,
    options: { ...PERSON_OPTIONS, language: { type: 'string', default: 'en' } },
    strict: true,
  });
  for (const required of ['email', 'name', 'role'] as const) {
    if (!values[required]) throw new UsageError(`user invite needs --${required}.`);
  }
  const users = createUserService(transactorFor(database.db));
  const link = await users.invite({ ...values, country: values.country ?? '' }, { userId: null, label: 'cli' }, publicUrl);
  return `Invitation for ${values.email} written to the outbox (sent when SMTP_URL is set; else read it at /admin/outbox).
Its link, if you send it yourself: ${link}`;
}

/** Runs one command; resolves with what to print, rejects with what went wrong. */
export async function runCli(argv: string[], input: CliInput): Promise<string> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') return USAGE;
  const known = ['migrate', 'seed', 'user', 'demo', 'reminders'];
  if (!known.includes(command)) throw new UsageError(`Unknown command "${command}".`);
  if (command === 'user' && rest[0] !== 'add' && rest[0] !== 'invite')
    throw new UsageError('The user command has two sub-commands: user add and user invite.');
  if (command !== 'user' && rest.length > 0) throw new UsageError(`${command} takes no arguments.`);

  const config = loadConfig(input.env);
  const logger = createLogger(input.env.LOG_LEVEL ?? 'warn');
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
      case 'reminders': {
        const sent = await sendReminders(database.db, { publicUrl: config.publicUrl });
        return sent ? `Reminders written to the outbox for ${sent} member(s) and cycle(s).` : 'No reminder is due today.';
      }
      case 'demo': {
        await seedReferenceData(database.db);
        const filled = await loadDemoData(database.db);
        const loaded = filled.length
          ? `Demo reports loaded for ${filled.join(', ')}.`
          : 'The demo reports were already there: nothing added.';
        return `${loaded} The cycle ${PRACTICE_CYCLE} is open for practice reports.`;
      }
      default:
        await seedReferenceData(database.db);
        return rest[0] === 'invite'
          ? await userInvite(database, rest.slice(1), config.publicUrl)
          : await userAdd(database, rest.slice(1), input.stdin);
    }
  } finally {
    await database.close();
  }
}

/** Exit codes: 0 done, 2 bad arguments or input (nothing changed), 1 anything else. */
export function exitCodeFor(error: unknown): number {
  const isUsage = error instanceof UsageError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS');
  return isUsage || error instanceof AppError || error instanceof ConfigError ? 2 : 1;
}

if (require.main === module) {
  runCli(process.argv.slice(2), { stdin: process.stdin, env: process.env }).then(
    (output) => {
      process.stdout.write(`${output}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
      if (exitCodeFor(error) === 2 && !(error instanceof AppError)) process.stderr.write(`\n${USAGE}\n`);
      process.exit(exitCodeFor(error));
    },
  );
}
