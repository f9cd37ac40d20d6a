import Handlebars from 'handlebars';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import type { Response } from 'express';
import { renderToString } from './view-engine';
import { acceptsGzip } from './per-header-value';

// Content rendered once and sent to many signed-in readers, each inside a layout of their
// own (their name, work links, sign-out form): public pages' content per data version,
// report pages' per stamp. It is kept as the bytes it is sent as, so a reader's request
// renders and encodes its layout only, not the content again (the members table is 76 KB:
// joining and re-encoding it was a sixth of that page's CPU), and compressed once, so a
// browser that takes gzip gets it compressed without the content being compressed again.

/**
 * Where a form's CSRF token goes in kept content. It is markup, which escaped text cannot
 * produce (a delegate who types it gets `&lt;!--…`), so only the token fields hold it.
 */
export const TOKEN_SLOT = '<!--csrf-token-->';
/** Where the content goes in the reader's layout: markup too, so no reader's name can be it. */
const CONTENT_SLOT = '<!--kept-content-->';

export type KeptContent = {
  title: string;
  parts: Buffer[];
  /** The parts compressed, once, the first time a reader takes gzip (see gzipped). */
  deflated?: Buffer[];
};

/** Content as it will be sent: UTF-8, cut where each reader's CSRF token goes. */
export const keptContent = (title: string, html: string): KeptContent => ({
  title,
  parts: html.split(TOKEN_SLOT).map((part) => Buffer.from(part)),
});

/** Sends kept content inside the layout rendered for this reader, with their CSRF token in its forms. */
export async function sendInLayout(res: Response, content: KeptContent): Promise<void> {
  const layout = await renderToString(res, 'layouts/main', { layout: false, title: content.title, body: CONTENT_SLOT });
  const at = layout.indexOf(CONTENT_SLOT);
  const head = Buffer.from(layout.slice(0, at));
  const tail = Buffer.from(layout.slice(at + CONTENT_SLOT.length));
  const token = Buffer.from(Handlebars.escapeExpression(String(res.locals.csrfToken ?? '')));
  res.type('html').vary('Accept-Encoding');
  if (acceptsGzip(res.req)) {
    content.deflated ??= content.parts.map((part) => deflateRawSync(part, FLUSHED));
    res.setHeader('Content-Encoding', 'gzip');
    res.send(gzipped({ head, tail, token, parts: content.parts, deflated: content.deflated }));
    return;
  }
  res.send(Buffer.concat([head, ...interleave(content.parts, token), tail]));
}

/** The parts with the token between each two. */
const interleave = <T>(parts: T[], token: T): T[] => parts.flatMap((part, index) => (index > 0 ? [token, part] : [part]));

/**
 * Raw deflate that ends on a sync flush: byte-aligned and not final, so another deflate
 * stream may follow it. Pieces compressed apart and joined this way are one valid stream
 * (none refers back into another), which is how kept content is compressed only once.
 */
export const FLUSHED = { finishFlush: constants.Z_SYNC_FLUSH };
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/**
 * Bytes as deflate's stored blocks (RFC 1951, 3.2.4): a byte-aligned header, the length and
 * its complement, the bytes as they are. Compressing the reader's layout for each request
 * cost more than it saved (a zlib stream set up three times a request: `/` signed in went
 * from 1,137–1,340 to 945–953 req/s); storing it costs a copy.
 */
function stored(bytes: Buffer, final: boolean): Buffer[] {
  const blocks: Buffer[] = [];
  for (let at = 0; at < bytes.length || blocks.length === 0; at += 0xffff) {
    const block = bytes.subarray(at, at + 0xffff);
    const header = Buffer.alloc(5);
    header[0] = final && at + 0xffff >= bytes.length ? 1 : 0;
    header.writeUInt16LE(block.length, 1);
    header.writeUInt16LE(~block.length & 0xffff, 3);
    blocks.push(header, block);
  }
  return blocks;
}

/**
 * A gzip member (RFC 1952) of the reader's layout around the content: the layout's head,
 * the token and the tail as stored blocks, the content's parts as compressed when kept; the
 * trailer's CRC-32 and length are those of the whole page.
 */
export function gzipped(page: { head: Buffer; tail: Buffer; token: Buffer; parts: Buffer[]; deflated: Buffer[] }): Buffer {
  const plain = [page.head, ...interleave(page.parts, page.token), page.tail];
  const trailer = Buffer.alloc(8);
  // Empty pieces are skipped: for an empty buffer with no memory behind it, Node 20's crc32
  // answers 0 (zlib's answer to a null pointer), not the CRC it was given.
  trailer.writeUInt32LE(plain.reduce((crc, piece) => (piece.length === 0 ? crc : crc32(piece, crc)), 0));
  trailer.writeUInt32LE(plain.reduce((length, piece) => length + piece.length, 0) % 2 ** 32, 4);
  return Buffer.concat([
    GZIP_HEADER,
    ...stored(page.head, false),
    ...interleave(page.deflated, Buffer.concat(stored(page.token, false))),
    // The last block ends the stream.
    ...stored(page.tail, true),
    trailer,
  ]);
}
