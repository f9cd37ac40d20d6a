import { Transform, type TransformCallback } from 'node:stream';

const BLOCK_BYTES = 64 * 1024;

/**
 * A transform that hands its output on in blocks of about 64 KiB. pg-copy-streams hands
 * over what one read of the socket held, often less than a block; writing each to the
 * socket on its own costs a system call each.
 */
export abstract class InBlocks extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Adds `block` to the output; calls back once it is handed on or kept for the next block. */
  protected gather(block: Buffer, callback: TransformCallback): void {
    this.pending.push(block);
    this.pendingBytes += block.length;
    if (this.pendingBytes >= BLOCK_BYTES) {
      // One block already large enough goes as it is: concatenating it alone would copy it.
      const whole = this.pending.length === 1 ? block : Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      callback(null, whole);
      return;
    }
    callback();
  }

  /** Hands on everything kept, with `last` after it: for _flush. */
  protected handOn(last: Buffer | null, callback: TransformCallback): void {
    if (last) this.pending.push(last);
    const bytes = this.pendingBytes + (last?.length ?? 0);
    if (bytes > 0) this.push(this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, bytes));
    this.pending = [];
    this.pendingBytes = 0;
    callback();
  }
}
