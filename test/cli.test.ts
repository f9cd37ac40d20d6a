import { Readable } from 'node:stream';
import { exitCodeFor, runCli } from '../src/cli';
import { verifyPassword } from '../src/auth/passwords';
import { useTestDatabase } from './helpers/database';

describe('command-line tool', () => {
  const database = useTestDatabase();

  const cli = (argv: string[], stdin = '') =>
    runCli(argv, { stdin: Readable.from([stdin]), env: { DATABASE_URL: database.url, LOG_LEVEL: 'silent' } });
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toEqual(expect.objectContaining({ message: expect.any(String) }));
    return { message: (error as Error).message, exitCode: exitCodeFor(error) };
  };

  it('user add creates an active user with an Argon2id hash of the password from standard input, and audits it', async () => {
    const output = await cli(
      [
        'user',
        'add',
        '--email',
        'Delegate.FR@example.org',
        '--name',
        'Marie Curie',
        '--role',
        'delegate',
        '--country',
        'fr',
        '--password-stdin',
      ],
      'a very good passphrase\n',
    );

    expect(output).toMatch(/Created delegate Delegate.FR@example.org .* for FR/);
    const user = await database.db('users').whereRaw('lower(email) = ?', ['delegate.fr@example.org']).first();
    expect(user).toMatchObject({ name: 'Marie Curie', role: 'delegate', country_code: 'FR', active: true });
    expect(await verifyPassword(user.password_hash, 'a very good passphrase')).toBe(true);
    const event = await database
      .db('audit_events')
      .where({ verb: 'user.created', entity_id: String(user.id) })
      .first();
    expect(event).toMatchObject({ actor_label: 'cli', country_code: 'FR' });
    expect(JSON.stringify(event.details)).not.toContain('passphrase');
  });

  it('user add refuses bad input with a clear message, exit code 2, and creates nothing', async () => {
    const before = await database.db('users').count<{ count: number }[]>('* as count').first();
    const cases: Array<[string[], string, RegExp]> = [
      [['--email', 'weak@example.org', '--name', 'W', '--role', 'admin', '--password-stdin'], 'password', /too common/],
      [['--email', 'short@example.org', '--name', 'S', '--role', 'admin', '--password-stdin'], 'abc', /at least 8/],
      [['--email', 'not-an-address', '--name', 'N', '--role', 'admin', '--password-stdin'], 'a good passphrase', /e-mail address/],
      [['--email', 'd@example.org', '--name', 'D', '--role', 'delegate', '--password-stdin'], 'a good passphrase', /needs a country/],
      [
        ['--email', 'q@example.org', '--name', 'Q', '--role', 'delegate', '--country', 'QQ', '--password-stdin'],
        'a good passphrase',
        /no member with the code QQ/,
      ],
      [
        ['--email', 'r@example.org', '--name', 'R', '--role', 'root', '--password-stdin'],
        'a good passphrase',
        /delegate, secretariat or admin/,
      ],
      [['--email', 'p@example.org', '--name', 'P', '--role', 'admin'], 'a good passphrase', /--password-stdin/],
      [['--email', 'p@example.org', '--role', 'admin', '--password-stdin'], 'a good passphrase', /--name/],
      [['--email', 'p@example.org', '--name', 'P', '--role', 'admin', '--password-stdin', '--sudo'], 'a good passphrase', /Unknown option/],
    ];
    for (const [args, password, expected] of cases) {
      const { message, exitCode } = await failure(cli(['user', 'add', ...args], password));
      expect(message).toMatch(expected);
      expect(exitCode).toBe(2);
    }
    expect(await database.db('users').count<{ count: number }[]>('* as count').first()).toEqual(before);
  });

  it('user add refuses an address that exists in another case', async () => {
    await cli(
      ['user', 'add', '--email', 'staff@example.org', '--name', 'Staff', '--role', 'secretariat', '--password-stdin'],
      'a good passphrase',
    );
    const { message, exitCode } = await failure(
      cli(
        ['user', 'add', '--email', 'STAFF@example.org', '--name', 'Staff', '--role', 'secretariat', '--password-stdin'],
        'a good passphrase',
      ),
    );
    expect(message).toMatch(/already exists/);
    expect(exitCode).toBe(2);
  });

  it('answers unknown commands with the usage and exit code 2', async () => {
    expect(await cli([])).toMatch(/Usage: npm run cli/);
    expect((await failure(cli(['frobnicate']))).exitCode).toBe(2);
    expect((await failure(cli(['user', 'remove']))).exitCode).toBe(2);
    expect((await failure(cli(['seed', 'extra']))).exitCode).toBe(2);
  });

  it('migrate and seed report that there is nothing to do on an up-to-date database', async () => {
    expect(await cli(['migrate'])).toBe('The database is up to date.');
    expect(await cli(['seed'])).toMatch(/"countries":0/);
  });
});
