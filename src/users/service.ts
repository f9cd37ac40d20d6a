import { z } from 'zod';
import { createInvitation } from '../admin/invitations';
import { delegatesHaveACountry, inviteSchema } from '../admin/validation';
import { COUNTRY_CODE, ROLES } from '../domain';
import { recordAuditEvent } from '../audit/queries';
import { hashPassword, passwordProblem } from '../auth/passwords';
import type { Transactor } from '../db/transaction';
import { isUniqueViolation } from '../db/pg-errors';
import { translateMessage } from '../i18n';
import { AppError } from '../web/errors';
import { createUserQueries } from './queries';
import type { UserRow } from '../db/rows';

const newUserSchema = z
  .object({
    email: z
      .string()
      .trim()
      .max(254)
      .pipe(z.email({ error: 'msg.enter_e_mail_address_like_name' })),
    name: z.string().trim().min(1, 'Enter a name.').max(200),
    role: z.enum(ROLES, { error: 'The role must be delegate, secretariat or admin.' }),
    country: z.string().trim().toUpperCase().regex(COUNTRY_CODE, 'The country is a two-letter code such as FR.').optional(),
    password: z.string(),
  })
  .strict()
  .superRefine(delegatesHaveACountry)
  .superRefine((user, context) => {
    const problem = passwordProblem(user.password, user.email);
    if (problem) context.addIssue({ code: 'custom', path: ['password'], message: problem.message, params: problem.params });
  });

export type Actor = { userId: number | null; label: string };

/** zod's issues as one message per line, in English (the CLI's language). */
const problemsOf = (error: z.ZodError) =>
  error.issues
    .map((issue) => `${issue.path.join('.')}: ${translateMessage('en', issue.message, issue.code === 'custom' ? issue.params : {})}`)
    .join('\n');

export function createUserService(transaction: Transactor) {
  return {
    /** Invites a person by mail, as an admin does on /admin/users (used by the CLI). Returns the link. */
    async invite(input: Record<string, unknown>, actor: Actor, publicUrl: string): Promise<string> {
      const parsed = inviteSchema.safeParse(input);
      if (!parsed.success) throw new AppError(422, 'invalid_user', 'error.invalid_user', { problems: problemsOf(parsed.error) });
      const invitation = parsed.data;
      return transaction(async (trx) => {
        const created = await createInvitation(trx, invitation, { invitedBy: actor.userId, publicUrl });
        await recordAuditEvent(trx, {
          actorUserId: actor.userId,
          actorLabel: actor.label,
          verb: 'invitation.created',
          entity: 'invitation',
          entityId: created.id,
          countryCode: invitation.country,
          details: { email: invitation.email, role: invitation.role },
        });
        return created.link;
      });
    },

    /** Creates an active user with a password (used by the CLI for the first admin). */
    async addUser(input: Record<string, unknown>, actor: Actor): Promise<UserRow> {
      const parsed = newUserSchema.safeParse(input);
      if (!parsed.success) {
        throw new AppError(422, 'invalid_user', 'error.invalid_user', { problems: problemsOf(parsed.error) });
      }
      const user = parsed.data;
      const passwordHash = await hashPassword(user.password);
      return transaction(async (trx) => {
        const users = createUserQueries(trx);
        if (user.country && !(await users.countryExists(user.country))) {
          throw new AppError(422, 'unknown_country', 'error.no_member_with_code', { country: user.country });
        }
        if (await users.findByEmail(user.email)) {
          throw new AppError(409, 'email_taken', 'error.user_exists', { email: user.email });
        }
        const created = await users
          .insert({ email: user.email, name: user.name, role: user.role, country_code: user.country ?? null, password_hash: passwordHash })
          .catch((error: unknown) => {
            // Two requests for one address at once: the unique index decides.
            if (isUniqueViolation(error)) throw new AppError(409, 'email_taken', 'error.user_exists', { email: user.email });
            throw error;
          });
        await recordAuditEvent(trx, {
          actorUserId: actor.userId,
          actorLabel: actor.label,
          verb: 'user.created',
          entity: 'user',
          entityId: created.id,
          countryCode: created.country_code,
          details: { email: created.email, role: created.role },
        });
        return created;
      });
    },
  };
}
