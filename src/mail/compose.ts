import Handlebars from 'handlebars';
import { formatDate, translator, type Language } from '../i18n';

// What each mail says, in the recipient's language: a greeting, paragraphs, one link to
// act on, and the signature, from the `mail.*` keys of locales/<language>.json. The same
// words give the plain-text part and a simple HTML part (escaped: names are data).

export type MailKind =
  'invitation' | 'password_reset' | 'cycle_opened' | 'reminder_before' | 'reminder_overdue' | 'report_returned' | 'report_accepted';

/** The paragraphs of each kind (the first before the link); `quote` names a value shown as written, set apart. */
const MAILS: Record<MailKind, { paragraphs: readonly string[]; quote?: 'comment' }> = {
  invitation: { paragraphs: ['intro', 'expiry'] },
  password_reset: { paragraphs: ['intro', 'expiry', 'ignore'] },
  cycle_opened: { paragraphs: ['intro', 'due'] },
  reminder_before: { paragraphs: ['intro', 'help'] },
  reminder_overdue: { paragraphs: ['intro', 'help'] },
  report_returned: { paragraphs: ['intro', 'next'], quote: 'comment' },
  report_accepted: { paragraphs: ['intro', 'thanks'] },
};

export type ComposedMail = { subject: string; text: string; html: string };

/**
 * `params.name` greets the recipient; `params.link` is the absolute address the action
 * button leads to; `params.due` (YYYY-MM-DD) is written as a date of the language; every
 * other value fills the placeholders of the kind's texts.
 */
export function composeMail(
  language: Language,
  kind: MailKind,
  params: { name: string; link: string } & Record<string, unknown>,
): ComposedMail {
  const t = translator(language);
  const values = { ...params, due: formatDate(params.due, language) };
  const say = (key: string) => t(`mail.${kind}.${key}`, values);
  const spec = MAILS[kind];
  const greeting = t('mail.greeting', { name: params.name });
  const [first = '', ...rest] = spec.paragraphs.map(say);
  const quoted = spec.quote ? params[spec.quote] : undefined;
  const quote = typeof quoted === 'string' ? quoted : '';
  const action = say('action');
  const signature = t('mail.signature');

  const text = [
    greeting,
    first,
    ...(quote ? [quote.replace(/^/gm, '> ')] : []),
    `${action}:\n${params.link}`,
    ...rest,
    `-- \n${signature}`,
  ].join('\n\n');

  const escape = Handlebars.escapeExpression;
  const paragraph = (words: string) => `<p>${escape(words)}</p>`;
  const html = [
    `<!doctype html><html lang="${language}"><body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c">`,
    paragraph(greeting),
    paragraph(first),
    ...(quote
      ? [
          `<blockquote style="border-left: 4px solid #b1b4b6; margin: 0; padding-left: 12px; white-space: pre-wrap">${escape(quote)}</blockquote>`,
        ]
      : []),
    `<p><a href="${escape(params.link)}">${escape(action)}</a></p>`,
    ...rest.map(paragraph),
    `<p style="color: #505a5f">${escape(signature)}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject: say('subject'), text, html };
}
