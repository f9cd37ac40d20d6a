import { z } from 'zod';
import { recordAuditEvent } from '../audit/queries';
import type { Transactor } from '../db/transaction';
import type { Role } from '../domain';
import { createUserQueries } from '../users/queries';
import { AppError } from '../web/errors';
import { FieldError } from '../web/forms';
import { hashPassword, passwordProblem, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords';
import { createAuthQueries } from './queries';
import { hashToken, newToken } from './tokens';
import { enqueueMail } from '../mail/outbox';
import type { Language } from '../i18n';
import type { CurrentUser } from './current-user';

/**
 * Sign-in throttling, counted from the audit trail over `windowMinutes`:
 * - one address guessing one account gets `pairFree` tries, then must wait 1, 2, 4 …
 *   minutes (at most `pairMaxDelayMinutes`) after each further failure; the same account
 *   from another address (its owner at their desk) is not slowed by it;
 * - one address failing on any accounts is stopped at `perAddress` (an office behind one
 *   NAT address shares it, so it is well above what one person mistypes);
 * - one account failing from every address is stopped at `perAccount` (guessing spread
 *   over many addresses); its owner gets through by resetting the password, after which
 *   the earlier failures no longer count.
 */
export const THROTTLE = { windowMinutes: 60, pairFree: 5, pairMaxDelayMinutes: 30, perAddress: 100, perAccount: 50 } as const;

/** Minutes one address must wait after its nth failure on one account. */
export const pairDelayMinutes = (failures: number) =>
  failures < THROTTLE.pairFree ? 0 : Math.min(2 ** (failures - THROTTLE.pairFree), THROTTLE.pairMaxDelayMinutes);

/** Reset requests per address and hour; reset mails per account and hour, and at most one in `minutesBetweenMails`; how long a link works. */
export const PASSWORD_RESET = { perAddress: 10, perAccount: 3, windowMinutes: 60, minutesBetweenMails: 5, validMinutes: 60 } as const;

// Verified when the e-mail is unknown, so that an unknown address takes as long to
// refuse as a wrong password and the two cannot be told apart.
const UNKNOWN_USER_HASH = hashPassword('no user has this password: it only costs time');

export const signInSchema = z
  .object({
    email: z
      .string({ error: 'msg.enter_e_mail_address' })
      .trim()
      .min(1, 'msg.enter_e_mail_address')
      .max(254, 'msg.enter_correct_e_mail_address_password'),
    password: z
      .string({ error: 'msg.enter_your_password' })
      .min(1, 'msg.enter_your_password')
      .max(PASSWORD_MAX_LENGTH, 'msg.enter_correct_e_mail_address_password'),
    /** Where to go after signing in: checked by safeNextPath, never followed as it is. */
    next: z.string().optional(),
  })
  .strict();

/** A password someone chooses: long enough and not common (the e-mail check needs the account, in the service). */
const chosenPassword = z.string().superRefine((password, context) => {
  const problem = passwordProblem(password);
  if (problem) context.addIssue({ code: 'custom', message: problem.message, params: problem.params });
});

export const setPasswordSchema = z
  .object({
    password: chosenPassword,
    confirm: z.string(),
    /** The address, sent along for password managers; the invitation decides whose password it is. */
    username: z.string().optional(),
  })
  .strict()
  .refine((form) => form.password === form.confirm, { path: ['confirm'], error: 'msg.two_passwords_are_not_same' });

export const passwordResetRequestSchema = z
  .object({
    email: z
      .string({ error: 'msg.enter_e_mail_address' })
      .trim()
      .min(1, 'msg.enter_e_mail_address')
      .max(254, 'msg.enter_e_mail_address_like_name')
      .pipe(z.email({ error: 'msg.enter_e_mail_address_like_name' })),
  })
  .strict();

export const newPasswordSchema = z
  .object({
    password: chosenPassword,
    password_confirmation: z.string(),
    /** The address, sent along for password managers; the link decides whose password it is. */
    username: z.string().optional(),
  })
  .strict()
  .refine((form) => form.password === form.password_confirmation, {
    path: ['password_confirmation'],
    error: 'msg.two_passwords_are_not_same',
  });

export type RequestContext = { ipAddress: string | null; language: Language };

/** An e-mail address as the throttle keys it: Unicode compatibility forms folded (NFKC), lower case. */
const normaliseEmail = (email: string) => email.trim().normalize('NFKC').toLowerCase();

/** The account an address means, whether typed in another case (PostgreSQL folds it) or in a compatibility form (full-width letters). */
const findAccount = async (queries: ReturnType<typeof createAuthQueries>, email: string) =>
  (await queries.findCredentials(email)) ?? (await queries.findCredentials(normaliseEmail(email)));

const minutesUntil = (time: number) => Math.max(1, Math.ceil((time - Date.now()) / 60_000));

export function createAuthService(transaction: Transactor, options: { publicUrl: string }) {
  return {
    /**
     * Checks the credentials. Unknown e-mail, wrong password and deactivated account get
     * the same answer; after too many failures the account and the address are throttled.
     */
    async signIn(email: string, password: string, context: RequestContext): Promise<CurrentUser> {
      const user = await transaction((trx) => findAccount(createAuthQueries(trx), email));
      // Failures count against the account the address resolves to, however it was spelt
      // (case, a dotted capital I, compatibility characters), else against the address as
      // normalised once here: one key, compared as it is, never re-folded by SQL.
      const spelt = normaliseEmail(email);
      const key = user ? `user:${user.id}` : `email:${spelt}`;
      const failures = await transaction((trx) =>
        createAuthQueries(trx).failureCounts(key, context.ipAddress, THROTTLE.windowMinutes, user?.password_changed_at ?? null),
      );
      const pairWaitUntil = failures.pairLast ? failures.pairLast.getTime() + pairDelayMinutes(failures.pair) * 60_000 : 0;
      const waitMinutes =
        failures.account >= THROTTLE.perAccount || failures.address >= THROTTLE.perAddress
          ? THROTTLE.windowMinutes
          : pairWaitUntil > Date.now()
            ? minutesUntil(pairWaitUntil)
            : 0;
      if (waitMinutes > 0) {
        // One audit row per throttled burst (account and address), not one per attempt:
        // anonymous clients must not be able to fill the append-only log.
        await transaction(async (trx) => {
          if (await createAuthQueries(trx).throttleRecorded('auth.sign_in_throttled', key, context.ipAddress, THROTTLE.windowMinutes))
            return;
          await recordAuditEvent(trx, {
            actorUserId: null,
            actorLabel: 'anonymous',
            verb: 'auth.sign_in_throttled',
            entity: 'session',
            details: { email: spelt, key, failures },
            ipAddress: context.ipAddress,
          });
        });
        throw new FieldError(429, 'too_many_attempts', 'email', 'error.too_many_attempts', { count: waitMinutes });
      }

      const valid = user?.password_hash
        ? await verifyPassword(user.password_hash, password)
        : (await verifyPassword(await UNKNOWN_USER_HASH, password), false);
      if (!user || !valid || !user.active) {
        await transaction((trx) =>
          recordAuditEvent(trx, {
            actorUserId: null,
            actorLabel: 'anonymous',
            verb: 'auth.sign_in_failed',
            entity: 'session',
            details: { email: spelt, key },
            ipAddress: context.ipAddress,
          }),
        );
        throw new FieldError(401, 'bad_credentials', 'email', 'msg.enter_correct_e_mail_address_password');
      }
      return transaction(async (trx) => {
        await createAuthQueries(trx).recordSignIn(user.id, context.language);
        await recordAuditEvent(trx, {
          actorUserId: user.id,
          actorLabel: user.email,
          verb: 'auth.signed_in',
          entity: 'session',
          countryCode: user.country_code,
          ipAddress: context.ipAddress,
        });
        return { id: user.id, email: user.email, name: user.name, role: user.role, countryCode: user.country_code };
      });
    },

    async recordSignOut(user: CurrentUser, context: RequestContext): Promise<void> {
      await transaction((trx) =>
        recordAuditEvent(trx, {
          actorUserId: user.id,
          actorLabel: user.email,
          verb: 'auth.signed_out',
          entity: 'session',
          countryCode: user.countryCode,
          ipAddress: context.ipAddress,
        }),
      );
    },

    /**
     * Mails a one-time link to reset the password, if the address is an active account's.
     * The answer is the same either way; only the count per network address is refused.
     */
    async requestPasswordReset(email: string, context: RequestContext): Promise<void> {
      const spelt = normaliseEmail(email);
      const throttled = await transaction(async (trx) => {
        const queries = createAuthQueries(trx);
        if ((await queries.countResetRequests(context.ipAddress, PASSWORD_RESET.windowMinutes)) < PASSWORD_RESET.perAddress) return false;
        if (!(await queries.throttleRecorded('auth.password_reset_throttled', null, context.ipAddress, PASSWORD_RESET.windowMinutes)))
          await recordAuditEvent(trx, {
            actorUserId: null,
            actorLabel: 'anonymous',
            verb: 'auth.password_reset_throttled',
            entity: 'session',
            details: { email: spelt },
            ipAddress: context.ipAddress,
          });
        return true;
      });
      if (throttled)
        throw new FieldError(429, 'too_many_resets', 'email', 'error.too_many_reset_requests', { minutes: PASSWORD_RESET.windowMinutes });
      await transaction(async (trx) => {
        const queries = createAuthQueries(trx);
        const user = await findAccount(queries, email);
        const mailed =
          user !== undefined &&
          user.active &&
          (await queries.countResetsOf(user.id, PASSWORD_RESET.minutesBetweenMails)) === 0 &&
          (await queries.countResetsOf(user.id, PASSWORD_RESET.windowMinutes)) < PASSWORD_RESET.perAccount;
        if (mailed) {
          const token = newToken();
          await queries.insertPasswordReset({
            token_hash: hashToken(token),
            user_id: user.id,
            expires_at: new Date(Date.now() + PASSWORD_RESET.validMinutes * 60_000),
          });
          await enqueueMail(trx, {
            kind: 'password_reset',
            to: user.email,
            userId: user.id,
            language: user.language,
            params: { name: user.name, link: `${options.publicUrl}/password-reset/${token}`, minutes: PASSWORD_RESET.validMinutes },
          });
        }
        await recordAuditEvent(trx, {
          actorUserId: null,
          actorLabel: 'anonymous',
          verb: 'auth.password_reset_requested',
          entity: 'user',
          entityId: user?.id ?? null,
          countryCode: user?.country_code ?? null,
          details: { email: spelt, mailed },
          ipAddress: context.ipAddress,
        });
      });
    },

    /** The account behind a reset link, if the link can still be used. */
    async openPasswordReset(token: string): Promise<{ email: string }> {
      const reset = await transaction((trx) => createAuthQueries(trx).findPasswordReset(hashToken(token)));
      if (!reset || reset.used_at || !reset.active || reset.expires_at.getTime() < Date.now()) throw resetGone();
      return { email: reset.email };
    },

    /** Sets the new password, ends every session of the account, and the link (and any other) stops working. */
    async resetPassword(token: string, password: string, context: RequestContext): Promise<void> {
      const passwordHash = await hashPassword(password);
      await transaction(async (trx) => {
        const queries = createAuthQueries(trx);
        const reset = await queries.findPasswordReset(hashToken(token), { forUpdate: true });
        if (!reset || reset.used_at || !reset.active || reset.expires_at.getTime() < Date.now()) throw resetGone();
        if (passwordProblem(password, reset.email))
          throw new FieldError(422, 'password_contains_email', 'password', 'msg.password.contains_email');
        await queries.changePassword(reset.user_id, passwordHash);
        const sessionsEnded = await createUserQueries(trx).deleteSessionsOf(reset.user_id);
        await recordAuditEvent(trx, {
          actorUserId: reset.user_id,
          actorLabel: reset.email,
          verb: 'auth.password_reset',
          entity: 'user',
          entityId: reset.user_id,
          countryCode: reset.country_code,
          details: { sessions_ended: sessionsEnded },
          ipAddress: context.ipAddress,
        });
      });
    },

    /** The invitation behind a link, if it can still be used. */
    async openInvitation(token: string): Promise<{ email: string; name: string; role: Role; countryCode: string | null }> {
      const invitation = await transaction((trx) => createAuthQueries(trx).findInvitation(hashToken(token)));
      if (!invitation || invitation.accepted_at || invitation.expires_at.getTime() < Date.now()) throw invitationGone();
      return { email: invitation.email, name: invitation.name, role: invitation.role, countryCode: invitation.country_code };
    },

    /** Creates the invited user with the chosen password; the link cannot be used again. */
    async acceptInvitation(token: string, password: string, context: RequestContext): Promise<{ email: string }> {
      const passwordHash = await hashPassword(password);
      return transaction(async (trx) => {
        const queries = createAuthQueries(trx);
        const invitation = await queries.findInvitation(hashToken(token), { forUpdate: true });
        if (!invitation || invitation.accepted_at || invitation.expires_at.getTime() < Date.now()) throw invitationGone();
        if (passwordProblem(password, invitation.email))
          throw new FieldError(422, 'password_contains_email', 'password', 'msg.password.contains_email');
        if (await queries.findCredentials(invitation.email)) {
          throw new AppError(409, 'email_taken', 'msg.account_e_mail_address_already_exists');
        }
        const user = await createUserQueries(trx).insert({
          email: invitation.email,
          name: invitation.name,
          role: invitation.role,
          country_code: invitation.country_code,
          password_hash: passwordHash,
          language: context.language,
        });
        await queries.markInvitationAccepted(invitation.id, user.id);
        await recordAuditEvent(trx, {
          actorUserId: user.id,
          actorLabel: user.email,
          verb: 'invitation.accepted',
          entity: 'user',
          entityId: user.id,
          countryCode: invitation.country_code,
          details: { role: invitation.role },
          ipAddress: context.ipAddress,
        });
        return { email: user.email };
      });
    },
  };
}

const resetGone = () => new AppError(410, 'reset_gone', 'msg.password_reset_link_gone');

const invitationGone = () => new AppError(410, 'invitation_gone', 'msg.invitation_link_has_expired_has_already');

export type AuthService = ReturnType<typeof createAuthService>;
