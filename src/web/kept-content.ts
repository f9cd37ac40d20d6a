import Handlebars from 'handlebars';
import type { Response } from 'express';
import { renderToString } from './view-engine';

// Content rendered once and sent to many signed-in readers, each inside a layout of their
// own (their name, work links, sign-out form): public pages' content per data version,
// report pages' per stamp. It is kept as the bytes it is sent as, so a reader's request
// renders and encodes its layout only, not the content again (the members table is 76 KB:
// joining and re-encoding it was a sixth of that page's CPU).

/**
 * Where a form's CSRF token goes in kept content. It is markup, which escaped text cannot
 * produce (a delegate who types it gets `&lt;!--…`), so only the token fields hold it.
 */
export const TOKEN_SLOT = '<!--csrf-token-->';
/** Where the content goes in the reader's layout: markup too, so no reader's name can be it. */
const CONTENT_SLOT = '<!--kept-content-->';

export type KeptContent = { title: string; parts: Buffer[] };

/** Content as it will be sent: UTF-8, cut where each reader's CSRF token goes. */
export const keptContent = (title: string, html: string): KeptContent => ({
  title,
  parts: html.split(TOKEN_SLOT).map((part) => Buffer.from(part)),
});

/** Sends kept content inside the layout rendered for this reader, with their CSRF token in its forms. */
export async function sendInLayout(res: Response, content: KeptContent): Promise<void> {
  const layout = await renderToString(res, 'layouts/main', { layout: false, title: content.title, body: CONTENT_SLOT });
  const at = layout.indexOf(CONTENT_SLOT);
  const token = Buffer.from(Handlebars.escapeExpression(String(res.locals.csrfToken ?? '')));
  const chunks: Buffer[] = [Buffer.from(layout.slice(0, at))];
  for (const [index, part] of content.parts.entries()) chunks.push(...(index > 0 ? [token, part] : [part]));
  chunks.push(Buffer.from(layout.slice(at + CONTENT_SLOT.length)));
  res.type('html').send(Buffer.concat(chunks));
}
