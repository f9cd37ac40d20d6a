import type { Database } from '../db/knex';
import { INDICATOR_GOAL_COLUMNS, type CountryRow, type CycleRow, type IndicatorGoalRow, type UserRow } from '../db/rows';
import type { CycleState, Role } from '../domain';
import type { Language } from '../i18n';

/** A cycle with its reminders: the days before the due date they go. */
export type AdminCycleRow = CycleRow & { reminder_days: number[] };

export type AdminUserRow = UserRow & { last_signed_in_at: Date | null };

export type PendingInvitationRow = { id: number; email: string; name: string; role: Role; country_code: string | null; expires_at: Date };

export function createAdminQueries(db: Database) {
  return {
    async listUsers(): Promise<AdminUserRow[]> {
      return db('users')
        .select('id', 'email', 'name', 'role', 'country_code', 'active', 'last_signed_in_at')
        .orderBy([{ column: 'active', order: 'desc' }, { column: 'name' }]);
    },

    async findUser(id: number, options: { forUpdate?: boolean } = {}): Promise<AdminUserRow | undefined> {
      const query = db('users').select('id', 'email', 'name', 'role', 'country_code', 'active', 'last_signed_in_at').where({ id }).first();
      return options.forUpdate ? query.forUpdate() : query;
    },

    async emailInUse(email: string): Promise<boolean> {
      const user = await db('users').whereRaw('lower(email) = lower(?)', [email]).first('id');
      const invitation = await db('invitations')
        .whereRaw('lower(email) = lower(?)', [email])
        .whereNull('accepted_at')
        .andWhere('expires_at', '>', db.fn.now())
        .first('id');
      return Boolean(user || invitation);
    },

    async updateUser(id: number, fields: Partial<{ role: Role; country_code: string | null; active: boolean }>): Promise<void> {
      await db('users')
        .where({ id })
        .update({ ...fields, updated_at: db.fn.now() });
    },

    /**
     * Locks the active users with one of these roles until the transaction ends, and
     * returns their ids: two admins changing each other at once then take turns, and the
     * second sees what the first did.
     */
    async lockActiveUsersWithRole(roles: readonly Role[]): Promise<number[]> {
      const rows: Array<{ id: number }> = await db('users')
        .select('id')
        .whereIn('role', roles)
        .andWhere({ active: true })
        .orderBy('id')
        .forUpdate();
      return rows.map((row) => row.id);
    },

    async insertInvitation(invitation: {
      token_hash: string;
      email: string;
      name: string;
      role: Role;
      country_code: string | null;
      language: Language;
      invited_by: number | null;
      expires_at: Date;
    }): Promise<number> {
      const [row] = await db('invitations').insert(invitation).returning('id');
      return row.id as number;
    },

    async listPendingInvitations(): Promise<PendingInvitationRow[]> {
      return db('invitations')
        .select('id', 'email', 'name', 'role', 'country_code', 'expires_at')
        .whereNull('accepted_at')
        .andWhere('expires_at', '>', db.fn.now())
        .orderBy('created_at', 'desc');
    },

    async listCountries(): Promise<CountryRow[]> {
      return db('countries').select('code', 'name', 'region', 'eu_member', 'joined_on', 'left_on').orderBy('name');
    },

    async findCountry(code: string): Promise<CountryRow | undefined> {
      return db('countries').select('code', 'name', 'region', 'eu_member', 'joined_on', 'left_on').where({ code }).first();
    },

    async insertCountry(country: CountryRow): Promise<void> {
      await db('countries').insert(country);
    },

    async updateCountry(code: string, fields: Omit<CountryRow, 'code'>): Promise<void> {
      await db('countries')
        .where({ code })
        .update({ ...fields, updated_at: db.fn.now() });
    },

    async listIndicators(): Promise<IndicatorGoalRow[]> {
      return db('indicators').select(INDICATOR_GOAL_COLUMNS).orderBy('code');
    },

    async findIndicator(code: string): Promise<IndicatorGoalRow | undefined> {
      return db('indicators').select(INDICATOR_GOAL_COLUMNS).where({ code }).forUpdate().first();
    },

    async updateIndicatorGoal(
      code: string,
      goal: Pick<IndicatorGoalRow, 'goal_code' | 'goal_annual_change' | 'goal_source'>,
    ): Promise<void> {
      await db('indicators').where({ code }).update(goal);
    },

    async listGoalCodes(): Promise<string[]> {
      return (await db('operational_goals').select('code').orderBy('code')).map((row: { code: string }) => row.code);
    },

    async listCycles(): Promise<AdminCycleRow[]> {
      return db('cycles')
        .select('id', 'slug', 'title', 'kind', 'opens_on', 'due_on', 'closes_on', 'state', 'reminder_days')
        .orderBy('opens_on', 'desc');
    },

    async findCycle(slug: string, options: { forUpdate?: boolean } = {}): Promise<AdminCycleRow | undefined> {
      const query = db('cycles')
        .select('id', 'slug', 'title', 'kind', 'opens_on', 'due_on', 'closes_on', 'state', 'reminder_days')
        .where({ slug })
        .first();
      return options.forUpdate ? query.forUpdate() : query;
    },

    async insertCycle(cycle: Omit<AdminCycleRow, 'id' | 'state'>): Promise<void> {
      await db('cycles').insert({ ...cycle, state: 'planned' });
    },

    async updateCycle(
      slug: string,
      fields: Pick<AdminCycleRow, 'title' | 'opens_on' | 'due_on' | 'closes_on' | 'reminder_days'>,
    ): Promise<void> {
      await db('cycles')
        .where({ slug })
        .update({ ...fields, updated_at: db.fn.now() });
    },

    /** A cycle's state: only the workflow moves it (reports/workflow.ts). */
    async setCycleState(slug: string, state: CycleState): Promise<void> {
      await db('cycles').where({ slug }).update({ state, updated_at: db.fn.now() });
    },
  };
}

export type AdminQueries = ReturnType<typeof createAdminQueries>;
