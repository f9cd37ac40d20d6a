import type { Database } from '../db/knex';
import type { UserRow } from '../db/rows';
import type { Role } from '../domain';
import type { Language } from '../i18n';

export type CredentialsRow = UserRow & { password_hash: string | null; password_changed_at: Date | null; language: Language };

export type PasswordResetRow = {
  id: number;
  user_id: number;
  expires_at: Date;
  used_at: Date | null;
  email: string;
  active: boolean;
  country_code: string | null;
};

export type InvitationRow = {
  id: number;
  email: string;
  name: string;
  role: Role;
  country_code: string | null;
  expires_at: Date;
  accepted_at: Date | null;
};

export function createAuthQueries(db: Database) {
  return {
    async findCredentials(email: string): Promise<CredentialsRow | undefined> {
      return db('users')
        .select('id', 'email', 'name', 'role', 'country_code', 'active', 'password_hash', 'password_changed_at', 'language')
        .whereRaw('lower(email) = lower(?)', [email])
        .first();
    },

    /** Moves with every change to what findActiveUser reads (migration ...001300_users_version). */
    async usersVersion(): Promise<number> {
      return Number((await db('users_version').first('version'))?.version ?? 0);
    },

    async findActiveUser(id: number): Promise<UserRow | undefined> {
      return db('users').select('id', 'email', 'name', 'role', 'country_code', 'active').where({ id, active: true }).first();
    },

    /** The time, and the language the user now reads the site in (their mail follows it). */
    async recordSignIn(userId: number, language: Language): Promise<void> {
      await db('users').where({ id: userId }).update({ last_signed_in_at: db.fn.now(), language });
    },

    /** Whether a throttled burst for this throttle key and address is already in the log. */
    async throttleRecorded(verb: string, key: string | null, ipAddress: string | null, windowMinutes: number): Promise<boolean> {
      const row = await db('audit_events')
        .where('verb', verb)
        .andWhere((where) => (key === null ? where : where.whereRaw("details ->> 'key' = ?", [key])))
        .andWhere((where) => (ipAddress === null ? where.whereNull('ip_address') : where.where('ip_address', ipAddress)))
        .andWhere('at', '>', db.raw(`now() - make_interval(mins => ?)`, [windowMinutes]))
        .first('id');
      return row !== undefined;
    },

    /**
     * Failed sign-ins in the window: under this throttle key from this address (the pair),
     * with the time of the last; under this key from anywhere (the account); and from this
     * address under any key. Failures under the key before `accountSince` (the password
     * was reset since) no longer count.
     */
    async failureCounts(
      key: string,
      ipAddress: string | null,
      windowMinutes: number,
      accountSince: Date | null,
    ): Promise<{ pair: number; pairLast: Date | null; account: number; address: number }> {
      const { rows } = await db.raw<{ rows: Array<{ pair: number; pair_last: Date | null; account: number; address: number }> }>(
        `select count(*) filter (where mine and ip_address is not distinct from ?)::integer as pair,
                max(at) filter (where mine and ip_address is not distinct from ?) as pair_last,
                count(*) filter (where mine)::integer as account,
                count(*) filter (where ip_address = ?)::integer as address
           from (select at, ip_address, (details ->> 'key' = ? and at > coalesce(?::timestamptz, '-infinity')) as mine
                   from audit_events
                  where verb = 'auth.sign_in_failed'
                    and at > now() - make_interval(mins => ?)
                    and (details ->> 'key' = ? or ip_address = ?)) failures`,
        [ipAddress, ipAddress, ipAddress, key, accountSince, windowMinutes, key, ipAddress],
      );
      // An aggregate without GROUP BY returns exactly one row.
      const [row] = rows as [(typeof rows)[number]];
      return { pair: row.pair, pairLast: row.pair_last, account: row.account, address: row.address };
    },

    /** Password-reset requests from this address in the window. */
    async countResetRequests(ipAddress: string | null, windowMinutes: number): Promise<number> {
      if (ipAddress === null) return 0;
      const row = await db('audit_events')
        .where({ verb: 'auth.password_reset_requested', ip_address: ipAddress })
        .andWhere('at', '>', db.raw(`now() - make_interval(mins => ?)`, [windowMinutes]))
        .count<{ count: number }[]>('* as count')
        .first();
      return row?.count ?? 0;
    },

    /** Reset links made for a user in the window. */
    async countResetsOf(userId: number, windowMinutes: number): Promise<number> {
      const row = await db('password_resets')
        .where({ user_id: userId })
        .andWhere('created_at', '>', db.raw(`now() - make_interval(mins => ?)`, [windowMinutes]))
        .count<{ count: number }[]>('* as count')
        .first();
      return row?.count ?? 0;
    },

    async insertPasswordReset(reset: { token_hash: string; user_id: number; expires_at: Date }): Promise<void> {
      await db('password_resets').insert(reset);
    },

    async findPasswordReset(tokenHash: string, options: { forUpdate?: boolean } = {}): Promise<PasswordResetRow | undefined> {
      const query = db('password_resets as r')
        .join('users as u', 'u.id', 'r.user_id')
        .select('r.id', 'r.user_id', 'r.expires_at', 'r.used_at', 'u.email', 'u.active', 'u.country_code')
        .where('r.token_hash', tokenHash)
        .first();
      return options.forUpdate ? query.forUpdate() : query;
    },

    /** Sets a new password; every unused reset link of the user stops working. */
    async changePassword(userId: number, passwordHash: string): Promise<void> {
      await db('users')
        .where({ id: userId })
        .update({ password_hash: passwordHash, password_changed_at: db.fn.now(), updated_at: db.fn.now() });
      await db('password_resets').where({ user_id: userId }).whereNull('used_at').update({ used_at: db.fn.now() });
    },

    async findInvitation(tokenHash: string, options: { forUpdate?: boolean } = {}): Promise<InvitationRow | undefined> {
      const query = db('invitations')
        .select('id', 'email', 'name', 'role', 'country_code', 'expires_at', 'accepted_at')
        .where({ token_hash: tokenHash })
        .first();
      return options.forUpdate ? query.forUpdate() : query;
    },

    async markInvitationAccepted(id: number, userId: number): Promise<void> {
      await db('invitations').where({ id }).update({ accepted_at: db.fn.now(), user_id: userId });
    },
  };
}
