import { createHash } from 'node:crypto';
import { z } from 'zod';
import { recordAuditEvent } from '../audit/queries';
import type { Transactor } from '../db/transaction';
import type { Role } from '../domain';
import { createUserQueries } from '../users/queries';
import { AppError } from '../web/errors';
import { FieldError } from '../web/forms';
import { hashPassword, passwordProblem, PASSWORD_MAX_LENGTH, verifyPassword } from './passwords';
import { createAuthQueries } from './queries';
import type { CurrentUser } from './current-user';

/** Failed sign-ins allowed in the window, per account and per network address. */
export const THROTTLE = { windowMinutes: 15, perAccount: 10, perAddress: 30 } as const;

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

export const setPasswordSchema = z
  .object({
    password: z.string().superRefine((password, context) => {
      const problem = passwordProblem(password);
      if (problem) context.addIssue({ code: 'custom', message: problem.message, params: problem.params });
    }),
    confirm: z.string(),
    /** The address, sent along for password managers; the invitation decides whose password it is. */
    username: z.string().optional(),
  })
  .strict()
  .refine((form) => form.password === form.confirm, { path: ['confirm'], error: 'msg.two_passwords_are_not_same' });

export type RequestContext = { ipAddress: string | null };

/** An e-mail address as the throttle keys it: Unicode compatibility forms folded (NFKC), lower case. */
const normaliseEmail = (email: string) => email.trim().normalize('NFKC').toLowerCase();

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createAuthService(transaction: Transactor) {
  return {
    /**
     * Checks the credentials. Unknown e-mail, wrong password and deactivated account get
     * the same answer; after too many failures the account and the address are throttled.
     */
    async signIn(email: string, password: string, context: RequestContext): Promise<CurrentUser> {
      // The address as typed (PostgreSQL folds its case) or in its compatibility form
      // (full-width letters): either way, the account it means.
      const user = await transaction(async (trx) => {
        const queries = createAuthQueries(trx);
        return (await queries.findCredentials(email)) ?? (await queries.findCredentials(normaliseEmail(email)));
      });
      // Failures count against the account the address resolves to, however it was spelt
      // (case, a dotted capital I, compatibility characters), else against the address as
      // normalised once here: one key, compared as it is, never re-folded by SQL.
      const spelt = normaliseEmail(email);
      const key = user ? `user:${user.id}` : `email:${spelt}`;
      const failures = await transaction((trx) =>
        createAuthQueries(trx).countRecentFailures(key, context.ipAddress, THROTTLE.windowMinutes),
      );
      if (failures.account >= THROTTLE.perAccount || failures.address >= THROTTLE.perAddress) {
        // One audit row per throttled burst (account and address), not one per attempt:
        // anonymous clients must not be able to fill the append-only log.
        await transaction(async (trx) => {
          const queries = createAuthQueries(trx);
          if (await queries.throttleRecorded(key, context.ipAddress, THROTTLE.windowMinutes)) return;
          await recordAuditEvent(trx, {
            actorUserId: null,
            actorLabel: 'anonymous',
            verb: 'auth.sign_in_throttled',
            entity: 'session',
            details: { email: spelt, key },
            ipAddress: context.ipAddress,
          });
        });
        throw new FieldError(429, 'too_many_attempts', 'email', 'error.too_many_attempts', { minutes: THROTTLE.windowMinutes });
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
        await createAuthQueries(trx).recordSignIn(user.id);
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

const invitationGone = () => new AppError(410, 'invitation_gone', 'msg.invitation_link_has_expired_has_already');

export type AuthService = ReturnType<typeof createAuthService>;
