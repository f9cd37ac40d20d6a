import nodemailer, { type SendMailOptions } from 'nodemailer';
import { recordAuditEvent } from '../audit/queries';
import type { Database } from '../db/knex';
import type { Logger } from '../logger';

// Delivers the outbox. Each message is claimed in its own transaction with FOR UPDATE
// SKIP LOCKED and stays locked while it is handed to the SMTP server, then marked sent
// in that transaction: two instances never send the same message, and a message whose
// send failed (or whose instance stopped) is still there for the next attempt.
// The one gap: an instance that dies after the SMTP server accepted a message but before
// the commit sends it again on restart. The Message-ID is the same both times, so the
// receiving side can tell.

/** What the sender needs of a nodemailer transport. */
export type MailTransport = { sendMail(message: SendMailOptions): Promise<unknown> };

/** Minutes to wait before the next attempt after `attempts` failures: 1, 2, 4 … at most 6 hours. */
export const retryDelayMinutes = (attempts: number) => Math.min(2 ** Math.max(attempts - 1, 0), 360);

type DueMessage = { id: number; kind: string; recipient: string; subject: string; body_text: string; body_html: string; attempts: number };

/** An SMTP transport from SMTP_URL: STARTTLS when the server offers it, short timeouts so a dead server does not hold a claim. */
export const smtpTransport = (smtpUrl: string): MailTransport =>
  nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 });

export function createMailSender(options: {
  db: Database;
  transport: MailTransport;
  from: string;
  logger?: Logger;
  messageIdDomain: string;
}) {
  const { db, transport, from, logger } = options;

  /** Sends the oldest due message, if there is one no other instance holds. Returns whether there was one. */
  async function deliverOne(): Promise<boolean> {
    return db.transaction(async (trx) => {
      const message = await trx<DueMessage>('outbox')
        .select('id', 'kind', 'recipient', 'subject', 'body_text', 'body_html', 'attempts')
        .whereNull('sent_at')
        .andWhere('next_attempt_at', '<=', trx.fn.now())
        .orderBy([{ column: 'next_attempt_at' }, { column: 'id' }])
        .limit(1)
        .forUpdate()
        .skipLocked()
        .first();
      if (!message) return false;
      try {
        await transport.sendMail({
          from,
          to: message.recipient,
          subject: message.subject,
          text: message.body_text,
          html: message.body_html,
          messageId: `<outbox-${message.id}@${options.messageIdDomain}>`,
        });
      } catch (error) {
        const attempts = message.attempts + 1;
        const reason = error instanceof Error ? error.message : String(error);
        await trx('outbox')
          .where({ id: message.id })
          .update({
            attempts,
            last_error: reason.slice(0, 500),
            next_attempt_at: trx.raw('now() + make_interval(mins => ?)', [retryDelayMinutes(attempts)]),
          });
        logger?.warn({ outboxId: message.id, attempts, err: error }, 'mail not sent; will retry');
        return true;
      }
      await trx('outbox')
        .where({ id: message.id })
        .update({ sent_at: trx.fn.now(), attempts: message.attempts + 1, last_error: null });
      await recordAuditEvent(trx, {
        actorUserId: null,
        actorLabel: 'system',
        verb: 'mail.sent',
        entity: 'mail',
        entityId: message.id,
        details: { kind: message.kind, to: message.recipient },
      });
      return true;
    });
  }

  /** Sends what is due, one message after another, at most `limit`. Returns how many were tried. */
  async function deliverDue(limit = 100): Promise<number> {
    let tried = 0;
    while (tried < limit && (await deliverOne())) tried += 1;
    return tried;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  return {
    deliverDue,
    /** Delivers every `intervalMs` until stopped; a failing round is logged and the next one tries again. */
    start(intervalMs: number) {
      timer = setInterval(() => {
        if (running) return; // the last round is still sending
        running = deliverDue()
          .catch((error: unknown) => {
            logger?.error({ err: error }, 'mail delivery round failed');
          })
          .finally(() => {
            running = undefined;
          });
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
