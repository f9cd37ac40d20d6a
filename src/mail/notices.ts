import { recordAuditEvent } from '../audit/queries';
import type { Database } from '../db/knex';
import type { CycleRow } from '../db/rows';
import { phrase, translateMessage } from '../i18n';
import type { MailKind } from './compose';
import { enqueueMail } from './outbox';
import { createNoticeQueries, type Recipient } from './queries';

// The mail the reporting cycle sends to members' delegates: the cycle is open, a reminder
// before the due date and once overdue, the report returned (with the secretariat's
// comment) or accepted. Each is written in the transaction of its event.

type Cycle = Pick<CycleRow, 'id' | 'slug' | 'title' | 'due_on'>;

async function mailEach(
  db: Database,
  recipients: Recipient[],
  kind: MailKind,
  params: (recipient: Recipient) => { link: string } & Record<string, unknown>,
  dedupeKey?: (recipient: Recipient) => string,
): Promise<number> {
  let written = 0;
  for (const recipient of recipients) {
    const fresh = await enqueueMail(db, {
      kind,
      to: recipient.email,
      userId: recipient.id,
      language: recipient.language,
      params: { name: recipient.name, ...params(recipient) },
      dedupeKey: dedupeKey?.(recipient),
    });
    if (fresh) written += 1;
  }
  return written;
}

const reportLink = (publicUrl: string, countryCode: string, slug: string) => `${publicUrl}/reports/${countryCode}/${slug}`;

/** Tells the delegates of every member expected to report that the cycle is open (once per person and cycle, if it is reopened). */
export async function noticeCycleOpened(trx: Database, cycle: Cycle, publicUrl: string): Promise<number> {
  const queries = createNoticeQueries(trx);
  const recipients = await queries.delegatesOf(await queries.expectedMembers(cycle.id));
  return mailEach(
    trx,
    recipients,
    'cycle_opened',
    (recipient) => ({ link: reportLink(publicUrl, recipient.country_code, cycle.slug), cycle: cycle.title, due: cycle.due_on }),
    (recipient) => `cycle_opened:${cycle.id}:${recipient.id}`,
  );
}

/** Tells a member's delegates the secretariat's decision on their report. */
export async function noticeDecision(
  trx: Database,
  decision: {
    outcome: 'accepted' | 'returned';
    comment: string | null;
    countryCode: string;
    cycle: Cycle;
    /** Questions on single items sent with a return: what each is about (a message key and values), and the question. */
    questions?: Array<{ heading: { message: string; params: Record<string, string> } | undefined; question: string }>;
  },
  publicUrl: string,
): Promise<number> {
  const recipients = await createNoticeQueries(trx).delegatesOf([decision.countryCode]);
  const { cycle, countryCode } = decision;
  return decision.outcome === 'returned'
    ? mailEach(trx, recipients, 'report_returned', (recipient) => ({
        link: reportLink(publicUrl, countryCode, cycle.slug),
        cycle: cycle.title,
        comment: [
          decision.comment ?? '',
          ...(decision.questions ?? []).map((entry) =>
            phrase(recipient.language)('mail.report_returned.question', {
              item: entry.heading ? translateMessage(recipient.language, entry.heading.message, entry.heading.params) : '?',
              question: entry.question,
            }),
          ),
        ].join('\n\n'),
        count: decision.questions?.length ?? 0,
      }))
    : mailEach(trx, recipients, 'report_accepted', () => ({ link: `${publicUrl}/countries/${countryCode}`, cycle: cycle.title }));
}

/**
 * The reminder a member is due on `today`: the nearest "N days before" reached, or
 * overdue; null before the first. `daysLeft` is what the mail says; `passed` are the
 * earlier reminders that are no longer worth sending.
 */
export function reminderKind(
  today: string,
  dueOn: string,
  reminderDays: number[],
): { kind: string; daysLeft: number; passed: string[] } | null {
  const daysLeft = Math.round((Date.parse(`${dueOn}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
  if (daysLeft < 0) return { kind: 'overdue', daysLeft, passed: [] };
  const reached = [...reminderDays].filter((days) => daysLeft <= days).sort((a, b) => a - b);
  const [nearest, ...passed] = reached;
  return nearest === undefined ? null : { kind: `before-${nearest}`, daysLeft, passed: passed.map((days) => `before-${days}`) };
}

/**
 * Sends the reminders due on `today` (UTC) to members expected to report who have not
 * submitted. Each goes at most once per member, cycle and kind, however often and on
 * however many instances this runs; an earlier reminder that was never sent (the cycle
 * opened late, the app was down) is skipped for the nearer one. A member without an
 * active delegate is reminded once one exists. Returns the number of reminders sent.
 */
export async function sendReminders(db: Database, options: { publicUrl: string; today?: string }): Promise<number> {
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const candidates = await createNoticeQueries(db).remindersToConsider(today, 90);
  let sent = 0;
  for (const candidate of candidates) {
    const due = reminderKind(today, candidate.due_on, candidate.reminder_days);
    if (!due) continue;
    sent += await db.transaction(async (trx) => {
      const queries = createNoticeQueries(trx);
      const recipients = await queries.delegatesOf([candidate.country_code]);
      if (recipients.length === 0 || !(await queries.recordReminder(candidate.cycle_id, candidate.country_code, due.kind))) return 0;
      for (const passed of due.passed) await queries.recordReminder(candidate.cycle_id, candidate.country_code, passed);
      await mailEach(trx, recipients, due.kind === 'overdue' ? 'reminder_overdue' : 'reminder_before', () => ({
        link: reportLink(options.publicUrl, candidate.country_code, candidate.slug),
        cycle: candidate.title,
        due: candidate.due_on,
        count: due.daysLeft,
      }));
      await recordAuditEvent(trx, {
        actorUserId: null,
        actorLabel: 'system',
        verb: 'reminder.sent',
        entity: 'cycle',
        entityId: candidate.slug,
        countryCode: candidate.country_code,
        details: { kind: due.kind, recipients: recipients.length },
      });
      return 1;
    });
  }
  return sent;
}
