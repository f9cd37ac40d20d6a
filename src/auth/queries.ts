import { sequentially } from '../db/transaction';
import type { Database } from '../db/knex';
import type { UserRow } from '../db/rows';
import type { Role } from '../domain';

export type CredentialsRow = UserRow & { password_hash: string | null };

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
        .select('id', 'email', 'name', 'role', 'country_code', 'active', 'password_hash')
        .whereRaw('lower(email) = lower(?)', [email])
        .first();
    },

    async findActiveUser(id: number): Promise<UserRow | undefined> {
      return db('users').select('id', 'email', 'name', 'role', 'country_code', 'active').where({ id, active: true }).first();
    },

    async recordSignIn(userId: number): Promise<void> {
      await db('users').where({ id: userId }).update({ last_signed_in_at: db.fn.now() });
    },

    /** Failed sign-ins in the window, for this address of e-mail and for this network address. */
    /** Whether a throttled burst for this throttle key and address is already in the log. */
    async throttleRecorded(key: string, ipAddress: string | null, windowMinutes: number): Promise<boolean> {
      const row = await db('audit_events')
        .where('verb', 'auth.sign_in_throttled')
        .andWhereRaw("details ->> 'key' = ?", [key])
        .andWhere((where) => (ipAddress === null ? where.whereNull('ip_address') : where.where('ip_address', ipAddress)))
        .andWhere('at', '>', db.raw(`now() - make_interval(mins => ?)`, [windowMinutes]))
        .first('id');
      return row !== undefined;
    },

    /** Failed sign-ins in the window under this throttle key (see signIn), and from this address. */
    async countRecentFailures(key: string, ipAddress: string | null, windowMinutes: number): Promise<{ account: number; address: number }> {
      const since = db.raw(`now() - make_interval(mins => ?)`, [windowMinutes]);
      const [account, address] = await sequentially(
        () =>
          db('audit_events')
            .where('verb', 'auth.sign_in_failed')
            .andWhereRaw("details ->> 'key' = ?", [key])
            .andWhere('at', '>', since)
            .count<{ count: number }[]>('* as count')
            .first(),
        () =>
          ipAddress
            ? db('audit_events')
                .where({ verb: 'auth.sign_in_failed', ip_address: ipAddress })
                .andWhere('at', '>', since)
                .count<{ count: number }[]>('* as count')
                .first()
            : Promise.resolve({ count: 0 }),
      );
      return { account: account?.count ?? 0, address: address?.count ?? 0 };
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
