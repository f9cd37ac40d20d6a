import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { allow, signedIn } from '../auth/guards';
import { REPORT_STATES, TARGET_CODES } from '../domain';
import { varyByLanguage } from '../i18n';
import { AppError, notFound } from '../web/errors';
import { cacheForPublic } from '../web/cache';
import { FieldError, formFields, handleForm, type Redisplay } from '../web/forms';
import { DATASETS } from './datasets';
import { filterSchema, importSchema, isOpenDataFormat, type ExportService } from './service';
import { IMPORT_PATH, importBody } from './upload';

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/** The response headers of a file download; JSON is shown in the browser, the others saved. */
const fileHeaders = (res: Response, name: string, format: keyof typeof CONTENT_TYPES) => {
  res.set('Content-Type', CONTENT_TYPES[format]);
  if (format !== 'json') res.set('Content-Disposition', `attachment; filename="${name}.${format}"`);
};

/** Downloads one address may have running at once: the stream pool is small and shared. */
const DOWNLOADS_PER_ADDRESS = 2;
const downloading = new Map<string, number>();

/** A third simultaneous download from one address is refused (429, try again shortly). */
export const fewDownloadsPerAddress: RequestHandler = (req, res, next) => {
  const address = req.ip ?? '';
  const running = downloading.get(address) ?? 0;
  if (running >= DOWNLOADS_PER_ADDRESS)
    throw new AppError(429, 'too_many_downloads', 'msg.too_many_downloads', { max: DOWNLOADS_PER_ADDRESS });
  downloading.set(address, running + 1);
  res.once('close', () => {
    const left = (downloading.get(address) ?? 1) - 1;
    if (left > 0) downloading.set(address, left);
    else downloading.delete(address);
  });
  next();
};

function parseFilters(query: unknown) {
  const parsed = filterSchema.safeParse(query);
  if (!parsed.success) throw new AppError(400, 'bad_filter', 'msg.filter_not_valid_choose_form_exports');
  return parsed.data;
}

