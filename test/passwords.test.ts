import { hashPassword, passwordProblem, verifyPassword } from '../src/auth/passwords';
import { translateMessage } from '../src/i18n';

describe('passwords', () => {
  it('refuse short, common and one-character passwords, and accept long passphrases untruncated', () => {
    // passwordProblem gives the key of its message; here in English.
    const problem = (password: string) => {
      const found = passwordProblem(password);
      return found && translateMessage('en', found.message, found.params);
    };
    expect(problem('short')).toMatch(/at least 8/);
    expect(problem('Password1')).toMatch(/too common/);
    expect(problem('aaaaaaaaaaaa')).toMatch(/too easy/);
    expect(passwordProblem('correct horse battery staple')).toBeNull();
    expect(passwordProblem('x'.repeat(128) + 'yz')).toBeNull();
  });

  it('are hashed with Argon2id at OWASP parameters and verified exactly', async () => {
    const long = 'a long passphrase '.repeat(10);
    const hash = await hashPassword(long);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, long)).toBe(true);
    // A password that differs only after 72 characters (where bcrypt would truncate) fails.
    expect(await verifyPassword(hash, `${long}!`)).toBe(false);
    expect(await verifyPassword('not-a-hash', long)).toBe(false);
  });
});
