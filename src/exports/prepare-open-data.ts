import type { Logger } from '../logger';
import type { ExportService } from './service';

// Open-data files written ahead of their first download. A file is kept per public data
// version (kept-files.ts), but the first download after each change still waited for the
// database and the app to write it: on the growth data, updates.xlsx took 3.3 times as long as
// psql \copy of its rows. Once the data has stayed the same for a quiet period, every file of
// the new version is written, one at a time, with no reader waiting; a reader who comes
// sooner has the file written for them, as before, and one who comes while a file is being
// written ahead waits for it (kept-files.ts). The quiet period keeps a run of
// acceptances (the secretariat reviewing an afternoon's reports) from writing every file
// after each one.

export type OpenDataPreparer = { stop(): void };

type Options = {
  /** How long the public data must stay the same before its files are written. */
  quietMs: number;
  /** How often the version is looked at (default: a fifth of the quiet period, at most every 10 s). */
  checkEveryMs?: number;
  logger?: Logger;
  /** Told of each version prepared: how many files are kept and how long the writing took. */
  onPrepared?: (prepared: { stamp: string; files: number; ms: number }) => void;
};

export function prepareOpenDataWhenQuiet(exportsService: ExportService, options: Options): OpenDataPreparer {
  const { quietMs, logger, onPrepared } = options;
  const checkEveryMs = options.checkEveryMs ?? Math.min(10_000, Math.max(100, quietMs / 5));
  /** The version last seen, and since when (by this process' clock: a database's may differ). */
  let seen: { stamp: string; since: number } | undefined;
  let prepared: string | undefined;
  let running = false;
  let stopped = false;

  const currentStamp = async () => (await exportsService.publicDataVersion()).stamp;

  async function check() {
    const stamp = await currentStamp();
    if (stamp !== seen?.stamp) seen = { stamp, since: Date.now() };
    if (stamp === prepared || Date.now() - seen.since < quietMs) return;
    const started = Date.now();
    try {
      const files = await exportsService.prepareOpenData(stamp, async () => !stopped && (await currentStamp()) === stamp);
      if (stopped || (await currentStamp()) !== stamp) return;
      prepared = stamp;
      const ms = Date.now() - started;
      logger?.info({ stamp, files, ms }, 'open-data files prepared');
      onPrepared?.({ stamp, files, ms });
    } catch (error) {
      // Tried again after another quiet period; meanwhile readers have their files written.
      logger?.warn({ err: error, stamp }, 'open-data files could not be prepared');
      seen = { stamp, since: Date.now() };
    }
  }

  const timer = setInterval(() => {
    if (running) return;
    running = true;
    check()
      .catch((error: unknown) => logger?.warn({ err: error }, 'the public data version could not be read'))
      .finally(() => (running = false));
  }, checkEveryMs);
  timer.unref();

  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
