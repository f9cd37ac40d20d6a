import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import fc from 'fast-check';
import { JsonArrayOfLines } from '../src/exports/json-array';

// What COPY writes for JSON open data (one JSON value a line, no raw line feed inside one: JSON
// escapes them), cut into chunks anywhere, even inside a character, must come out as the array
// the app wrote before with JSON.stringify: `[`, the values one a line with commas between, `]`.

const asArray = (values: unknown[]) =>
  `[${values.map((value, index) => `${index === 0 ? '' : ','}\n${JSON.stringify(value)}`).join('')}\n]\n`;

async function through(bytes: Buffer, cuts: number[]): Promise<string> {
  const at = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks = [...at, bytes.length].map((end, index) => bytes.subarray(index === 0 ? 0 : at[index - 1], end));
  // Empty chunks too, first or anywhere: they add nothing.
  return text(Readable.from([Buffer.alloc(0), ...chunks]).pipe(new JsonArrayOfLines()));
}

const value = fc.record({
  id: fc.integer(),
  title: fc.string({ unit: fc.constantFrom('a', 'é', '😀', ' ', ',', '"', '\\', '\n', '\r', '\u0001', '[', ']') }),
  value: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
  flag: fc.boolean(),
});

describe('JSON open data from COPY', () => {
  it('is one JSON array of the lines, as JSON.stringify wrote it, wherever the chunks are cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(value, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 12 }), async (values, cuts) => {
        const copied = Buffer.from(values.map((one) => `${JSON.stringify(one)}\n`).join(''));
        const written = await through(copied, cuts);
        expect(written).toBe(asArray(values));
        expect(JSON.parse(written)).toEqual(JSON.parse(JSON.stringify(values)));
      }),
    );
  });

  it('is an empty array when there are no rows', async () => {
    expect(await through(Buffer.alloc(0), [])).toBe('[\n]\n');
  });
});
