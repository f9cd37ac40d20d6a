import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../logger';
import { cutOffWhenStalled, STALLED_AFTER_MS } from './stalled';

// Open-data files kept on disk, one per file and public data version. A file changes only
// when the version moves, and writing it is the database's work and the app's: updates.xlsx
// on the growth data took 3.4 times as long as psql \copy of its rows, and updates.json
// twice as long (PostgreSQL alone needs that long to write it). Every later download of the
// same version is the file read from disk, with its length, and no database connection.
//
// The file is written ahead of its first download once the data has stayed the same a while
// (prepare-open-data.ts), or by a first download that comes sooner, through a tee; either
// way to a temporary file beside it, renamed into place once the whole file is written: a
// reader who leaves early, a database error or a full disk leaves nothing behind but an
// unkept file. Instances
// sharing the folder (two behind a proxy) each keep what they write; the rename is atomic,
// and any file found missing is written again.

export type KeptFiles = {
  /**
   * Sends the file kept as `name` at the data version `stamp`, or writes it with `write`
   * (to the reader and, when it completes, to the folder).
   */
  send(stamp: string, name: string, res: ServerResponse, write: (out: Writable) => Promise<void>): Promise<void>;
  /** The size of the file kept as `name` at `stamp`; undefined while none is (a HEAD's Content-Length). */
  sizeOf(stamp: string, name: string): Promise<number | undefined>;
  /**
   * Writes the file kept as `name` at `stamp` with no reader waiting, ahead of its first
   * download, unless it is kept or a reader's download is writing it already; a reader who
   * comes meanwhile waits for it. False when it cannot be kept (no folder, or the file could
   * not be stored).
   */
  prepare(stamp: string, name: string, write: (out: Writable) => Promise<void>): Promise<boolean>;
};

const ignore = () => undefined;

type Options = {
  logger?: Logger;
  onSent?: (source: 'kept' | 'written') => void;
  /** A reader of a kept file who reads nothing for this long is cut off, as one of a file being written is. */
  stalledAfterMs?: number;
};

/** Files kept in `folder` (emptied first: a new release may write them differently); none without one. */
export function keptFilesIn(folder: string | undefined, options: Options = {}): KeptFiles {
  if (folder !== undefined) return keptInFolder(folder, options);
  const { onSent = ignore } = options;
  return {
    send: (_stamp, _name, res, write) => {
      onSent('written');
      return write(res);
    },
    sizeOf: () => Promise.resolve(undefined),
    prepare: () => Promise.resolve(false),
  };
}

