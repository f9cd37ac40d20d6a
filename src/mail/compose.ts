import Handlebars from 'handlebars';
import { translator, type Language } from '../i18n';

// What each mail says, in the recipient's language: a greeting, paragraphs, one link to
// act on, and the signature, from the `mail.*` keys of locales/<language>.json. The same
// words give the plain-text part and a simple HTML part (escaped: names are data).

const MAILS = {
  invitation: { paragraphs: ['intro', 'expiry'] },
  password_reset: { paragraphs: ['intro', 'expiry', 'ignore'] },
} as const;

export type MailKind = keyof typeof MAILS;

export type ComposedMail = { subject: string; text: string; html: string };

/**
 * `params.name` greets the recipient; `params.link` is the absolute address the action
 * button leads to; every other value fills the placeholders of the kind's texts.
 */
export function composeMail(
  language: Language,
  kind: MailKind,
  params: { name: string; link: string } & Record<string, unknown>,
): ComposedMail {
  const t = translator(language);
  const say = (key: string) => t(`mail.${kind}.${key}`, params);
  const greeting = t('mail.greeting', { name: params.name });
  const paragraphs = MAILS[kind].paragraphs.map(say);
  const action = say('action');
  const signature = t('mail.signature');

  const text = [greeting, paragraphs[0], `${action}:\n${params.link}`, ...paragraphs.slice(1), `-- \n${signature}`].join('\n\n');

  const escape = Handlebars.escapeExpression;
  const paragraph = (words: string) => `<p>${escape(words)}</p>`;
  const html = [
    '<!doctype html><html lang="' +
      language +
      '"><body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c">',
    paragraph(greeting),
    paragraph(paragraphs[0] ?? ''),
    `<p><a href="${escape(params.link)}">${escape(action)}</a></p>`,
    ...paragraphs.slice(1).map(paragraph),
    `<p style="color: #505a5f">${escape(signature)}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject: say('subject'), text, html };
}
