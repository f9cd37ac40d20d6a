import type { Writable } from 'node:stream';

/** Resolves when the stream can take more, rejects when it is gone. */
export const drained = (stream: Writable) =>
  new Promise<void>((resolve, reject) => {
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
