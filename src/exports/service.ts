import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type pg from 'pg';
import { z } from 'zod';
import { recordAuditEvent } from '../audit/queries';
import type { CurrentUser } from '../auth/current-user';
import type { Database } from '../db/knex';
import { authorize } from '../auth/policy';
import { isCountryCode, isCycleSlug, reportState, targetCode } from '../domain';
import { createReportQueries } from '../reports/queries';
import { blockedBy, blockedMessage, moveReport } from '../reports/workflow';
import { AppError, notFound } from '../web/errors';
import { datasetNamed, DATASETS, type ExportFilters } from './datasets';
import { readActionsCsv, type ImportProblem, type ImportReading } from './import';
import { keptFilesIn, type KeptFiles } from './kept-files';
import { createExportQueries } from './queries';
import { streamCsv, streamJson, streamXlsx } from './stream';

const optional = <T extends z.ZodType>(schema: T) =>
  z
    .literal('')
    .transform(() => undefined)
    .or(schema)
    .optional();

export const filterSchema = z
  .object({
    cycle: optional(z.string().refine(isCycleSlug, 'msg.unknown_cycle')),
    country: optional(z.string().refine(isCountryCode, 'msg.unknown_country')),
    target: optional(targetCode),
    state: optional(reportState),
    bom: optional(z.literal('1')),
    /** `semicolon`: fields separated by ";", as French and German Excel split a CSV file. */
    sep: optional(z.literal('semicolon')),
  })
  .strict();

export const importSchema = z
  .object({
    cycle: z.string({ error: 'msg.choose_cycle_import_into' }).refine(isCycleSlug, 'msg.choose_cycle_import_into'),
    // The checked file, sent back base64-encoded so that no line break changes on the way.
    csv64: z
      .string()
      .max(7_000_000, 'msg.file_larger_than_5_mb')
      .regex(/^[A-Za-z0-9+/=]*$/, 'msg.checked_file_was_damaged_check_again')
      .optional(),
    confirm: z.literal('1').optional(),
  })
  .strict();

type Context = { ipAddress: string | null };

export const OPEN_DATA_FORMATS = ['csv', 'json', 'xlsx'] as const;
export type OpenDataFormat = (typeof OPEN_DATA_FORMATS)[number];
export const isOpenDataFormat = (value: string | undefined): value is OpenDataFormat =>
  OPEN_DATA_FORMATS.some((format) => format === value);

