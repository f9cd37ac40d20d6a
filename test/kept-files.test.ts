import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PassThrough, Writable } from 'node:stream';
import fs from 'node:fs/promises';
import http, { type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { DATASETS } from '../src/exports/datasets';
import { keptFilesIn } from '../src/exports/kept-files';
import { prepareOpenDataWhenQuiet } from '../src/exports/prepare-open-data';
import { OPEN_DATA_FORMATS } from '../src/exports/service';
import { buildTestApp, servicesOf } from './helpers/app';
import { asBytes } from './helpers/bytes';
import { serve } from './helpers/browser';
import { useTestDatabase } from './helpers/database';
import { makeAction, makeManyActions, makeCountry, makeCycle, makeReport } from './helpers/factories';
import { waitFor } from './helpers/wait';

/** A whole download as bytes, with its headers. */
const download = (app: Express | string, url: string) => asBytes(request(app).get(url));

/** Byte for byte the same (jest's toEqual takes half a minute over a few megabytes). */
const sameBytes = (one: unknown, other: unknown) => Buffer.compare(one as Buffer, other as Buffer) === 0;

/** A logger at `level` whose messages are kept, in order. */
function capturedLog(level: string) {
  const messages: string[] = [];
  const logger = pino(
    { level },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        messages.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
        done();
      },
    }),
  );
  return { logger, messages };
}

/** The files in a kept-files folder (its one database folder), by name. */
async function keptIn(folder: string): Promise<string[]> {
  const [database] = await fs.readdir(folder).catch(() => []);
  return database ? (await fs.readdir(path.join(folder, database))).sort() : [];
}

