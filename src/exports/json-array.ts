import type { TransformCallback } from 'node:stream';
import { InBlocks } from './blocks';

const LF = 0x0a;
const OPEN = Buffer.from('[');
const FIRST = Buffer.from('\n');
const NEXT = Buffer.from(',\n');
const CLOSE = Buffer.from('\n]\n');

/**
 * Turns lines of JSON, one value a line as COPY writes them, into one JSON array of them:
 * `[`, the values one a line with commas between, `]`. A JSON value written by PostgreSQL
 * holds no raw line feed (it escapes every control character), so each LF ends one; the
 * lines are found with indexOf and copied natively, never parsed.
 */
export class JsonArrayOfLines extends InBlocks {
  private opened = false;
  private values = 0;
  private atLineStart = true;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const parts: Buffer[] = this.opened ? [] : [OPEN];
    this.opened = true;
    let from = 0;
    while (from < chunk.length) {
      if (this.atLineStart) {
        parts.push(this.values === 0 ? FIRST : NEXT);
        this.values += 1;
        this.atLineStart = false;
      }
      const end = chunk.indexOf(LF, from);
      if (end === -1) {
        parts.push(chunk.subarray(from));
        break;
      }
      parts.push(chunk.subarray(from, end));
      from = end + 1;
      this.atLineStart = true;
    }
    this.gather(Buffer.concat(parts), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.handOn(this.opened ? CLOSE : Buffer.concat([OPEN, CLOSE]), callback);
  }
}