export function createExportService(db: Database, streams: pg.Pool, options: { stalledAfterMs?: number; keptFiles?: KeptFiles } = {}) {
  const { stalledAfterMs, keptFiles = keptFilesIn(undefined) } = options;
  const queries = createExportQueries(db);

  /**
   * A public open-data file (accepted reports only): how it is written, and the name it is kept
   * by, which names what writes it too, so that a release which changes a dataset's query or
   * columns never sends a file the last one kept.
   */
  function openDataFile(name: string, format: OpenDataFormat) {
    const dataset = datasetNamed(name);
    if (!dataset?.public) throw notFound('dataset');
    const { columns } = dataset;
    const query = dataset.query({ filters: {}, publicOnly: true, forCsv: format === 'csv' });
    const writtenBy = createHash('sha256')
      .update(JSON.stringify([format, query, columns]))
      .digest('hex')
      .slice(0, 12);
    const write = async (out: Writable) => {
      if (format === 'csv') await streamCsv(streams, query, out, { bom: false, stalledAfterMs });
      else if (format === 'xlsx') await streamXlsx(streams, query, columns, out, { sheet: name, stalledAfterMs });
      else await streamJson(streams, query, columns, out, { stalledAfterMs });
    };
    return { keptAs: `${name}.${writtenBy}.${format}`, write };
  }

  return {
    datasets: DATASETS,

    filterChoices: () => queries.filterChoices(),

    /** A secretariat download (CSV or .xlsx), audited before the first byte is sent. */
    async download(
      user: CurrentUser,
      name: string,
      format: 'csv' | 'xlsx',
      filters: ExportFilters & { bom?: '1'; sep?: 'semicolon' },
      out: Writable,
      context: Context,
    ) {
      authorize(user, 'data.export');
      const dataset = datasetNamed(name);
      if (!dataset?.staff) throw notFound('export');
      const { bom, sep, ...queryFilters } = filters;
      await db.transaction((trx) =>
        recordAuditEvent(trx, {
          actorUserId: user.id,
          actorLabel: user.email,
          verb: 'export.downloaded',
          entity: 'export',
          entityId: `${name}.${format}`,
          countryCode: queryFilters.country ?? null,
          ipAddress: context.ipAddress,
          details: { file: `${name}.${format}`, filters: queryFilters, bom: Boolean(bom), ...(sep ? { sep } : {}) },
        }),
      );
      if (format === 'xlsx') {
        const query = dataset.query({ filters: queryFilters, publicOnly: false, forCsv: false });
        await streamXlsx(streams, query, dataset.columns, out, { sheet: dataset.name, stalledAfterMs });
      } else {
        const query = dataset.query({ filters: queryFilters, publicOnly: false, forCsv: true });
        await streamCsv(streams, query, out, { bom: Boolean(bom), delimiter: sep === 'semicolon' ? ';' : ',', stalledAfterMs });
      }
    },

    /**
     * A public open-data file, kept per data version (`stamp`, from publicDataVersion) where
     * the app keeps files.
     */
    async openData(name: string, format: OpenDataFormat, res: ServerResponse, stamp: string) {
      const { keptAs, write } = openDataFile(name, format);
      await keptFiles.send(stamp, keptAs, res, write);
    },

    /**
     * Writes every open-data file of the data version `stamp` that is not kept yet, one at a
     * time, ahead of its first download; stops early once `stillCurrent` says the version has
     * moved on. Returns how many files are kept.
     */
    async prepareOpenData(stamp: string, stillCurrent: () => Promise<boolean>): Promise<number> {
      let kept = 0;
      for (const dataset of DATASETS.filter((each) => each.public))
        for (const format of OPEN_DATA_FORMATS) {
          if (!(await stillCurrent())) return kept;
          const { keptAs, write } = openDataFile(dataset.name, format);
          if (await keptFiles.prepare(stamp, keptAs, write)) kept += 1;
        }
      return kept;
    },

    /** The length of an open-data file, where it is kept at `stamp` (for a HEAD); undefined where it is not. */
    openDataSize: (name: string, format: OpenDataFormat, stamp: string) => keptFiles.sizeOf(stamp, openDataFile(name, format).keptAs),

    /**
     * The tag and date of what open data holds: the public data version, which moves with every
     * acceptance, correction to an accepted report and reference-data edit, and when it moved.
     * For ETag and Last-Modified, and the stamp kept files are named by: the version and the
     * microsecond it moved, which no other database (a test's, a bench's) shares.
     */
    async publicDataVersion(): Promise<{ etag: string; lastModified: Date; stamp: string }> {
      const row = await queries.publicDataStamp();
      const lastModified = new Date(row.changed_at);
      lastModified.setMilliseconds(0);
      return { etag: `W/"od-${row.version}"`, lastModified, stamp: row.stamp };
    },

    /**
     * Checks a file in the actions.csv format against the reference data and the target
     * cycle; with apply, creates its actions in each country's draft report, all in one
     * transaction, or nothing at all.
     */
    async importActions(
      user: CurrentUser,
      cycleSlug: string,
      file: Readable,
      options: { apply: boolean },
      context: Context,
    ): Promise<{
      problems: ImportProblem[];
      unlisted: number;
      reading: ImportReading;
      countries: Array<{ code: string; actions: number }>;
      total: number;
      applied: boolean;
    }> {
      authorize(user, 'data.import');
      const { actions, problems, unlisted, reading } = await readActionsCsv(file, await queries.referenceData());
      return db.transaction(async (trx) => {
        const reports = createReportQueries(trx);
        const cycle = await reports.findCycle(cycleSlug);
        if (!cycle) throw new AppError(422, 'unknown_cycle', 'msg.choose_cycle_import_into');
        const codes = [...new Set(actions.map((action) => action.country_code))];
        // The cycle's lock is the workflow's, as for a delegate's save: nothing is
        // imported into a cycle that is not open.
        const cycleBlocked = blockedBy('import', { cycle, report: undefined });
        if (cycleBlocked)
          problems.push({ line: 1, message: blockedMessage(cycleBlocked).key, params: blockedMessage(cycleBlocked).params });
        for (const code of codes) {
          const report = await reports.findReport(code, cycle.id, { forUpdate: true });
          const first = actions.find((action) => action.country_code === code);
          if (!cycleBlocked && first && report && blockedBy('import', { cycle, report })) {
            problems.push({
              line: first.line,
              message: 'msg.country_report_cycle_state_actions_can',
              params: { country: code, cycle: cycle.title, state: report.state },
            });
          }
        }
        problems.sort((a, b) => a.line - b.line);
        const countries = codes.map((code) => ({ code, actions: actions.filter((action) => action.country_code === code).length }));
        if (problems.length > 0 || !options.apply) return { problems, unlisted, reading, countries, total: actions.length, applied: false };

        for (const code of codes) {
          const report = (await reports.findReport(code, cycle.id, { forUpdate: true })) ?? (await reports.insertReport(code, cycle.id));
          const own = actions.filter((action) => action.country_code === code);
          for (const action of own) {
            const { line: _line, country_code: _country, ...fields } = action;
            await reports.insertAction(code, report.id, fields);
          }
          await moveReport(reports, report, 'import');
          await recordAuditEvent(trx, {
            actorUserId: user.id,
            actorLabel: user.email,
            verb: 'report.actions_imported',
            entity: 'report',
            entityId: report.id,
            countryCode: code,
            ipAddress: context.ipAddress,
            details: { cycle: cycleSlug, actions: own.length },
          });
        }
        return { problems, unlisted, reading, countries, total: actions.length, applied: true };
      });
    },
  };
}

export type ExportService = ReturnType<typeof createExportService>;
