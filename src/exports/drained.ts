import type { Writable } from 'node:stream';

/** Resolves when the stream can take more, rejects when it is gone. */
export const drained = (stream: Writable) =>
  new Promise<void>((resolve, reject) => {
    // Already gone: its 'close' came before this wait began and will not come again. A
    // download whose reader left between two of its writes waited here for ever, holding
    // its database connection and its cursor open.
    if (stream.destroyed) {
      reject(new Error('the client went away'));
      return;
    }
    const onDrain = () => {
      stream.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      stream.off('drain', onDrain);
      reject(new Error('the client went away'));
    };
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
