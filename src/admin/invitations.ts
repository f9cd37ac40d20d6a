import { hashToken, newToken } from '../auth/tokens';
import type { Database } from '../db/knex';
import type { Role } from '../domain';
import type { Language } from '../i18n';
import { enqueueMail } from '../mail/outbox';
import { FieldError } from '../web/forms';
import { createAdminQueries } from './queries';

export const INVITATION_DAYS = 7;

export type InvitationInput = { email: string; name: string; role: Role; country: string | null; language: Language };

/**
 * Creates a one-time link, valid INVITATION_DAYS days (only its hash is stored), and
 * writes the invitation mail to the outbox in the same transaction. Returns the link,
 * to show once as a fallback for when the mail does not arrive.
 */
export async function createInvitation(
  trx: Database,
  input: InvitationInput,
  options: { invitedBy: number | null; publicUrl: string },
): Promise<{ id: number; link: string }> {
  const queries = createAdminQueries(trx);
  if (input.country && !(await queries.findCountry(input.country)))
    throw new FieldError(422, 'unknown_country', 'country', 'msg.choose_country_from_list');
  if (await queries.emailInUse(input.email)) throw new FieldError(409, 'email_taken', 'email', 'msg.e_mail_address_already_has_account');
  const token = newToken();
  const id = await queries.insertInvitation({
    token_hash: hashToken(token),
    email: input.email,
    name: input.name,
    role: input.role,
    country_code: input.country,
    language: input.language,
    invited_by: options.invitedBy,
    expires_at: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
  });
  const link = `${options.publicUrl}/invitations/${token}`;
  await enqueueMail(trx, {
    kind: 'invitation',
    to: input.email,
    userId: null,
    language: input.language,
    params: { name: input.name, link, days: INVITATION_DAYS },
  });
  return { id, link };
}
