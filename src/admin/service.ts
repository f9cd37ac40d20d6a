import type { z } from 'zod';
import { recordAuditEvent } from '../audit/queries';
import type { CurrentUser } from '../auth/current-user';
import { authorize, roleAllows, rolesAllowed } from '../auth/policy';
import type { CycleState } from '../domain';
import { cycleMove, moveCycle, type CycleTransition } from '../reports/workflow';
import { constraintOf } from '../db/pg-errors';
import type { Database } from '../db/knex';
import { sequentially, type Transactor } from '../db/transaction';
import { AppError, notFound } from '../web/errors';
import { FieldError } from '../web/forms';
import { noticeCycleOpened } from '../mail/notices';
import { listOutbox } from '../mail/outbox';
import { createUserQueries } from '../users/queries';
import { createInvitation } from './invitations';
import { createAdminQueries } from './queries';
import type {
  changeRoleSchema,
  editCountrySchema,
  editCycleSchema,
  indicatorGoalSchema,
  inviteSchema,
  newCountrySchema,
  newCycleSchema,
} from './validation';

// Users, countries and cycles. Every change is one transaction with its audit event.

/** Whether this user is the only active one left who may manage users. */
const isLastManager = (managers: number[], userId: number) => managers.length === 1 && managers[0] === userId;

const CYCLE_VERBS: Record<CycleTransition, string> = { open: 'cycle.opened', close: 'cycle.closed', plan: 'cycle.planned' };

type Context = { ipAddress: string | null };