export function exportRoutes(exportsService: ExportService): Router {
  const router = Router();
  const exporters = allow('data.export');
  const importers = allow('data.import');

  router.get('/exports', exporters, async (req, res) => {
    const filters = parseFilters(req.query);
    const choices = await exportsService.filterChoices();
    const query = new URLSearchParams(
      Object.entries(filters).flatMap(([name, value]: [string, string | undefined]): Array<[string, string]> =>
        value === undefined ? [] : [[name, value]],
      ),
    ).toString();
    res.render('exports/index', {
      title: req.t('msg.exports'),
      filters,
      cycles: choices.cycles.map((cycle) => ({ ...cycle, selected: cycle.slug === filters.cycle })),
      countries: choices.countries.map((country) => ({ ...country, selected: country.code === filters.country })),
      targets: TARGET_CODES.map((code) => ({ code, selected: code === filters.target })),
      states: REPORT_STATES.map((state) => ({ state, selected: state === filters.state })),
      files: DATASETS.filter((dataset) => dataset.staff).map((dataset) => {
        // The spreadsheet has typed cells: the CSV options (byte order mark, separator) do not apply to it.
        const { bom: _bom, sep: _sep, ...rowFilters } = filters;
        const xlsxQuery = new URLSearchParams(
          Object.entries(rowFilters).flatMap(([name, value]: [string, string | undefined]): Array<[string, string]> =>
            value === undefined ? [] : [[name, value]],
          ),
        ).toString();
        return {
          ...dataset,
          href: `/exports/${dataset.name}.csv${query ? `?${query}` : ''}`,
          xlsxHref: `/exports/${dataset.name}.xlsx${xlsxQuery ? `?${xlsxQuery}` : ''}`,
        };
      }),
    });
  });

  const renderImport = async (req: Request, res: Response, status: number, redisplay?: Redisplay) => {
    const cycles = (await exportsService.filterChoices()).cycles;
    const checked = redisplay?.result as { result: Awaited<ReturnType<ExportService['importActions']>>; csv64: string } | undefined;
    res.status(status).render('exports/import', {
      title: req.t('msg.import_actions'),
      cycles: cycles.map((cycle) => ({ ...cycle, selected: cycle.slug === redisplay?.values.cycle })),
      errors: redisplay?.errors ?? [],
      ...(checked && {
        result: checked.result,
        problems: checked.result.problems,
        ready: checked.result.problems.length === 0,
        csv64: checked.csv64,
        cycle: redisplay?.values.cycle,
      }),
    });
  };

  router.get('/exports/import', importers, (req, res) => renderImport(req, res, 200));

  /**
   * A file is checked first (a dry run that shows what would be imported, or every
   * problem by line); the confirmation sends the checked file back and imports it.
   */
  router.post(
    IMPORT_PATH,
    importers,
    ...importBody,
    handleForm({
      form: () => 'import',
      schema: importSchema,
      run: async (req, input) => {
        // At most MAX_UPLOAD_BYTES (upload.ts): read whole, for the check page to send it back.
        const file = req.file ? await readFile(req.file.path) : Buffer.from(input.csv64 ?? '', 'base64');
        if (!file.toString('latin1').trim()) throw new FieldError(422, 'no_file', 'file', 'msg.choose_csv_file_actions_csv_format');
        const result = await exportsService.importActions(
          signedIn(req),
          input.cycle,
          Readable.from([file]),
          { apply: input.confirm === '1' },
          { ipAddress: req.ip ?? null },
        );
        return { result, csv64: file.toString('base64') };
      },
      redisplay: renderImport,
      done: (req, checked) =>
        checked.result.applied
          ? {
              url: `/review?cycle=${String(formFields(req).cycle)}`,
              flash: {
                kind: 'success',
                text: 'msg.imported_total_actions_into_reports_draft',
                params: { total: checked.result.total, reports: checked.result.countries.length },
              },
            }
          : { status: checked.result.problems.length ? 422 : 200, result: checked },
    }),
  );

  router.get('/exports/:file', exporters, fewDownloadsPerAddress, async (req, res) => {
    const [, name, format] = /^([a-z]+)\.(csv|xlsx)$/.exec(String(req.params.file)) ?? [];
    if (!name || !(format === 'csv' || format === 'xlsx')) throw notFound('export');
    const filters = parseFilters(req.query);
    res.set('Cache-Control', 'no-store');
    fileHeaders(res, name, format);
    await exportsService.download(signedIn(req), name, format, filters, res, { ipAddress: req.ip ?? null });
  });

  // Open data: public, accepted reports only, cacheable and conditional.

  router.get('/open-data', (req, res) => {
    cacheForPublic(req, res, 300);
    varyByLanguage(res);
    res.render('exports/open-data', { title: req.t('openData.title'), datasets: DATASETS.filter((dataset) => dataset.public) });
  });

  router.get('/open-data/dictionary', (req, res) => {
    cacheForPublic(req, res, 3600);
    varyByLanguage(res);
    res.render('exports/dictionary', { title: req.t('openData.dictionaryTitle'), datasets: DATASETS });
  });

  /**
   * Tags and dates the response by the data version. The client's copy current: answers 304
   * and returns undefined; else returns the version's stamp, which kept files are named by.
   */
  async function taggedUnlessCurrent(req: Request, res: Response): Promise<string | undefined> {
    const version = await exportsService.publicDataVersion();
    res.set('ETag', version.etag);
    res.set('Last-Modified', version.lastModified.toUTCString());
    cacheForPublic(req, res, 300);
    if (req.fresh) {
      res.status(304).end();
      return undefined;
    }
    return version.stamp;
  }

  router.get('/open-data/datapackage.json', async (req, res) => {
    if ((await taggedUnlessCurrent(req, res)) === undefined) return;
    res.json({
      profile: 'tabular-data-package',
      name: 'global-alliance-commitments',
      title: 'Global Alliance against Child Sexual Abuse Online: accepted commitments and progress reports',
      description: 'Self-reported data: each country’s own account of its actions, as accepted by the secretariat.',
      licenses: [{ name: 'CC-BY-4.0', path: 'https://creativecommons.org/licenses/by/4.0/', title: 'Creative Commons Attribution 4.0' }],
      resources: DATASETS.filter((dataset) => dataset.public).map((dataset) => ({
        name: dataset.name,
        path: `${dataset.name}.csv`,
        title: dataset.title,
        description: dataset.description,
        profile: 'tabular-data-resource',
        format: 'csv',
        mediatype: 'text/csv',
        encoding: 'utf-8',
        dialect: { delimiter: ',', lineTerminator: '\r\n', quoteChar: '"', doubleQuote: true, header: true },
        schema: { fields: dataset.columns.map((column) => ({ name: column.name, type: column.type, description: column.description })) },
      })),
    });
  });

  router.get('/open-data/:file', fewDownloadsPerAddress, async (req, res) => {
    const [, name, format] = /^([a-z]+)\.([a-z]+)$/.exec(String(req.params.file)) ?? [];
    if (!name || !isOpenDataFormat(format) || !DATASETS.some((dataset) => dataset.public && dataset.name === name))
      throw notFound('dataset');
    const stamp = await taggedUnlessCurrent(req, res);
    if (stamp === undefined) return;
    fileHeaders(res, name, format);
    // A HEAD asks for the headers alone: the file is not read (it would be, and thrown away,
    // for anybody who asked: up to half a second of the database's work for a request of a line).
    // Its length is told where the file is kept.
    if (req.method === 'HEAD') {
      const size = await exportsService.openDataSize(name, format, stamp);
      if (size !== undefined) res.set('Content-Length', String(size));
      res.end();
      return;
    }
    await exportsService.openData(name, format, res, stamp);
  });

  return router;
}
