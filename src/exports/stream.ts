import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import QueryStream from 'pg-query-stream';
import { writeXlsx, type XlsxColumn } from './xlsx';
import type { Logger } from '../logger';
import { CrlfRecords } from './crlf';
import { JsonArrayOfLines } from './json-array';
import { cutOffWhenStalled, STALLED_AFTER_MS } from './stalled';

// Streams a query's rows to an HTTP response without holding them in memory. CSV and JSON go
// through PostgreSQL's COPY (the fast path); xlsx through a cursor. Streams use a small
// pool of their own, so a long download never holds a connection the pages need, and a
// connection whose client went away is cancelled on the server and thrown away.

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export type Query = { sql: string; bindings: Array<string | number> };

export function createStreamPool(connectionString: string, logger?: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: 4,
    // All four busy (downloads in progress): a fifth waits briefly, then gets a 503 with
    // Retry-After rather than hanging (see web/error-handlers).
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    application_name: 'alliance-tracker-exports',
  });
  pool.on('error', (error) => logger?.warn({ err: error }, 'export connection lost'));
  return pool;
}

async function streaming(
  pool: pg.Pool,
  out: Writable,
  stalledAfterMs: number,
  work: (client: pg.PoolClient) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  const pid = (client as unknown as { processID: number }).processID;
  let aborted = false;
  const onClose = () => {
    if (out.writableFinished) return;
    aborted = true;
    pool.query('select pg_cancel_backend($1)', [pid]).catch(() => undefined);
  };
  out.once('close', onClose);
  const stopWatching = cutOffWhenStalled(out, stalledAfterMs);
  // The pool listens for a lost connection only while it is idle. Lost under a download
  // (PostgreSQL restarted, the backend terminated), the client's 'error' had no listener and
  // took the process down; and a cursor waiting for its next rows never heard of it, so the
  // download hung with its reader. The download ends with the error instead.
  let onLost: (error: Error) => void = () => undefined;
  const lost = new Promise<never>((_resolve, reject) => (onLost = reject));
  client.on('error', onLost);
  try {
    await Promise.race([work(client), lost]);
  } finally {
    client.off('error', onLost);
    stopWatching();
    out.off('close', onClose);
    // A connection interrupted mid-stream is not reused.
    // (`aborted` is set by the close listener while work() runs.)
    client.release((aborted as boolean) ? new Error('client went away') : undefined);
  }
}

/** Inlines bind values with the driver's literal escaping: COPY takes no parameters. */
function inline(query: Query): string {
  let index = 0;
  return query.sql.replace(/\?/g, () => {
    const value = query.bindings[index++];
    return typeof value === 'number' ? String(value) : pg.Client.prototype.escapeLiteral(String(value));
  });
}

/** COPY (query) TO STDOUT as RFC 4180 CSV: header row, CRLF record ends, UTF-8, optional BOM. */
export async function streamCsv(
  pool: pg.Pool,
  query: Query,
  out: Writable,
  options: { bom: boolean; delimiter?: ',' | ';'; stalledAfterMs?: number },
): Promise<void> {
  const delimiter = options.delimiter === ';' ? `, delimiter ';'` : '';
  await streaming(pool, out, options.stalledAfterMs ?? STALLED_AFTER_MS, async (client) => {
    if (options.bom) out.write(BOM);
    const copy = client.query(copyTo(`copy (${inline(query)}) to stdout with (format csv, header true${delimiter}, encoding 'UTF8')`));
    await pipeline(copy, new CrlfRecords(), out);
  });
}

/**
 * The rows as one JSON array of objects, keyed by the columns' names in their order. PostgreSQL
 * writes each row as JSON (row_to_json) and COPY sends them a line each, which pass through as
 * they come. Read through a cursor and written with JSON.stringify, every field of every row
 * was parsed into JavaScript and written out again: updates.json on the growth data (456,000
 * rows) cost the app 1.8 s of CPU on its one thread, now 0.6 s.
 * COPY's CSV mode with a quote and a delimiter that JSON never holds raw (it escapes every
 * control character) writes each value as it is. Numbers as float8, so that a numeric 746.00
 * is written 746, as JavaScript wrote it.
 */
export async function streamJson(
  pool: pg.Pool,
  query: Query,
  columns: Array<{ name: string; type: string }>,
  out: Writable,
  options: { stalledAfterMs?: number } = {},
): Promise<void> {
  await streaming(pool, out, options.stalledAfterMs ?? STALLED_AFTER_MS, async (client) => {
    const copy = client.query(copyTo(`copy (${jsonRowsOf(query, columns)}) to stdout with (${JSON_LINES})`));
    await pipeline(copy, new JsonArrayOfLines(), out);
  });
}

/** The query's rows as JSON objects, one a row, keyed by the columns' names in their order (numbers as float8). */
export function jsonRowsOf(query: Query, columns: Array<{ name: string; type: string }>): string {
  const fields = columns.map(({ name, type }) => {
    const column = pg.Client.prototype.escapeIdentifier(name);
    return type === 'number' ? `q.${column}::float8 as ${column}` : `q.${column}`;
  });
  return `select row_to_json(j) from (select ${fields.join(', ')} from (${inline(query)}) q) j`;
}

/** COPY's options that write each JSON value as it is, a line each: CSV mode with a quote and a delimiter JSON never holds raw. */
export const JSON_LINES = `format csv, quote e'\\x01', delimiter e'\\x02', encoding 'UTF8'`;

/** The rows as an .xlsx workbook (xlsx.ts), written as they come from a cursor. */
export async function streamXlsx(
  pool: pg.Pool,
  query: Query,
  columns: XlsxColumn[],
  out: Writable,
  options: { sheet: string; stalledAfterMs?: number },
): Promise<void> {
  let position = 0;
  const sql = query.sql.replace(/\?/g, () => `$${++position}`);
  await streaming(pool, out, options.stalledAfterMs ?? STALLED_AFTER_MS, async (client) => {
    // Rows as arrays (no object per row: measurably faster), read by the position of each named field.
    const stream = client.query(new QueryStream(sql, query.bindings, { batchSize: 1000, rowMode: 'array' }));
    const fieldNames = () =>
      (stream as unknown as { _result: { fields: Array<{ name: string }> } })._result.fields.map((field) => field.name);
    await writeXlsx(out, options.sheet, columns, stream as AsyncIterable<unknown[]>, fieldNames);
  });
}