export function createAdminService(transaction: Transactor, options: { publicUrl: string; mailConfigured: boolean }) {
  const audited = <T>(
    user: CurrentUser,
    context: Context,
    work: (
      queries: ReturnType<typeof createAdminQueries>,
      audit: (
        verb: string,
        entity: string,
        entityId: string | number,
        details: Record<string, unknown>,
        countryCode?: string | null,
      ) => Promise<void>,
      trx: Database,
    ) => Promise<T>,
  ) =>
    transaction((trx) =>
      work(
        createAdminQueries(trx),
        (verb, entity, entityId, details, countryCode = null) =>
          recordAuditEvent(trx, {
            actorUserId: user.id,
            actorLabel: user.email,
            verb,
            entity,
            entityId,
            countryCode,
            details,
            ipAddress: context.ipAddress,
          }),
        trx,
      ),
    );

  return {
    async usersPage(user: CurrentUser) {
      authorize(user, 'users.manage');
      return transaction(async (trx) => {
        const queries = createAdminQueries(trx);
        const [users, invitations, countries] = await sequentially(
          () => queries.listUsers(),
          () => queries.listPendingInvitations(),
          () => queries.listCountries(),
        );
        return { users, invitations, countries: countries.map((country) => ({ code: country.code, name: country.name })) };
      });
    },

    /** Invites a person: a one-time link, mailed to them. Returns the link, shown once as a fallback. */
    async invite(user: CurrentUser, input: z.output<typeof inviteSchema>, context: Context): Promise<string> {
      authorize(user, 'users.manage');
      return audited(user, context, async (_queries, audit, trx) => {
        const invitation = await createInvitation(trx, input, { invitedBy: user.id, publicUrl: options.publicUrl });
        await audit('invitation.created', 'invitation', invitation.id, { email: input.email, role: input.role }, input.country);
        return invitation.link;
      });
    },

    async changeRole(user: CurrentUser, userId: number, input: z.output<typeof changeRoleSchema>, context: Context) {
      authorize(user, 'users.manage');
      await audited(user, context, async (queries, audit) => {
        const managers = await queries.lockActiveUsersWithRole(rolesAllowed('users.manage'));
        const target = await queries.findUser(userId, { forUpdate: true });
        if (!target) throw notFound('user');
        if (target.id === user.id && !roleAllows({ role: input.role, countryCode: input.country }, 'users.manage'))
          throw new FieldError(409, 'self_demotion', 'role', 'msg.cannot_take_away_own_admin_role');
        if (isLastManager(managers, target.id) && !roleAllows({ role: input.role, countryCode: input.country }, 'users.manage'))
          throw new FieldError(409, 'last_admin', 'role', 'msg.last_admin');
        if (input.country && !(await queries.findCountry(input.country)))
          throw new FieldError(422, 'unknown_country', 'country', 'msg.choose_country_from_list');
        await queries.updateUser(userId, { role: input.role, country_code: input.country });
        await audit(
          'user.role_changed',
          'user',
          userId,
          { from: { role: target.role, country: target.country_code }, to: { role: input.role, country: input.country } },
          input.country ?? target.country_code,
        );
      });
    },

    /** Deactivating ends the user's sessions at once; reactivating lets them sign in again. */
    async setActive(user: CurrentUser, userId: number, active: boolean, context: Context) {
      authorize(user, 'users.manage');
      await audited(user, context, async (queries, audit, trx) => {
        const managers = await queries.lockActiveUsersWithRole(rolesAllowed('users.manage'));
        const target = await queries.findUser(userId, { forUpdate: true });
        if (!target) throw notFound('user');
        if (!active && target.id === user.id) throw new AppError(409, 'self_deactivation', 'msg.cannot_deactivate_own_account');
        if (!active && isLastManager(managers, target.id)) throw new AppError(409, 'last_admin', 'msg.last_admin');
        await queries.updateUser(userId, { active });
        const sessionsEnded = active ? 0 : await createUserQueries(trx).deleteSessionsOf(userId);
        await audit(
          active ? 'user.reactivated' : 'user.deactivated',
          'user',
          userId,
          { email: target.email, sessions_ended: sessionsEnded },
          target.country_code,
        );
      });
    },

    /** Mail waiting and sent, newest first; whether an SMTP server is set to send it. */
    async outboxPage(user: CurrentUser, filter: { status?: 'waiting' | 'sent' }) {
      authorize(user, 'mail.read');
      return { messages: await transaction((trx) => listOutbox(trx, filter)), mailConfigured: options.mailConfigured };
    },

    async countriesPage(user: CurrentUser) {
      authorize(user, 'countries.manage');
      return { countries: await transaction((trx) => createAdminQueries(trx).listCountries()) };
    },

    async addCountry(user: CurrentUser, input: z.output<typeof newCountrySchema>, context: Context) {
      authorize(user, 'countries.manage');
      await audited(user, context, async (queries, audit) => {
        if (await queries.findCountry(input.code))
          throw new FieldError(409, 'country_exists', 'code', 'msg.there_already_member_code_code', { code: input.code });
        await queries.insertCountry(input).catch((error: unknown) => {
          if (constraintOf(error) === 'countries_name_unique')
            throw new FieldError(409, 'name_taken', 'name', 'msg.another_member_already_has_name');
          throw error;
        });
        await audit('country.added', 'country', input.code, { ...input }, input.code);
      });
    },

    async editCountry(user: CurrentUser, code: string, input: z.output<typeof editCountrySchema>, context: Context) {
      authorize(user, 'countries.manage');
      await audited(user, context, async (queries, audit) => {
        const before = await queries.findCountry(code);
        if (!before) throw notFound('member');
        await queries.updateCountry(code, input).catch((error: unknown) => {
          if (constraintOf(error) === 'countries_name_unique')
            throw new FieldError(409, 'name_taken', 'name', 'msg.another_member_already_has_name');
          throw error;
        });
        await audit('country.changed', 'country', code, { before, after: input }, code);
      });
    },

    async indicatorsPage(user: CurrentUser) {
      authorize(user, 'indicators.manage');
      return transaction(async (trx) => {
        const queries = createAdminQueries(trx);
        return { indicators: await queries.listIndicators(), goalCodes: await queries.listGoalCodes() };
      });
    },

    /** An indicator's goal: audited, read by the public charts and the open data from then on. */
    async editIndicatorGoal(user: CurrentUser, code: string, input: z.output<ReturnType<typeof indicatorGoalSchema>>, context: Context) {
      authorize(user, 'indicators.manage');
      await audited(user, context, async (queries, audit) => {
        const before = await queries.findIndicator(code);
        if (!before) throw notFound('indicator');
        if (input.goal_code !== null && !(await queries.listGoalCodes()).includes(input.goal_code))
          throw new FieldError(422, 'unknown_goal', 'goal_code', 'msg.choose_an_operational_goal');
        await queries.updateIndicatorGoal(code, input);
        await audit('indicator.goal_changed', 'indicator', code, { before, after: input });
      });
    },

    async cyclesPage(user: CurrentUser) {
      authorize(user, 'cycles.manage');
      return { cycles: await transaction((trx) => createAdminQueries(trx).listCycles()) };
    },

    async createCycle(user: CurrentUser, input: z.output<typeof newCycleSchema>, context: Context) {
      authorize(user, 'cycles.manage');
      await audited(user, context, async (queries, audit) => {
        if (await queries.findCycle(input.slug))
          throw new FieldError(409, 'cycle_exists', 'slug', 'msg.there_already_cycle_called_slug', { slug: input.slug });
        await queries.insertCycle(input);
        await audit('cycle.created', 'cycle', input.slug, { ...input });
      });
    },

    async editCycle(user: CurrentUser, slug: string, input: z.output<typeof editCycleSchema>, context: Context) {
      authorize(user, 'cycles.manage');
      await audited(user, context, async (queries, audit) => {
        const before = await queries.findCycle(slug, { forUpdate: true });
        if (!before) throw notFound('reporting cycle');
        await queries.updateCycle(slug, input);
        await audit('cycle.changed', 'cycle', slug, {
          before: {
            title: before.title,
            opens_on: before.opens_on,
            due_on: before.due_on,
            closes_on: before.closes_on,
            reminder_days: before.reminder_days,
          },
          after: input,
        });
      });
    },

    /** Opening lets delegates draft and submit; closing locks every report of the cycle. */
    async changeCycleState(user: CurrentUser, slug: string, state: CycleState, context: Context) {
      authorize(user, 'cycles.manage');
      await audited(user, context, async (queries, audit, trx) => {
        const cycle = await queries.findCycle(slug, { forUpdate: true });
        if (!cycle) throw notFound('reporting cycle');
        const move = cycleMove(cycle.state, state);
        if (!move) throw new AppError(409, 'no_change', 'msg.cycle_cannot_go_from_from', { from: cycle.state, to: state });
        await moveCycle(queries, slug, move);
        const mailed = move === 'open' ? await noticeCycleOpened(trx, cycle, options.publicUrl) : 0;
        await audit(CYCLE_VERBS[move], 'cycle', slug, { from: cycle.state, to: state, ...(move === 'open' ? { mailed } : {}) });
      });
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
