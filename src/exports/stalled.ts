import type { Writable } from 'node:stream';

/** How long a download waits for a client that reads nothing before cutting it off (DOWNLOAD_STALL_SECONDS). */
export const STALLED_AFTER_MS = 30_000;

/**
 * Cuts off a client that stops reading: while the response cannot take more (it waits for
 * 'drain'), a clock runs; past `stalledAfterMs` the response is destroyed, which cancels
 * the query and frees the connection (see streaming in stream.ts), or closes the kept file
 * being sent (kept-files.ts). Returns the function that stops it.
 */
export function cutOffWhenStalled(out: Writable, stalledAfterMs: number): () => void {
  let since = Date.now();
  const progressed = () => (since = Date.now());
  out.on('drain', progressed);
  const check = setInterval(
    () => {
      if (!out.writableNeedDrain) since = Date.now();
      else if (Date.now() - since > stalledAfterMs) out.destroy(new Error('the client stopped reading'));
    },
    Math.min(1000, stalledAfterMs / 2),
  );
  check.unref();
  return () => {
    clearInterval(check);
    out.off('drain', progressed);
  };
}
