import { deflateRawSync, gunzipSync } from 'node:zlib';
import { FLUSHED, gzipped } from '../src/web/kept-content';

// A signed-in page sent gzipped is joined from pieces: the reader's layout stored as it is,
// the kept content's parts compressed once each. Whatever the pieces, it must unzip (the
// stream, its CRC-32 and length checked) to the page sent plain.

describe('a page gzipped from its pieces', () => {
  const page = (head: Buffer, tail: Buffer, token: Buffer, parts: Buffer[]) => ({
    zipped: gzipped({ head, tail, token, parts, deflated: parts.map((part) => deflateRawSync(part, FLUSHED)) }),
    plain: Buffer.concat([head, ...parts.flatMap((part, index) => (index > 0 ? [token, part] : [part])), tail]),
  });

  it.each([
    ['a layout and content', Buffer.from('<html><body>'), Buffer.from('</body></html>'), ['<form>', '</form><p>é</p>']],
    // Stored blocks hold 65,535 bytes at most: a longer layout is several.
    ['a layout over 64 KB', Buffer.alloc(140_000, 'h'), Buffer.alloc(0x1fffe, 't'), ['x'.repeat(70_000), 'é'.repeat(70_000)]],
    ['a layout of exactly one block', Buffer.alloc(0xffff, 'h'), Buffer.alloc(0xffff, 't'), ['<p>x</p>']],
    // Content that starts or ends with a token, or holds two in a row, has empty parts.
    ['empty parts', Buffer.from('<main>'), Buffer.alloc(0), ['', '<input>', '', '']],
  ])('%s', (_, head, tail, parts) => {
    for (const token of [Buffer.from('a-csrf-token'), Buffer.alloc(0)]) {
      const { zipped, plain } = page(
        head,
        tail,
        token,
        parts.map((part) => Buffer.from(part)),
      );
      expect(gunzipSync(zipped).equals(plain)).toBe(true);
    }
  });
});
