import type { Database } from '../db/knex';
import type { Language } from '../i18n';
import { composeMail, type MailKind } from './compose';

export type OutgoingMail = {
  kind: MailKind;
  to: string;
  /** The account it is for, when there is one (an invitation has none yet). */
  userId: number | null;
  language: Language;
  params: { name: string; link: string } & Record<string, unknown>;
  /** A message that must go at most once, however often the code that writes it runs. */
  dedupeKey?: string;
};

/**
 * Writes a message to the outbox. Call it with the transaction of the event that causes
 * it: the message exists exactly when the event does. Returns false when a message with
 * the same dedupe key was written before.
 */
export async function enqueueMail(db: Database, mail: OutgoingMail): Promise<boolean> {
  const composed = composeMail(mail.language, mail.kind, mail.params);
  const inserted = await db('outbox')
    .insert({
      kind: mail.kind,
      recipient: mail.to,
      user_id: mail.userId,
      language: mail.language,
      subject: composed.subject,
      body_text: composed.text,
      body_html: composed.html,
      dedupe_key: mail.dedupeKey ?? null,
    })
    .onConflict('dedupe_key')
    .ignore()
    .returning('id');
  return inserted.length > 0;
}

export type OutboxRow = {
  id: number;
  kind: MailKind;
  recipient: string;
  language: Language;
  subject: string;
  body_text: string;
  created_at: Date;
  attempts: number;
  next_attempt_at: Date;
  sent_at: Date | null;
  last_error: string | null;
};

const OUTBOX_PAGE_SIZE = 100;

/** Newest first: what is waiting, what failed and why, what went. */
export async function listOutbox(db: Database, filter: { status?: 'waiting' | 'sent' }): Promise<OutboxRow[]> {
  const query = db('outbox')
    .select(
      'id',
      'kind',
      'recipient',
      'language',
      'subject',
      'body_text',
      'created_at',
      'attempts',
      'next_attempt_at',
      'sent_at',
      'last_error',
    )
    .orderBy('id', 'desc')
    .limit(OUTBOX_PAGE_SIZE);
  if (filter.status === 'waiting') void query.whereNull('sent_at');
  if (filter.status === 'sent') void query.whereNotNull('sent_at');
  return query;
}

/** How much mail waits, and for how long the oldest has (for /metrics). */
export async function outboxBacklog(db: Database): Promise<{ waiting: number; oldestSeconds: number }> {
  const row: { waiting: number; oldest: number } | undefined = await db('outbox')
    .whereNull('sent_at')
    .first(db.raw('count(*)::integer as waiting'), db.raw('coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest'));
  return { waiting: row?.waiting ?? 0, oldestSeconds: row?.oldest ?? 0 };
}
