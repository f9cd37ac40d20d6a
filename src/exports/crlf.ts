import type { TransformCallback } from 'node:stream';
import { InBlocks } from './blocks';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * PostgreSQL's COPY ends CSV records with LF; RFC 4180 wants CRLF. This turns every LF
 * outside quotes into CRLF and leaves line breaks inside quoted fields alone. COPY quotes
 * any field holding a quote, CR or LF, so tracking quotes byte by byte is enough (a
 * doubled quote toggles twice); no CSV parser is needed.
 *
 * Every byte of an export passes through here, so it is read once in JavaScript, to find
 * the record ends, and the records between them are copied natively: copying byte by byte
 * in a second loop was most of what the app added to `psql \copy` (npm run bench:export).
 */
export class CrlfRecords extends InBlocks {
  private inQuotes = false;
  /** Where the record ends of a chunk are, reused from chunk to chunk. */
  private ends = new Uint32Array(0);

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.ends.length < chunk.length) this.ends = new Uint32Array(chunk.length);
    const ends = this.ends;
    let quoted = this.inQuotes;
    let recordEnds = 0;
    for (let index = 0; index < chunk.length; index += 1) {
      const byte = chunk[index];
      if (byte === QUOTE) quoted = !quoted;
      else if (byte === LF && !quoted) ends[recordEnds++] = index;
    }
    this.inQuotes = quoted;
    if (recordEnds === 0) {
      this.gather(chunk, callback);
      return;
    }
    const output = Buffer.allocUnsafe(chunk.length + recordEnds);
    let from = 0;
    let at = 0;
    for (const end of ends.subarray(0, recordEnds)) {
      at += chunk.copy(output, at, from, end);
      output[at++] = CR;
      output[at++] = LF;
      from = end + 1;
    }
    chunk.copy(output, at, from);
    this.gather(output, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.handOn(null, callback);
  }
}