function keptInFolder(folder: string, { logger, onSent = ignore, stalledAfterMs = STALLED_AFTER_MS }: Options): KeptFiles {
  const ready = fs
    .rm(folder, { recursive: true, force: true })
    .then(() => fs.mkdir(folder, { recursive: true }))
    .then(
      () => true,
      (error: unknown) => {
        logger?.warn({ err: error, folder }, 'open-data files cannot be kept: every download is written anew');
        return false;
      },
    );
  // Being written by this process: a second reader meanwhile is written its own copy, not kept.
  const writing = new Set<string>();
  // Being written ahead, with no reader to pace it: a reader meanwhile waits for it instead.
  const preparing = new Map<string, Promise<boolean>>();

  /**
   * Removes the files of older versions, which no reader will be sent again. False when the
   * file just kept is itself the older one, and removed.
   */
  async function forgetOlderVersions(stamp: string, kept: string): Promise<boolean> {
    let stillKept = true;
    // A stamp starts with its version, which only goes up.
    const version = Number.parseInt(stamp, 10);
    for (const name of await fs.readdir(folder).catch(() => [])) {
      if (name.startsWith(`${stamp}.`) || name.endsWith('.tmp')) continue;
      // A slow first download outlived its version, whose successor is kept already: the file
      // just kept is the stale one (removing the newer would have it written again).
      if (Number.parseInt(name, 10) > version) {
        await fs.unlink(kept).catch(ignore);
        stillKept = false;
      } else await fs.unlink(path.join(folder, name)).catch(ignore);
    }
    return stillKept;
  }

  /**
   * Writes the file to `res` (where a reader waits) and to the folder, and resolves once the
   * writing is done, with `stored`: whether the file was kept, once that is known.
   */
  async function writeAndKeep(stamp: string, kept: string, write: (out: Writable) => Promise<void>, res?: ServerResponse) {
    writing.add(kept);
    let stored: (kept: boolean) => void = ignore;
    const settled = new Promise<boolean>((resolve) => (stored = resolve));
    const temporary = `${kept}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
    const file = createWriteStream(temporary);
    const tee = new PassThrough();
    let keeping = true;
    const drop = (error?: unknown) => {
      if (!keeping) return;
      keeping = false;
      writing.delete(kept);
      tee.unpipe(file);
      file.destroy();
      fs.unlink(temporary).catch(ignore);
      if (error) logger?.warn({ err: error, file: kept }, 'an open-data file could not be kept');
      stored(false);
    };
    // The disk failing is no reason to fail the reader: the file is only not kept.
    file.on('error', drop);
    file.once('finish', () => {
      if (!keeping) return;
      fs.rename(temporary, kept)
        .then(async () => {
          stored(await forgetOlderVersions(stamp, kept));
        }, drop)
        .finally(() => writing.delete(kept));
    });
    // The reader gone or cut off stops the writing, as it does without the tee. The writing
    // failing is the route's error, as without the tee: the reader's download is cut short.
    res?.once('close', () => {
      // Destroyed without an error: once the writing is done, nothing listens for one.
      if (!res.writableFinished) tee.destroy();
    });
    tee.once('close', () => {
      if (!tee.readableEnded) drop();
    });
    if (res) tee.pipe(res);
    tee.pipe(file);
    try {
      await write(tee);
    } catch (error) {
      // Nothing is kept of a writing that failed (midway, or before its first byte when no
      // connection was free); the route answers the reader as it would without the tee.
      tee.destroy();
      throw error;
    }
    return { stored: settled };
  }

  /** Sends a kept file, with its length; cut off as a download being written is, when its reader reads nothing. */
  async function sendKept(handle: FileHandle, res: ServerResponse) {
    let size: number;
    try {
      size = (await handle.stat()).size;
    } catch (error) {
      await handle.close();
      throw error;
    }
    res.setHeader('Content-Length', size);
    onSent('kept');
    // Closes the file when it ends or the reader goes.
    const file = handle.createReadStream({ highWaterMark: 256 * 1024 });
    let given = 0;
    file.on('data', (chunk: string | Buffer) => {
      given += chunk.length;
    });
    const stopWatching = cutOffWhenStalled(res, stalledAfterMs);
    try {
      await pipeline(file, res);
    } catch (error) {
      // A reader told the length may close the connection on the last byte, before the
      // response has ended ('close' before 'finish': premature, says pipeline). With every
      // byte given to the response, the file was sent (and the reader did not go away).
      if (!(given === size && (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE')) throw error;
    } finally {
      stopWatching();
    }
  }

  return {
    async send(stamp, name, res, write) {
      if (!(await ready)) {
        onSent('written');
        return write(res);
      }
      const kept = path.join(folder, `${stamp}.${name}`);
      let handle = await fs.open(kept, 'r').catch(ignore);
      // Being written ahead as fast as the database gives it: sooner done than a copy of the reader's own.
      if (!handle && preparing.has(kept)) {
        await preparing.get(kept);
        // The reader went while it waited: nothing to send.
        if (res.destroyed) return;
        handle = await fs.open(kept, 'r').catch(ignore);
      }
      if (handle) return sendKept(handle, res);
      onSent('written');
      if (writing.has(kept)) return write(res);
      await writeAndKeep(stamp, kept, write, res);
    },

    async sizeOf(stamp, name) {
      if (!(await ready)) return undefined;
      return (await fs.stat(path.join(folder, `${stamp}.${name}`)).catch(ignore))?.size;
    },

    async prepare(stamp, name, write) {
      if (!(await ready)) return false;
      const kept = path.join(folder, `${stamp}.${name}`);
      if (writing.has(kept) || (await fs.stat(kept).catch(ignore))) return true;
      const written = writeAndKeep(stamp, kept, write).then((writing) => writing.stored);
      // Readers wait for it whatever comes of it: if it failed or was not kept, each then writes its own.
      preparing.set(
        kept,
        written.catch(() => false),
      );
      try {
        return await written;
      } finally {
        preparing.delete(kept);
      }
    },
  };
}
