import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import fc from 'fast-check';
import { CrlfRecords } from '../src/exports/crlf';

// What COPY writes (LF after each record, fields quoted when they hold a quote, a comma or
// a line break), cut into chunks anywhere, must come out as RFC 4180 records: CRLF after
// each record, the line breaks inside quoted fields untouched.

/** A field as COPY writes it in CSV: quoted, with its quotes doubled, when it must be. */
const asCsv = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);

const field = fc.string({ unit: fc.constantFrom('a', 'é', ' ', ',', '"', '\n', '\r', '€') });
const records = fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { maxLength: 30 });

async function throughCrlf(bytes: Buffer, cuts: number[]): Promise<string> {
  const at = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks = [...at, bytes.length].map((end, index) => bytes.subarray(index === 0 ? 0 : at[index - 1], end));
  return text(Readable.from(chunks.filter((chunk) => chunk.length > 0)).pipe(new CrlfRecords()));
}

describe('CSV records from COPY', () => {
  it('end with CRLF, wherever the chunks are cut, and keep the line breaks inside fields', async () => {
    await fc.assert(
      fc.asyncProperty(records, fc.array(fc.nat(), { maxLength: 12 }), async (rows, cuts) => {
        const lines = rows.map((row) => row.map(asCsv).join(','));
        const copied = Buffer.from(lines.map((line) => `${line}\n`).join(''));
        expect(await throughCrlf(copied, cuts)).toBe(lines.map((line) => `${line}\r\n`).join(''));
      }),
    );
  });

  it('hands large exports on in blocks, not a write per chunk', async () => {
    const line = Buffer.from('FR,"A title, with ""quotes""","two\nlines"\n');
    const chunks = Array.from({ length: 5_000 }, () => line);
    const blocks: Buffer[] = [];
    const out = Readable.from(chunks).pipe(new CrlfRecords());
    for await (const block of out) blocks.push(block as Buffer);
    expect(Buffer.concat(blocks).toString()).toBe('FR,"A title, with ""quotes""","two\nlines"\r\n'.repeat(5_000));
    expect(blocks.length).toBeLessThan(10);
  });
});