describe('open-data files kept per data version', () => {
  const database = useTestDatabase();
  let folder: string;
  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'kept-files-'));
  });
  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  async function acceptedAction(title: string) {
    const country = await makeCountry(database.db);
    const report = await makeReport(database.db, country.code, (await makeCycle(database.db)).id, 'accepted');
    return makeAction(database.db, report, { title });
  }

  it('sends a file written once from disk, with its length, until the data changes', async () => {
    const action = await acceptedAction('Kept, first version');
    const metricsToken = 'metrics-token-long-enough-for-the-check';
    const app = buildTestApp(database, { openDataFolder: folder, metricsToken });
    for (const format of ['csv', 'json', 'xlsx']) {
      // Not kept yet: a HEAD cannot tell the length without writing the file.
      expect((await request(app).head(`/open-data/actions.${format}`)).headers['content-length']).toBeUndefined();
      const first = await download(app, `/open-data/actions.${format}`);
      expect(first.status).toBe(200);
      // Written as it is read: its length is not known before the end.
      expect(first.headers['content-length']).toBeUndefined();
      await waitFor(async () => (await keptIn(folder)).some((name) => name.endsWith(`.${format}`)), 5000);
      const head = await request(app).head(`/open-data/actions.${format}`);
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String((first.body as Buffer).length));

      const again = await download(app, `/open-data/actions.${format}`);
      expect(again.status).toBe(200);
      expect(again.headers['content-length']).toBe(String((again.body as Buffer).length));
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(sameBytes(again.body, first.body)).toBe(true);
    }
    expect((await download(app, '/open-data/actions.csv')).body.toString()).toContain('Kept, first version');
    const keptBefore = await keptIn(folder);
    expect(keptBefore).toHaveLength(3);

    // A correction to the accepted report moves the data version: the file is written anew,
    // and the files of the old version are removed.
    await database.db('actions').where({ id: action.id }).update({ title: 'Kept, corrected' });
    const corrected = await download(app, '/open-data/actions.csv');
    expect(corrected.body.toString()).toContain('Kept, corrected');
    expect(corrected.body.toString()).not.toContain('Kept, first version');
    await waitFor(async () => {
      const kept = await keptIn(folder);
      return kept.length === 1 && !keptBefore.includes(kept[0]!);
    }, 5000);
    expect(sameBytes((await download(app, '/open-data/actions.csv')).body, corrected.body)).toBe(true);

    const metrics = (await request(app).get('/metrics').set('Authorization', `Bearer ${metricsToken}`)).text;
    expect(metrics).toMatch(/^open_data_files_sent_total\{source="written"\} 4$/m);
    expect(metrics).toMatch(/^open_data_files_sent_total\{source="kept"\} 5$/m);
  });

  it('keeps nothing of a download whose reader leaves early, and the next reader is sent the whole file', async () => {
    const country = await makeCountry(database.db);
    const report = await makeReport(database.db, country.code, (await makeCycle(database.db)).id, 'accepted');
    await makeManyActions(database.db, report, 20000);
    const server = await serve(buildTestApp(database, { openDataFolder: folder }));
    try {
      await new Promise<void>((resolve, reject) => {
        const leaving = http.get(`${server.url}/open-data/actions.json`, (response) => {
          response.once('data', () => {
            leaving.destroy();
            resolve();
          });
        });
        leaving.on('error', reject);
      });
      // The temporary file is removed once the writing has stopped.
      await waitFor(async () => (await keptIn(folder)).length === 0, 5000);

      const whole = await download(server.url, '/open-data/actions.json');
      const rows = JSON.parse((whole.body as Buffer).toString()) as Array<{ country_code: string }>;
      expect(rows.filter((row) => row.country_code === country.code)).toHaveLength(20000);
      await waitFor(async () => (await keptIn(folder)).length === 1, 5000);
      expect((await keptIn(folder))[0]).toMatch(/\.json$/);
      expect(sameBytes((await download(server.url, '/open-data/actions.json')).body, whole.body)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('cuts off a reader of a kept file who reads nothing, as it does a reader of a file being written', async () => {
    await acceptedAction('Never read');
    const server = await serve(buildTestApp(database, { openDataFolder: folder, downloadStallMs: 1000 }));
    try {
      await download(server.url, '/open-data/actions.json');
      await waitFor(async () => (await keptIn(folder)).length === 1, 5000);
      // The kept file made larger than what the sockets hold (megabytes, on loopback).
      const [databaseFolder] = await fs.readdir(folder);
      await fs.truncate(path.join(folder, databaseFolder!, (await keptIn(folder))[0]!), 64 * 1024 * 1024);
      const received = await new Promise<{ complete: boolean; bytes: number }>((resolve) => {
        const stalled = http.get(`${server.url}/open-data/actions.json`, (response) => {
          expect(response.headers['content-length']).toBe(String(64 * 1024 * 1024));
          // Read nothing for three seconds (a paused reader does not see the connection close
          // either), then whatever is left.
          response.pause();
          let bytes = 0;
          setTimeout(() => {
            response.on('data', (chunk: Buffer) => (bytes += chunk.length));
            response.resume();
          }, 3000);
          response.once('close', () => {
            resolve({ complete: response.complete, bytes });
          });
          response.on('error', () => undefined);
        });
        stalled.on('error', () => undefined);
      });
      expect(received.complete).toBe(false);
      expect(received.bytes).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });

  it('does not log a kept file read to its last byte as its reader going away', async () => {
    await acceptedAction('Read to the end');
    const { logger, messages: lines } = capturedLog('info');
    const server = await serve(buildTestApp(database, { openDataFolder: folder, logger }));
    try {
      await download(server.url, '/open-data/updates.csv');
      await waitFor(async () => (await keptIn(folder)).length === 1, 5000);
      // As curl does: told the length, the reader closes the connection on the last byte,
      // which can come before the response has ended. A process of its own, as a reader is:
      // one in the test's own event loop is too slow to close before the server ends.
      const reader = `
        const http = require('node:http');
        (async () => {
          for (let round = 0; round < 10; round++)
            await new Promise((resolve) => {
              const reading = http.get(process.argv[1], { agent: false }, (response) => {
                response.resume();
                response.once('end', () => { reading.destroy(); resolve(); });
              });
            });
        })();`;
      await promisify(execFile)(process.execPath, ['-e', reader, `${server.url}/open-data/updates.csv`]);
      await waitFor(() => lines.filter((line) => line.startsWith('request ')).length >= 11, 5000);
      expect(lines).not.toContain('the client went away');
    } finally {
      await server.close();
    }
  });

  it('sends readers who come while the file is written their own copies, and keeps one', async () => {
    await acceptedAction('Asked for twice at once');
    const app = buildTestApp(database, { openDataFolder: folder });
    const [one, two] = await Promise.all([download(app, '/open-data/actions.xlsx'), download(app, '/open-data/actions.xlsx')]);
    expect(one.status).toBe(200);
    expect(sameBytes(two.body, one.body)).toBe(true);
    await waitFor(async () => (await keptIn(folder)).length === 1, 5000);
    expect((await keptIn(folder)).some((name) => name.endsWith('.tmp'))).toBe(false);
  });

  it('writes every download anew, and says so once, where the folder cannot be made', async () => {
    await acceptedAction('Nowhere to keep it');
    // A file where the folder should be.
    const blocked = path.join(folder, 'a-file');
    await fs.writeFile(blocked, 'not a folder');
    const { logger, messages: warnings } = capturedLog('warn');
    const app = buildTestApp(database, { openDataFolder: path.join(blocked, 'open-data'), logger });
    for (let round = 0; round < 2; round++) {
      const response = await download(app, '/open-data/actions.csv');
      expect(response.status).toBe(200);
      expect(response.body.toString()).toContain('Nowhere to keep it');
    }
    expect(warnings).toEqual(['open-data files cannot be kept: every download is written anew']);
  });

  const everyFile = DATASETS.filter((dataset) => dataset.public).length * OPEN_DATA_FORMATS.length;

  it('writes every file ahead once the data has stayed the same for the quiet period, and nothing while it keeps changing', async () => {
    const country = await makeCountry(database.db);
    const report = await makeReport(database.db, country.code, (await makeCycle(database.db)).id, 'accepted');
    const action = await makeAction(database.db, report, { title: 'Written ahead, first' });
    const metricsToken = 'metrics-token-long-enough-for-the-check';
    const app = buildTestApp(database, { openDataFolder: folder, metricsToken });
    const services = servicesOf(app);
    const prepared: Array<{ stamp: string; files: number }> = [];
    const preparer = prepareOpenDataWhenQuiet(services.exports, {
      quietMs: 1000,
      checkEveryMs: 50,
      onPrepared: (done) => {
        prepared.push(done);
        services.metrics.openDataPrepared(done);
      },
    });
    try {
      await waitFor(() => prepared.length === 1, 15_000);
      expect(prepared[0]!.files).toBe(everyFile);
      const first = await keptIn(folder);
      expect(first).toHaveLength(everyFile);
      // The first download of each is the kept file: sent with its length.
      for (const format of OPEN_DATA_FORMATS) {
        const file = await download(app, `/open-data/actions.${format}`);
        expect(file.status).toBe(200);
        expect(file.headers['content-length']).toBe(String((file.body as Buffer).length));
      }
      expect((await download(app, '/open-data/actions.csv')).body.toString()).toContain('Written ahead, first');

      // A run of corrections, each sooner than the quiet period after the last: nothing is
      // written until the run ends, then the last version's files, and the old ones go.
      for (let correction = 1; correction <= 10; correction += 1) {
        await database
          .db('actions')
          .where({ id: action.id })
          .update({ title: `Written ahead, correction ${correction}` });
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(prepared).toHaveLength(1);
      }
      await waitFor(() => prepared.length === 2, 15_000);
      const second = await keptIn(folder);
      expect(second).toHaveLength(everyFile);
      expect(second.filter((name) => first.includes(name))).toEqual([]);
      const corrected = await download(app, '/open-data/actions.csv');
      expect(corrected.headers['content-length']).toBeDefined();
      expect(corrected.body.toString()).toContain('Written ahead, correction 10');

      const metrics = await request(app).get('/metrics').set('Authorization', `Bearer ${metricsToken}`);
      expect(metrics.text).toMatch(/^open_data_preparation_seconds_count 2$/m);
      // Every download was of a kept file; none waited for one to be written.
      expect(metrics.text).toMatch(/^open_data_files_sent_total\{source="kept"\} 5$/m);
      expect(metrics.text).not.toContain('source="written"');
    } finally {
      preparer.stop();
    }
  });

  it('stops writing ahead, file by file, once the version has moved on', async () => {
    const app = buildTestApp(database, { openDataFolder: folder });
    const { exports } = servicesOf(app);
    const { stamp } = await exports.publicDataVersion();
    let asked = 0;
    expect(await exports.prepareOpenData(stamp, () => Promise.resolve((asked += 1) <= 2))).toBe(2);
    expect(await keptIn(folder)).toHaveLength(2);
    // Asked again for the same version, it writes only what is missing.
    expect(await exports.prepareOpenData(stamp, () => Promise.resolve(true))).toBe(everyFile);
    expect(await keptIn(folder)).toHaveLength(everyFile);
  });
});

describe('the kept files of a version', () => {
  it('being written ahead, have a reader who comes meanwhile wait for them, not write a copy of their own; one who leaves meanwhile is sent nothing', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'kept-files-'));
    try {
      const sent: string[] = [];
      const kept = keptFilesIn(folder, { onSent: (source) => sent.push(source) });
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      let begun: () => void = () => undefined;
      const begin = new Promise<void>((resolve) => (begun = resolve));
      const preparing = kept.prepare('9-100', 'actions.csv', async (out) => {
        out.write('written ahead, ');
        begun();
        await finished;
        out.end('in two parts');
      });
      // A reader, with what it is sent.
      const received: Buffer[] = [];
      const reader = Object.assign(new PassThrough(), { setHeader: () => undefined });
      reader.on('data', (chunk: Buffer) => received.push(chunk));
      const writtenForReader = jest.fn(() => Promise.resolve());
      await begin;
      const sending = kept.send('9-100', 'actions.csv', reader as unknown as ServerResponse, writtenForReader);
      // Another reader, who goes while waiting: sent nothing, and no error.
      const leaving = Object.assign(new PassThrough(), { setHeader: () => undefined });
      const left = kept.send('9-100', 'actions.csv', leaving as unknown as ServerResponse, writtenForReader);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toEqual([]);
      leaving.destroy();
      finish();
      expect(await preparing).toBe(true);
      await Promise.all([sending, left]);
      expect(writtenForReader).not.toHaveBeenCalled();
      expect(sent).toEqual(['kept']);
      expect(Buffer.concat(received).toString()).toBe('written ahead, in two parts');
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });

  it('are not removed by a slow first download of the version before, finishing after them', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'kept-files-'));
    try {
      const kept = keptFilesIn(folder);
      /** A reader taking whatever it is sent. */
      const reader = () => new PassThrough().resume() as unknown as ServerResponse;
      let finishOld: () => void = () => undefined;
      const finishedOld = new Promise<void>((resolve) => (finishOld = resolve));
      // Version 7's file: its writing waits until told to finish.
      const slow = kept.send('7-100', 'actions.csv', reader(), async (out) => {
        out.write('version 7, ');
        await finishedOld;
        out.end('written slowly');
      });
      // Meanwhile the version moves; version 8's file is written and kept.
      await kept.send('8-200', 'actions.csv', reader(), (out) => {
        out.end('version 8');
        return Promise.resolve();
      });
      await waitFor(async () => (await fs.readdir(folder)).includes('8-200.actions.csv'), 5000);
      finishOld();
      await slow;
      await waitFor(async () => (await fs.readdir(folder)).every((name) => !name.startsWith('7-100.')), 5000);
      expect(await fs.readdir(folder)).toEqual(['8-200.actions.csv']);
      expect(await fs.readFile(path.join(folder, '8-200.actions.csv'), 'utf8')).toBe('version 8');
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
