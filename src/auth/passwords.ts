import { hash, verify } from '@node-rs/argon2';

// Argon2id (the library's default algorithm) at OWASP's minimum: 19 MiB, 2 passes, 1 lane.
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const PASSWORD_MIN_LENGTH = 8;
/** Long passphrases are welcome; the cap only stops someone hashing megabytes. */
export const PASSWORD_MAX_LENGTH = 1024;

// The most common passwords in public breach lists, at least 8 characters long.
const COMMON_PASSWORDS = new Set([
  '12345678',
  '123456789',
  '1234567890',
  '12345678910',
  '87654321',
  '11111111',
  '00000000',
  '88888888',
  'password',
  'password1',
  'password12',
  'password123',
  'password!',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  'qwertyuiop',
  'qwerty123',
  'qwerty12',
  'qwertyui',
  '1q2w3e4r',
  '1q2w3e4r5t',
  'q1w2e3r4',
  'zaq12wsx',
  'iloveyou',
  'iloveyou1',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'welcome1',
  'welcome123',
  'superman',
  'trustno1',
  'letmein1',
  'starwars',
  'whatever',
  'dragon123',
  'master123',
  'monkey123',
  'abc12345',
  'abcd1234',
  'abcdefgh',
  'asdfghjk',
  'asdfasdf',
  'changeme',
  'changeme1',
  'admin123',
  'administrator',
  'secret123',
  'computer',
  'internet',
  'michelle',
  'jennifer',
  'samsung1',
  'liverpool',
  'chelsea1',
  'arsenal1',
  'pokemon1',
  'azerty123',
  'azertyuiop',
  'motdepasse',
  'passwort',
  'hallo123',
  'qwertz123',
  'qwertzuiop',
  '123123123',
  '123321123',
  '987654321',
  '11223344',
  '12341234',
  '1qaz2wsx',
]);

export type PasswordProblem = { message: string; params?: Record<string, number> };

/**
 * Why a password cannot be used, or null when it can: too short or too long, common,
 * made of one or two characters, or holding the account's e-mail address (or its name
 * part), which is the first thing an attacker tries.
 */
export function passwordProblem(password: string, email?: string): PasswordProblem | null {
  if (password.length < PASSWORD_MIN_LENGTH) return { message: 'msg.password.too_short', params: { min: PASSWORD_MIN_LENGTH } };
  if (password.length > PASSWORD_MAX_LENGTH) return { message: 'msg.password.too_long', params: { max: PASSWORD_MAX_LENGTH } };
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return { message: 'msg.password_too_common_choose_one_harder' };
  if (new Set(password).size < 3) return { message: 'msg.password_too_easy_guess_use_more' };
  const folded = password.normalize('NFKC').toLowerCase();
  const address = email?.normalize('NFKC').toLowerCase() ?? '';
  const local = address.split('@')[0] ?? '';
  if (address && (folded.includes(address) || (local.length >= 4 && folded.includes(local))))
    return { message: 'msg.password.contains_email' };
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // a malformed stored hash never signs anyone in
  }
}
