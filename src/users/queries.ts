import type { Database } from '../db/knex';
import type { UserRow } from '../db/rows';
import type { Role } from '../domain';
import type { Language } from '../i18n';

export function createUserQueries(db: Database) {
  return {
    async findByEmail(email: string): Promise<UserRow | undefined> {
      return db('users')
        .select('id', 'email', 'name', 'role', 'country_code', 'active')
        .whereRaw('lower(email) = lower(?)', [email])
        .first();
    },
    async countryExists(code: string): Promise<boolean> {
      return (await db('countries').where({ code }).first('code')) !== undefined;
    },
    async insert(user: {
      email: string;
      name: string;
      role: Role;
      country_code: string | null;
      password_hash: string | null;
      language?: Language;
    }): Promise<UserRow> {
      const [row] = await db('users').insert(user).returning(['id', 'email', 'name', 'role', 'country_code', 'active']);
      return row as UserRow;
    },

    /** Ends every session of a user at once. */
    async deleteSessionsOf(userId: number): Promise<number> {
      return db('sessions').whereRaw("(sess ->> 'userId')::integer = ?", [userId]).delete();
    },
  };
}
