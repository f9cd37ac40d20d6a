import type { Test } from 'supertest';

/** A request whose response body is read as bytes, whatever its type (a CSV, a JSON file, a zip). */
export const asBytes = (test: Test) =>
  test.buffer(true).parse((response, callback) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => {
      callback(null, Buffer.concat(chunks));
    });
  });
