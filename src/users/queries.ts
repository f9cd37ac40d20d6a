import type { Database } from '../db/knex';
import type { UserRow } from '../db/rows';
import type { Role } from '../domain';

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
    }): Promise<UserRow> {
      const [row] = await db('users').insert(user).returning(['id', 'email', 'name', 'role', 'country_code', 'active']);
      return row as UserRow;
    },
  };
}
