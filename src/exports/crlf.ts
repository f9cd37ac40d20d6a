import { Transform, type TransformCallback } from 'node:stream';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * PostgreSQL's COPY ends CSV records with LF; RFC 4180 wants CRLF. This turns every LF
 * outside quotes into CRLF and leaves line breaks inside quoted fields alone. COPY quotes
 * any field holding a quote, CR or LF, so tracking quotes byte by byte is enough (a
 * doubled quote toggles twice); no CSV parser is needed.
 */
export class CrlfRecords extends Transform {
  private inQuotes = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const start = this.inQuotes;
    let quoted = start;
    let recordEnds = 0;
    for (let index = 0; index < chunk.length; index += 1) {
      const byte = chunk[index];
      if (byte === QUOTE) quoted = !quoted;
      else if (byte === LF && !quoted) recordEnds += 1;
    }
    this.inQuotes = quoted;
    if (recordEnds === 0) return callback(null, chunk);
    const output = Buffer.allocUnsafe(chunk.length + recordEnds);
    quoted = start;
    let at = 0;
    for (let index = 0; index < chunk.length; index += 1) {
      const byte = chunk[index]!;
      if (byte === QUOTE) quoted = !quoted;
      else if (byte === LF && !quoted) output[at++] = CR;
      output[at++] = byte;
    }
    callback(null, output);
  }
}
