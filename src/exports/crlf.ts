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
  // COPY hands over about one row per chunk; writing each to the socket on its own costs
  // a system call per row. Chunks are gathered into blocks of BLOCK_BYTES instead.
  private pending: Buffer[] = [];
  private pendingBytes = 0;

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
    if (recordEnds === 0) {
      this.gather(chunk, callback);
      return;
    }
    const output = Buffer.allocUnsafe(chunk.length + recordEnds);
    quoted = start;
    let at = 0;
    for (const byte of chunk) {
      if (byte === QUOTE) quoted = !quoted;
      else if (byte === LF && !quoted) output[at++] = CR;
      output[at++] = byte;
    }
    this.gather(output, callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.pendingBytes > 0) this.push(Buffer.concat(this.pending, this.pendingBytes));
    callback();
  }

  private gather(block: Buffer, callback: TransformCallback): void {
    this.pending.push(block);
    this.pendingBytes += block.length;
    if (this.pendingBytes >= BLOCK_BYTES) {
      const whole = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      callback(null, whole);
      return;
    }
    callback();
  }
}

const BLOCK_BYTES = 64 * 1024;
