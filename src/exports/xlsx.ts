import { createRequire } from 'node:module';
import { PassThrough, type Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yazl from 'yazl';
import { drained } from './drained';

// An .xlsx workbook of one sheet, written row by row in constant memory: the few fixed
// parts of the format, and the sheet's XML streamed through yazl's deflate into the zip.
// exceljs' streaming writer was measured first: 20,000 rows/s and a growing heap (its
// styles are objects per cell, and its zip buffers the sheet), a tenth of the CSV rate;
// this writes the same typed cells at the CSV's order of speed (npm run bench:export).

export type XlsxColumn = { name: string; type: string };

/**
 * yazl checks what it zips with buffer-crc32, a CRC-32 in JavaScript, a byte at a time: a
 * fifth of an xlsx download's CPU in a profile (the sheet's XML is seven times the file).
 * Node's own, in zlib, gives the same checksums natively; yazl's copy of the module takes it
 * (yazl offers no option for it, and calls `unsigned` on each chunk it zips).
 */
const yazlCrc32 = createRequire(require.resolve('yazl'))('buffer-crc32') as { unsigned: (data: Buffer, previous?: number) => number };
yazlCrc32.unsigned = (data, previous = 0) => crc32(data, previous);

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PACKAGE_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';

/** Cell formats (cellXfs): 0 general, 1 date, 2 date and time, 3 the bold header. */
const STYLE = { date: 1, datetime: 2, header: 3 } as const;

const FIXED_PARTS = (sheet: string): Array<[string, string]> => [
  [
    '[Content_Types].xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`,
  ],
  [
    '_rels/.rels',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="${PACKAGE_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  ],
  [
    'xl/workbook.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="${NS}" xmlns:r="${REL_NS}"><sheets><sheet name="${escapeXml(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>`,
  ],
  [
    'xl/_rels/workbook.xml.rels',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="${PACKAGE_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`,
  ],
  [
    'xl/styles.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="${NS}"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>`,
  ],
];

/**
 * Text as XML character data. A carriage return is written as a reference (XML would read
 * a raw one as a line feed); control characters XML cannot hold, and text that looks like
 * such an escape, use the format's own _xHHHH_ escape.
 */
// Control characters XML 1.0 cannot hold (all below U+0020 but tab, LF and CR), and U+FFFE/U+FFFF.
// eslint-disable-next-line no-control-regex -- these are exactly what must be escaped
const UNWRITABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
// eslint-disable-next-line no-control-regex -- the same characters, and those XML escapes
const NEEDS_ESCAPE = /[&<>"\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|_x[0-9A-Fa-f]{4}_/;

function escapeXml(text: string): string {
  // Most cells need nothing: one test instead of four replacements.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text
    .replace(/_x[0-9A-Fa-f]{4}_/g, '_x005F$&')
    .replace(/[&<>"]/g, (character) => ESCAPES[character] ?? character)
    .replace(/\r/g, '&#13;')
    .replace(UNWRITABLE, (character) => `_x${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

/** Excel's column letters: A … Z, AA … */
function columnLetters(index: number): string {
  let letters = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) letters = String.fromCharCode(65 + ((rest - 1) % 26)) + letters;
  return letters;
}

/** Days since Excel's epoch (1899-12-30) of a 'YYYY-MM-DD' day or an ISO instant, in UTC; NaN for anything else. */
const excelSerial = (text: string) => Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text) / 86_400_000 + 25_569;

/**
 * One cell. Cells carry their reference (A2, B2 …) so that an empty one can be left out;
 * dates repeat a lot in a column, so their serial numbers are remembered.
 */
function cell(reference: string, type: string, value: unknown, serials: Map<string, number>): string {
  if (value === null || value === undefined || value === '') return '';
  if ((type === 'date' || type === 'datetime') && typeof value === 'string') {
    let serial = serials.get(value);
    if (serial === undefined) {
      serial = excelSerial(value);
      if (serials.size > 10_000) serials.clear();
      serials.set(value, serial);
    }
    if (!Number.isNaN(serial)) return `<c r="${reference}" s="${type === 'date' ? STYLE.date : STYLE.datetime}"><v>${serial}</v></c>`;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return `<c r="${reference}"><v>${value}</v></c>`;
  if (typeof value === 'boolean') return `<c r="${reference}" t="b"><v>${value ? 1 : 0}</v></c>`;
  // Text goes into a text cell: Excel shows it as it is and never evaluates it as a formula.
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `<c r="${reference}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(text)}</t></is></c>`;
}

/**
 * Writes rows to `out` as a workbook: a bold, frozen header row of the column names, then
 * one row per record, dates as dates, numbers as numbers, booleans, text as text. Rows are
 * arrays; `fieldNames` says, once the first has come, which column is at which position.
 */
export async function writeXlsx(
  out: Writable,
  sheetName: string,
  columns: XlsxColumn[],
  rows: AsyncIterable<unknown[]>,
  fieldNames: () => string[],
): Promise<void> {
  const zip = new yazl.ZipFile();
  const sheet = new PassThrough();
  const finished = new Promise<void>((resolve, reject) => {
    zip.outputStream.on('error', reject);
    out.on('error', reject);
    out.on('close', () => {
      if (out.writableFinished) return;
      // The client went away: the zip no longer flows, so a row waiting for the sheet to
      // drain would wait for ever. Destroyed, the sheet ends that wait with an error.
      sheet.destroy();
      reject(new Error('the client went away'));
    });
    out.on('finish', resolve);
  });
  // This may settle while rows are still being written, long before it is awaited: a
  // rejection without a handler until then would end the process.
  finished.catch(() => undefined);
  zip.outputStream.pipe(out);
  for (const [name, content] of FIXED_PARTS(sheetName)) zip.addBuffer(Buffer.from(content), name);
  // Level 1: the sheet's repetitive XML still shrinks about sevenfold, at several times level 6's speed.
  zip.addReadStream(sheet, 'xl/worksheets/sheet1.xml', { compressionLevel: 1 });
  zip.end();

  const letters = columns.map((_, index) => columnLetters(index));
  const widths = columns
    .map((column, index) => `<col min="${index + 1}" max="${index + 1}" width="${column.type === 'string' ? 30 : 14}"/>`)
    .join('');
  const header = columns
    .map((column, index) => `<c r="${letters[index]}1" s="${STYLE.header}" t="inlineStr"><is><t>${escapeXml(column.name)}</t></is></c>`)
    .join('');
  let block = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="${NS}"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><cols>${widths}</cols><sheetData><row r="1">${header}</row>`;
  let number = 1;
  const serials = new Map<string, number>();
  let positions: number[] | undefined;
  for await (const row of rows) {
    // Where each column is in the rows: known once the first row has come with its fields.
    positions ??= columns.map((column) => fieldNames().indexOf(column.name));
    number += 1;
    block += `<row r="${number}">`;
    columns.forEach((column, index) => {
      block += cell(`${letters[index]}${number}`, column.type, row[positions?.[index] ?? -1], serials);
    });
    block += '</row>';
    // Written in blocks of about 64 KiB, waiting while the zip (and the client behind it) cannot take more.
    if (block.length >= 65_536) {
      if (!sheet.write(block)) await drained(sheet);
      block = '';
    }
  }
  sheet.end(`${block}</sheetData></worksheet>`);
  await finished;
}
