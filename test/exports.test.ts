import { EventEmitter } from 'node:events';
import http from 'node:http';
import { PassThrough, Writable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import * as cheerio from 'cheerio';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import pino from 'pino';

/** A downloaded body as exceljs' (older) typings of Buffer want it. */
type ExcelBuffer = Parameters<ExcelJS.Xlsx['load']>[0];
import type { Express, Request, Response } from 'express';
import request from 'supertest';
import { ACTION_COLUMNS } from '../src/exports/datasets';
import { fewDownloadsPerAddress } from '../src/exports/routes';
import { drained } from '../src/exports/drained';
import { createStreamPool, streamCsv, streamXlsx } from '../src/exports/stream';
import { buildTestApp } from './helpers/app';
import { asBytes } from './helpers/bytes';
import { serve } from './helpers/browser';
import { waitFor } from './helpers/wait';
import { useTestDatabase } from './helpers/database';
import {
  makeAction,
  makeManyActions,
  makeCountry,
  makeCycle,
  makeIndicatorValue,
  makeReport,
  makeUpdate,
  makeUser,
  unique,
} from './helpers/factories';
import { csrfTokenIn, signIn, type Agent } from './helpers/session';

const TRICKY = 'Quote "here", comma, newline\nsecond line; Türkiye, Côte d’Ivoire, 日本';
// The last two start with an apostrophe a member typed: the export guards it too, so the import keeps it.
const INJECTIONS = [
  '=HYPERLINK("http://evil.example")',
  '+1+1',
  '-2+3',
  '@SUM(A1)',
  '\tTabbed',
  '\rCarriage',
  '\nNewline',
  "'=SUM(A1)",
  "'quoted",
];

/** The import's forms carry their CSRF token in the address, so it is checked before the file is read. */
const importUrl = (token: string) => `/exports/import?_csrf=${encodeURIComponent(token)}`;

/**
 * The entries of a zip whose content does not match the CRC-32 its central directory gives
 * (readers such as exceljs do not check it; Excel does). Only what the exports write: no
 * zip64, entries stored or deflated.
 */
function entriesWithWrongCrc(zip: Buffer): string[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const wrong: string[] = [];
  let at = zip.readUInt32LE(end + 16);
  for (let entry = 0; entry < zip.readUInt16LE(end + 10); entry += 1) {
    const [method, crc, size] = [zip.readUInt16LE(at + 10), zip.readUInt32LE(at + 16), zip.readUInt32LE(at + 20)];
    const [nameLength, extraLength, commentLength] = [zip.readUInt16LE(at + 28), zip.readUInt16LE(at + 30), zip.readUInt16LE(at + 32)];
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const stored = zip.subarray(start, start + size);
    if (crc32(method === 8 ? inflateRawSync(stored) : stored) !== crc) wrong.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return wrong;
}

const rows = (text: string) => parse<Record<string, string>>(text, { columns: true, bom: true });
const download = (agent: Agent, url: string) => asBytes(agent.get(url));

describe('exports and open data', () => {
  const database = useTestDatabase();
  let app: Express;
  let staff: Agent;
  beforeAll(async () => {
    app = buildTestApp(database);
    staff = await signIn(app, (await makeUser(database.db, { role: 'secretariat' })).email);
  });

  /** A country with an accepted report holding tricky text, and a draft report in another cycle. */
  async function countryWithReports() {
    const country = await makeCountry(database.db, { name: unique(`Côte “Test”, Ünïcode`) });
    const accepted = await makeCycle(database.db, { opens_on: '2031-01-01', due_on: '2031-06-30', closes_on: '2031-12-31' });
    const draftCycle = await makeCycle(database.db, {
      kind: 'progress',
      opens_on: '2032-01-01',
      due_on: '2032-06-30',
      closes_on: '2032-12-31',
    });
    const report = await makeReport(database.db, country.code, accepted.id, 'accepted');
    const action = await makeAction(database.db, report, {
      title: `${unique('Action')} ${TRICKY}`,
      description: TRICKY,
      responsible_body: TRICKY,
      target_code: 'PT2',
      goal_code: '2.2',
    });
    const injected = [];
    for (const text of INJECTIONS)
      injected.push(await makeAction(database.db, report, { title: text, description: text, responsible_body: text }));
    const draft = await makeReport(database.db, country.code, draftCycle.id, 'draft');
    await makeUpdate(database.db, draft, action.id, { status: 'delayed', narrative: `Draft only ${TRICKY}` });
    await makeIndicatorValue(database.db, report.id, 'victims_identified', 1234.5);
    return { country, accepted, draftCycle, report, action, injected, draft };
  }

  it('actions.csv round-trips: parsed back, it equals the database rows, quotes, commas, newlines and non-ASCII included', async () => {
    const { country, action } = await countryWithReports();

    const response = await download(staff, `/exports/actions.csv?country=${country.code}`);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="actions.csv"');
    const text = (response.body as Buffer).toString('utf8');
    expect(text.startsWith('action_id,country_code,country_name,')).toBe(true);
    // RFC 4180: every record ends with CRLF; the line break inside a quoted field stays LF.
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/"[^"]*"/g, '').match(/(?<!\r)\n/g)).toBeNull();
    const parsed = rows(text);
    const dbRow = await database.db('actions').where({ id: action.id }).first();
    const csvRow = parsed.find((row) => row.action_id === String(action.id))!;
    expect(csvRow).toMatchObject({
      country_code: country.code,
      country_name: country.name,
      target_code: 'PT2',
      goal_code: '2.2',
      title: dbRow.title,
      description: dbRow.description,
      responsible_body: dbRow.responsible_body,
      due_on: dbRow.due_on,
      report_state: 'accepted',
      latest_status: 'delayed',
    });
    expect(parsed).toHaveLength(1 + INJECTIONS.length);
  });

  it('updates.csv and indicators.csv round-trip their text fields too', async () => {
    const { country, action } = await countryWithReports();
    const updates = rows((await download(staff, `/exports/updates.csv?country=${country.code}`)).body.toString('utf8'));
    const stored = await database.db('action_updates').where({ action_id: action.id }).first();
    expect(updates[0]).toMatchObject({
      action_id: String(action.id),
      narrative: stored.narrative,
      action_title: action.title,
      country_name: country.name,
      status: 'delayed',
    });
    await database
      .db('indicator_values')
      .whereIn('report_id', database.db('reports').select('id').where({ country_code: country.code }))
      .update({ note: TRICKY });
    const indicators = rows((await download(staff, `/exports/indicators.csv?country=${country.code}`)).body.toString('utf8'));
    expect(indicators[0]).toMatchObject({ note: TRICKY, country_name: country.name });
  });

  it('neutralises spreadsheet formulas: = + - @ tab CR LF get a leading apostrophe; numbers stay numbers', async () => {
    const { country, injected } = await countryWithReports();
    const parsed = rows((await download(staff, `/exports/actions.csv?country=${country.code}`)).body.toString('utf8'));
    for (const action of injected) {
      const row = parsed.find((candidate) => candidate.action_id === String(action.id))!;
      for (const column of ['title', 'description', 'responsible_body']) expect(row[column]).toBe(`'${action.title}`);
    }
    const indicators = rows((await download(staff, `/exports/indicators.csv?country=${country.code}`)).body.toString('utf8'));
    expect(indicators[0]).toMatchObject({ indicator_code: 'victims_identified', value: '1234.50' });
  });

  it('offers every export as .xlsx with typed cells and a frozen header row; formula-like text stays text', async () => {
    const { country, action, injected } = await countryWithReports();
    const response = await download(staff, `/exports/actions.xlsx?country=${country.code}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(response.headers['content-disposition']).toBe('attachment; filename="actions.xlsx"');
    expect(entriesWithWrongCrc(response.body as Buffer)).toEqual([]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.body as ExcelBuffer);
    const sheet = workbook.getWorksheet('actions')!;
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(ACTION_COLUMNS.map((column) => column.name));
    const cellOf = (row: number, name: string) => sheet.getRow(row).getCell(header.indexOf(name) + 1).value;
    const rowOf = (id: number) =>
      [...Array(sheet.rowCount).keys()].map((index) => index + 1).find((row) => cellOf(row, 'action_id') === id)!;
    const mine = rowOf(action.id);
    expect(cellOf(mine, 'due_on')).toEqual(new Date('2031-12-31T00:00:00Z'));
    expect(cellOf(mine, 'title')).toBe(action.title);
    expect(typeof cellOf(mine, 'action_id')).toBe('number');
    for (const formula of injected) expect(cellOf(rowOf(formula.id), 'title')).toBe(formula.title);

    const indicators = new ExcelJS.Workbook();
    await indicators.xlsx.load((await download(staff, `/exports/indicators.xlsx?country=${country.code}`)).body as ExcelBuffer);
    const values = indicators.getWorksheet('indicators')!;
    const valueColumn = (values.getRow(1).values as unknown[]).indexOf('value');
    expect(values.getRow(2).getCell(valueColumn).value).toBe(1234.5);
    expect(
      await database
        .db('audit_events')
        .where({ verb: 'export.downloaded', entity_id: 'indicators.xlsx' })
        .whereRaw("details -> 'filters' ->> 'country' = ?", [country.code]),
    ).toHaveLength(1);
    expect((await download(request.agent(app), '/open-data/actions.xlsx')).headers['content-type']).toMatch(/spreadsheetml/);
  });

  it('separates CSV fields with semicolons on request, for French and German Excel', async () => {
    const { country, action } = await countryWithReports();
    const csv: string = (await download(staff, `/exports/actions.csv?country=${country.code}&sep=semicolon`)).body.toString('utf8');
    expect(csv.split('\r\n')[0]).toBe(ACTION_COLUMNS.map((column) => column.name).join(';'));
    const parsed = parse<Record<string, string>>(csv, { columns: true, delimiter: ';' });
    expect(parsed.find((row) => row.action_id === String(action.id))?.title).toBe(action.title);
    expect((await staff.get('/exports/actions.csv?sep=tab')).status).toBe(400);
  });

  it('filters by cycle, country, target and report state, and adds a byte order mark on request', async () => {
    const { country, accepted, draftCycle } = await countryWithReports();
    const updates = rows((await download(staff, `/exports/updates.csv?country=${country.code}`)).body.toString('utf8'));
    expect(updates.map((row) => [row.cycle, row.report_state])).toEqual([[draftCycle.slug, 'draft']]);
    expect(rows((await download(staff, `/exports/updates.csv?country=${country.code}&state=accepted`)).body.toString('utf8'))).toHaveLength(
      0,
    );
    expect(rows((await download(staff, `/exports/actions.csv?country=${country.code}&target=PT2`)).body.toString('utf8'))).toHaveLength(1);
    expect(
      rows((await download(staff, `/exports/actions.csv?cycle=${draftCycle.slug}&country=${country.code}`)).body.toString('utf8')),
    ).toHaveLength(0);

    const submissions = rows((await download(staff, `/exports/submissions.csv?cycle=${accepted.slug}`)).body.toString('utf8'));
    expect(submissions.find((row) => row.country_code === country.code)).toMatchObject({ state: 'accepted', on_time: 'true' });
    expect(submissions.find((row) => row.country_code === 'FR')).toMatchObject({ state: 'not_started', on_time: '' });

    const withBom = (await download(staff, `/exports/members.csv`)).status;
    expect(withBom).toBe(404);
    const bom = (await download(staff, `/exports/actions.csv?country=${country.code}&bom=1`)).body as Buffer;
    expect([...bom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect((await staff.get('/exports/actions.csv?country=france')).status).toBe(400);
    expect((await staff.get('/exports/actions.csv?evil=1')).status).toBe(400);
  });

  it('writes an audit event for every export, and is for the secretariat only', async () => {
    const country = await makeCountry(database.db);
    await download(staff, `/exports/updates.csv?country=${country.code}&target=PT1`);
    const event = await database.db('audit_events').where({ verb: 'export.downloaded', country_code: country.code }).first();
    expect(event).toMatchObject({ entity_id: 'updates.csv' });
    expect(event.details).toMatchObject({ file: 'updates.csv', filters: { country: country.code, target: 'PT1' } });

    const delegate = await signIn(app, (await makeUser(database.db, { role: 'delegate', country_code: country.code })).email);
    for (const url of ['/exports', '/exports/actions.csv', '/exports/import']) {
      expect((await delegate.get(url)).status).toBe(403);
      expect((await request(app).get(url)).status).toBe(303);
    }
  });

  it('open data holds accepted reports only, as CSV and JSON, with a datapackage describing every field', async () => {
    const { country, action, injected } = await countryWithReports();

    const actionsCsv = rows((await request(app).get('/open-data/actions.csv')).text).filter((row) => row.country_code === country.code);
    expect(actionsCsv).toHaveLength(1 + injected.length);
    expect(actionsCsv.find((row) => row.action_id === String(action.id))).toMatchObject({ latest_status: '', report_state: 'accepted' });
    const updatesCsv = (await request(app).get('/open-data/updates.csv')).text;
    expect(updatesCsv).not.toContain('Draft only');
    const actionsJson = (await request(app).get('/open-data/actions.json')).body as Array<Record<string, unknown>>;
    const jsonRow = actionsJson.find((row) => row.action_id === action.id)!;
    expect(jsonRow).toMatchObject({ title: action.title, latest_status: null });
    expect(actionsJson.find((row) => row.action_id === injected[0]!.id)!.title).toBe(INJECTIONS[0]);
    const members = (await request(app).get('/open-data/members.json')).body as Array<Record<string, unknown>>;
    expect(members.find((row) => row.country_code === 'XK')).toMatchObject({ country_name: 'Kosovo', eu_member: false, joined_on: null });

    const datapackage = (await request(app).get('/open-data/datapackage.json')).body;
    expect(datapackage.resources.map((resource: { name: string }) => resource.name)).toEqual([
      'actions',
      'updates',
      'indicators',
      'members',
    ]);
    expect(datapackage.resources[0].schema.fields.map((field: { name: string }) => field.name)).toEqual(Object.keys(actionsCsv[0]!));
    const page = cheerio.load((await request(app).get('/open-data')).text);
    expect(page('a[href="/open-data/dictionary"]')).toHaveLength(1);
    expect(
      cheerio
        .load((await request(app).get('/open-data/dictionary')).text)('#dataset-submissions')
        .text(),
    ).toContain('submissions');
  });

  it('open data as JSON: every row as JSON.stringify writes it, text of every kind and decimal numbers included', async () => {
    const country = await makeCountry(database.db);
    const report = await makeReport(database.db, country.code, (await makeCycle(database.db)).id, 'accepted');
    const title = 'Quote " backslash \\ tab \t control \u0001 emoji 😀 line\nbreak\r end \u2028 ’';
    const action = await makeAction(database.db, report, { title });
    await makeIndicatorValue(database.db, report.id, 'victims_identified', 746.5);
    /** The file as the app wrote it with JSON.stringify, a row a line. */
    const asWritten = (rows: unknown[]) =>
      `[${rows.map((row, index) => `${index === 0 ? '' : ','}\n${JSON.stringify(row)}`).join('')}\n]\n`;

    const actionsText = (await request(app).get('/open-data/actions.json')).text;
    const actions = JSON.parse(actionsText) as Array<Record<string, unknown>>;
    expect(actionsText).toBe(asWritten(actions));
    expect(actions.find((row) => row.action_id === action.id)).toMatchObject({ title, country_code: country.code, due_on: '2031-12-31' });
    const indicatorsText = (await request(app).get('/open-data/indicators.json')).text;
    const indicators = JSON.parse(indicatorsText) as Array<Record<string, unknown>>;
    expect(indicatorsText).toBe(asWritten(indicators));
    // numeric(14,2) and numeric(7,4) in the database: 746.5 and 0.1, not "746.50" or 0.1000.
    expect(indicators.find((row) => row.country_code === country.code)).toMatchObject({ value: 746.5, goal_annual_change: 0.1 });
  });

  it('open data answers 304 to a conditional request until an acceptance changes the data', async () => {
    const first = await request(app).get('/open-data/actions.csv');
    const etag = first.headers.etag!;
    const lastModified = first.headers['last-modified']!;
    expect(etag).toBeDefined();
    expect(lastModified).toBeDefined();
    expect((await request(app).get('/open-data/actions.csv').set('If-None-Match', etag)).status).toBe(304);
    expect((await request(app).get('/open-data/datapackage.json').set('If-Modified-Since', lastModified)).status).toBe(304);

    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db);
    await makeReport(database.db, country.code, cycle.id, 'submitted');
    await database
      .db('reports')
      .where({ country_code: country.code })
      .update({ state: 'accepted', reviewed_at: new Date(Date.now() + 2000) });

    const after = await request(app).get('/open-data/actions.csv').set('If-None-Match', etag);
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
  });

  it('open data is tagged and dated anew when an accepted report is corrected, so a client holding the old file gets the new one', async () => {
    const country = await makeCountry(database.db);
    const report = await makeReport(database.db, country.code, (await makeCycle(database.db)).id, 'accepted');
    const action = await makeAction(database.db, report);
    // As if the data last changed a minute ago: Last-Modified counts whole seconds.
    await database.db('public_data_version').update({ changed_at: database.db.raw("now() - interval '1 minute'") });
    const first = await request(app).get('/open-data/actions.csv');
    expect(first.text).toContain(action.title);

    await database.db('actions').where({ id: action.id }).update({ title: 'Title, corrected' });

    const byTag = await request(app).get('/open-data/actions.csv').set('If-None-Match', first.headers.etag!);
    expect(byTag.status).toBe(200);
    expect(byTag.text).toContain('Title, corrected');
    const byDate = await request(app).get('/open-data/actions.csv').set('If-Modified-Since', first.headers['last-modified']!);
    expect(byDate.status).toBe(200);
    expect(new Date(byDate.headers['last-modified']!).getTime()).toBeGreaterThan(new Date(first.headers['last-modified']!).getTime());
    expect((await request(app).get('/open-data/actions.csv').set('If-None-Match', byTag.headers.etag!)).status).toBe(304);
  });

  it('open data answers 404 to a name that is not one of its files: no other dataset, format or path is reached', async () => {
    for (const file of [
      'ACTIONS.CSV',
      'actions.CSV',
      'actions.pdf',
      'actions.csv%00.json',
      'submissions.csv',
      '..%2F..%2Fetc%2Fpasswd',
      'actions',
    ]) {
      const answer = await request(app).get(`/open-data/${file}`);
      expect([file, answer.status]).toEqual([file, 404]);
    }
    expect((await request(app).get('/open-data/actions.json')).status).toBe(200);
  });

  it('open data answers a HEAD with the file’s headers alone, without reading the file', async () => {
    const exportConnections = async () =>
      Number(
        (await database.db.raw("select count(*)::int as count from pg_stat_activity where application_name = 'alliance-tracker-exports'"))
          .rows[0].count,
      );
    // An app of its own, whose export connections open only when a file is read.
    const fresh = buildTestApp(database);
    const before = await exportConnections();
    for (const format of ['csv', 'json', 'xlsx']) {
      const head = await request(fresh).head(`/open-data/actions.${format}`);
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toMatch(format === 'csv' ? /text\/csv/ : format === 'json' ? /json/ : /spreadsheetml/);
      expect(head.headers.etag).toBeDefined();
      expect(head.text).toBeFalsy();
    }
    expect(await exportConnections()).toBeLessThanOrEqual(before);
    // A GET of the same file reads it.
    expect((await request(fresh).get('/open-data/actions.csv')).text).toContain('action_id');
    expect(await exportConnections()).toBeGreaterThan(0);
  });

  describe('import', () => {
    async function importFile(cycle: string, csv: string, confirm = false) {
      const page = await staff.get('/exports/import');
      const token = csrfTokenIn(page.text);
      if (confirm) return staff.post(importUrl(token)).type('form').send({ cycle, csv64: csv, confirm: '1' });
      return staff
        .post(importUrl(token))
        .field('cycle', cycle)
        .attach('file', Buffer.from(csv), { filename: 'actions.csv', contentType: 'text/csv' });
    }

    it('reads a semicolon-separated file with day-first dates, as French and German Excel save it, and says so', async () => {
      const country = await makeCountry(database.db);
      const cycle = await makeCycle(database.db, { state: 'open', opens_on: '2041-01-01', due_on: '2041-06-30', closes_on: '2041-12-31' });
      const row: Record<string, string> = {
        country_code: country.code,
        target_code: 'PT3',
        title: 'Campagne « Non », avec virgule, et ; point-virgule',
        due_on: '31/12/2042',
      };
      const line = ACTION_COLUMNS.map((column) => {
        const value = row[column.name] ?? '';
        return /[;"\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
      });
      const csv = `${ACTION_COLUMNS.map((column) => column.name).join(';')}\r\n${line.join(';')}\r\n`;
      const checked = await importFile(cycle.slug, csv);
      expect(checked.status).toBe(200);
      const page = cheerio.load(checked.text);
      expect(page('#import-reading').text()).toContain('Read as a semicolon-separated file');
      expect(page('#import-reading').text()).toContain('were read as day/month/year');
      expect((await importFile(cycle.slug, Buffer.from(csv).toString('base64'), true)).status).toBe(303);
      expect(await database.db('actions').where({ country_code: country.code }).first()).toMatchObject({
        title: row.title,
        due_on: '2042-12-31',
      });

      const tabbed = await importFile(cycle.slug, csv.replace(/;/g, '\t'));
      expect(tabbed.status).toBe(422);
      expect(cheerio.load(tabbed.text)('tbody').text()).toContain('not separated by commas or semicolons');
      const impossible = await importFile(cycle.slug, csv.replace('31/12/2042', '31/02/2042'));
      expect(cheerio.load(impossible.text)('tbody').text()).toContain('31/02/2042');
    });

    it('re-importing an export of a country’s actions into an empty cycle reproduces them', async () => {
      const { country, action, injected } = await countryWithReports();
      const exported = (await download(staff, `/exports/actions.csv?country=${country.code}`)).body.toString('utf8');
      const target = await makeCycle(database.db, { state: 'open', opens_on: '2040-01-01', due_on: '2040-06-30', closes_on: '2040-12-31' });

      const check = await importFile(target.slug, exported);
      expect(check.status).toBe(200);
      expect(cheerio.load(check.text)('main button[type=submit]').first().text()).toContain(`Import ${1 + injected.length} actions`);
      expect(await database.db('reports').where({ country_code: country.code, cycle_id: target.id })).toHaveLength(0);

      const applied = await importFile(target.slug, String(cheerio.load(check.text)('#import-csv64').val()), true);
      expect(applied.status).toBe(303);

      const report = await database.db('reports').where({ country_code: country.code, cycle_id: target.id }).first();
      expect(report.state).toBe('draft');
      const copy = await database
        .db('actions')
        .where({ pledged_in_report_id: report.id })
        .orderBy('id')
        .select('title', 'description', 'responsible_body', 'target_code', 'goal_code', 'due_on');
      const original = await database
        .db('actions')
        .whereIn('id', [action.id, ...injected.map((row) => row.id)])
        .orderBy('id')
        .select('title', 'description', 'responsible_body', 'target_code', 'goal_code', 'due_on');
      expect(copy).toEqual(original);
      expect(await database.db('audit_events').where({ verb: 'report.actions_imported', country_code: country.code })).toHaveLength(1);
    });

    it('a dry run lists every problem with its line number, and a file with any problem changes nothing', async () => {
      const country = await makeCountry(database.db);
      const cycle = await makeCycle(database.db, { state: 'open' });
      const header =
        'action_id,country_code,country_name,target_code,goal_code,title,description,responsible_body,due_on,pledged_in_cycle,report_state,latest_status,latest_percent_complete,latest_update_cycle,withdrawn_in_cycle,withdrawal_reason';
      const csv = [
        header,
        `,${country.code},,PT1,1.1,Good action,"Two\nlines",Police,2031-01-31,,,,,,,`,
        `,QQ,,PT1,,Unknown country,,,,,,,,,,`,
        `,${country.code},,PT7,,Unknown target,,,,,,,,,,`,
        `,${country.code},,PT2,,,,,,,,,,,,`,
        `,${country.code},,PT3,,Bad date,,,2031-02-30,,,,,,,`,
        `,${country.code},,PT3,1.1,Wrong goal,,,,,,,,,,`,
      ].join('\r\n');

      const response = await importFile(cycle.slug, csv);

      expect(response.status).toBe(422);
      const $ = cheerio.load(response.text);
      const problems = $('tbody tr')
        .map((_, row) => `${$(row).find('th').text()}: ${$(row).find('td').text()}`)
        .get();
      expect(problems).toEqual([
        '4: Unknown country “QQ”.',
        '5: Unknown policy target “PT7”: use PT1 to PT4.',
        '6: The title is missing.',
        '7: “2031-02-30” is not a date: use YYYY-MM-DD.',
        '8: Operational goal “1.1” is not a goal of PT3.',
      ]);
      // Applying the same file anyway is refused as a whole.
      expect((await importFile(cycle.slug, Buffer.from(csv).toString('base64'), true)).status).toBe(422);
      expect(await database.db('reports').where({ country_code: country.code })).toHaveLength(0);
      expect((await importFile(cycle.slug, 'title,country\r\nx,FR')).text).toContain('The header must be exactly');
    });
  });

  describe('import and the cycle lock', () => {
    const header =
      'action_id,country_code,country_name,target_code,goal_code,title,description,responsible_body,due_on,pledged_in_cycle,report_state,latest_status,latest_percent_complete,latest_update_cycle,withdrawn_in_cycle,withdrawal_reason';

    it.each([
      ['closed', 'This reporting cycle closed on 31 December 2030: reports can no longer be changed.'],
      ['planned', 'This reporting cycle has not opened yet. It is planned to open on 1 January 2030.'],
    ] as const)(
      'an import into a %s cycle is refused on the check page and when confirmed, and changes nothing',
      async (state, message) => {
        const country = await makeCountry(database.db);
        const cycle = await makeCycle(database.db, { state });
        const draft = await makeReport(database.db, country.code, cycle.id, 'draft');
        const other = await makeCountry(database.db);
        const csv = [
          header,
          `,${country.code},,PT1,,${unique('Into a draft')},,,,,,,,,,`,
          `,${other.code},,PT2,,${unique('Into a new report')},,,,,,,,,,`,
        ].join('\r\n');
        const page = await staff.get('/exports/import');
        const token = csrfTokenIn(page.text);

        const check = await staff
          .post(importUrl(token))
          .field('cycle', cycle.slug)
          .attach('file', Buffer.from(csv), { filename: 'actions.csv', contentType: 'text/csv' });
        expect(check.status).toBe(422);
        expect(cheerio.load(check.text)('tbody tr').first().text()).toContain(message);
        const confirmed = await staff
          .post(importUrl(token))
          .type('form')
          .send({ cycle: cycle.slug, csv64: Buffer.from(csv).toString('base64'), confirm: '1' });

        expect(confirmed.status).toBe(422);
        expect(await database.db('actions').where({ pledged_in_report_id: draft.id })).toHaveLength(0);
        expect(await database.db('reports').where({ country_code: other.code })).toHaveLength(0);
        expect(
          await database.db('audit_events').where({ verb: 'report.actions_imported' }).whereIn('country_code', [country.code, other.code]),
        ).toHaveLength(0);
      },
    );

    it('an import names a country whose report is submitted, and imports nothing', async () => {
      const country = await makeCountry(database.db);
      const cycle = await makeCycle(database.db, { state: 'open' });
      await makeReport(database.db, country.code, cycle.id, 'submitted');
      const csv = [header, `,${country.code},,PT1,,${unique('Late pledge')},,,,,,,,,,`].join('\r\n');
      const page = await staff.get('/exports/import');
      const response = await staff
        .post(importUrl(csrfTokenIn(page.text)))
        .type('form')
        .send({ cycle: cycle.slug, csv64: Buffer.from(csv).toString('base64'), confirm: '1' });
      expect(response.status).toBe(422);
      expect(cheerio.load(response.text)('tbody').text()).toContain(
        `${country.code}'s report for ${cycle.title} is Submitted, waiting for review: actions can only be imported into a draft.`,
      );
      expect(await database.db('actions').where({ country_code: country.code })).toHaveLength(0);
    });
  });

  describe('import uploads', () => {
    const header = ACTION_COLUMNS.map((column) => column.name).join(',');
    /** A raw multipart upload announcing `declared` bytes but sending only the first 64 KiB: the answer must not wait for the rest. */
    async function answerBeforeBody(agentCookie: string | undefined, path: string, declared: number) {
      const server = await serve(app);
      try {
        const url = new URL(path, server.url);
        return await new Promise<{ status: number; location?: string }>((resolve, reject) => {
          const req = http.request(url, {
            method: 'POST',
            headers: {
              'Content-Type': 'multipart/form-data; boundary=x',
              'Content-Length': String(declared),
              ...(agentCookie ? { Cookie: agentCookie } : {}),
            },
          });
          req.on('response', (res) => {
            resolve({ status: res.statusCode ?? 0, location: res.headers.location });
            res.resume();
            req.destroy();
          });
          // The server may close the connection once it has answered: not a failure here.
          req.on('error', (error) => {
            if (!error.message.includes('socket hang up')) reject(error);
          });
          req.write(`--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n${'x'.repeat(64 * 1024)}`);
        });
      } finally {
        await server.close();
      }
    }

    it('refuses anonymous visitors, delegates and a wrong CSRF token before reading the body', async () => {
      const size = 4_900_000;
      // An anonymous visitor has no session, hence no valid token: refused by the CSRF check.
      expect((await answerBeforeBody(undefined, '/exports/import', size)).status).toBe(403);
      const delegate = await makeUser(database.db, { role: 'delegate', country_code: 'FR' });
      const delegateAgent = await signIn(app, delegate.email);
      const delegateCookie = (await delegateAgent.get('/reports')).request.cookies;
      expect((await answerBeforeBody(delegateCookie, '/exports/import', size)).status).toBe(403);
      const staffCookie = (await staff.get('/exports/import')).request.cookies;
      expect((await answerBeforeBody(staffCookie, '/exports/import?_csrf=forged', size)).status).toBe(403);
    });

    it('answers 413 to a file over 5 MB and 400 to a cut-off or odd upload, with a page that says so', async () => {
      const token = csrfTokenIn((await staff.get('/exports/import')).text);
      const cycle = await makeCycle(database.db, { state: 'open' });
      const tooBig = await staff
        .post(importUrl(token))
        .field('cycle', cycle.slug)
        .attach('file', Buffer.alloc(5_100_000, 'a'), { filename: 'big.csv', contentType: 'text/csv' });
      expect(tooBig.status).toBe(413);
      expect(cheerio.load(tooBig.text)('main').text()).toContain('larger than 5 MB');
      const declared = await answerBeforeBody((await staff.get('/exports/import')).request.cookies, importUrl(token), 50_000_000);
      expect(declared.status).toBe(413);
      const twoFiles = await staff
        .post(importUrl(token))
        .field('cycle', cycle.slug)
        .attach('file', Buffer.from(header), { filename: 'a.csv', contentType: 'text/csv' })
        .attach('file', Buffer.from(header), { filename: 'b.csv', contentType: 'text/csv' });
      expect(twoFiles.status).toBe(400);
      const cutOff = await staff
        .post(importUrl(token))
        .set('Content-Type', 'multipart/form-data; boundary=x')
        .send(
          `--x\r\nContent-Disposition: form-data; name="cycle"\r\n\r\n${cycle.slug}\r\n--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n${header}`,
        );
      expect(cutOff.status).toBe(400);
      expect(cheerio.load(cutOff.text)('main').text()).toContain('choose the file again');
    });

    it('checks a huge file of one-character lines quickly: stops at 10,000 rows, lists 100 problems and counts the rest', async () => {
      const cycle = await makeCycle(database.db, { state: 'open' });
      const csv = `${header}\n${'x\n'.repeat(1_600_000)}`;
      const token = csrfTokenIn((await staff.get('/exports/import')).text);
      const started = Date.now();
      const response = await staff
        .post(importUrl(token))
        .field('cycle', cycle.slug)
        .attach('file', Buffer.from(csv), { filename: 'a.csv', contentType: 'text/csv' });
      const elapsed = Date.now() - started;
      expect(response.status).toBe(422);
      const $ = cheerio.load(response.text);
      expect($('tbody tr')).toHaveLength(101);
      expect($('main').text()).toContain('more than 10000 actions');
      expect($('main').text()).toMatch(/and 9\d{3} more problems not listed/);
      process.stdout.write(`1.6 million one-character lines checked in ${elapsed} ms\n`);
    });

    it('refuses a file that is not UTF-8, saying how to save it', async () => {
      const cycle = await makeCycle(database.db, { state: 'open' });
      const country = await makeCountry(database.db);
      const latin1 = Buffer.from(`${header}\r\n,${country.code},,PT1,,Pr\xe9vention,,,,,,,,,,\r\n`, 'latin1');
      const token = csrfTokenIn((await staff.get('/exports/import')).text);
      const response = await staff
        .post(importUrl(token))
        .field('cycle', cycle.slug)
        .attach('file', latin1, { filename: 'a.csv', contentType: 'text/csv' });
      expect(response.status).toBe(422);
      expect(cheerio.load(response.text)('tbody').text()).toContain('not UTF-8 text');
      expect(await database.db('actions').where({ country_code: country.code })).toHaveLength(0);
    });
  });

  it('a client that stops reading is cut off: its query is cancelled and its connection freed', async () => {
    const pool = createStreamPool(database.url);
    // A response that takes a little and then never drains, like a client that reads nothing.
    const out = new Writable({ highWaterMark: 1024, write: () => undefined });
    const sql = "select g, repeat('x', 200) as filler from generate_series(1, 5000000) g";
    const streaming = streamCsv(pool, { sql, bindings: [] }, out, { bom: false, stalledAfterMs: 500 }).catch((error: unknown) => error);
    const running = async () =>
      (
        await database.db.raw(
          "select count(*)::int as count from pg_stat_activity where query like '%generate_series(1, 5000000)%' and pid <> pg_backend_pid()",
        )
      ).rows[0].count;

    expect(String(await streaming)).toMatch(/stopped reading|close|cancel/i);
    expect(out.destroyed).toBe(true);
    for (let attempt = 0; attempt < 20 && (await running()) > 0; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await running()).toBe(0);
    await pool.end();
  });

  it('one address may run two downloads at once; a third is told to wait, until one has finished', () => {
    const response = () => Object.assign(new EventEmitter(), {}) as unknown as Response;
    const requestFrom = (ip: string) => Object.assign(new EventEmitter(), { ip }) as unknown as Request;
    const next = jest.fn();
    const [first, second] = [response(), response()];
    fewDownloadsPerAddress(requestFrom('198.51.100.4'), first, next);
    fewDownloadsPerAddress(requestFrom('198.51.100.4'), second, next);
    expect(() => fewDownloadsPerAddress(requestFrom('198.51.100.4'), response(), next)).toThrow(expect.objectContaining({ status: 429 }));
    fewDownloadsPerAddress(requestFrom('203.0.113.8'), response(), next);
    first.emit('close');
    fewDownloadsPerAddress(requestFrom('198.51.100.4'), response(), next);
    expect(next).toHaveBeenCalledTimes(4);
  });

  it('a client that goes away mid-way through an xlsx download ends it: no rejection left unhandled, the query stopped', async () => {
    // Left unhandled, the rejection of a download whose client went away stopped the server
    // (Node exits on one); and a row waiting for the sheet to drain waited for ever, holding
    // one of the four export connections.
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    const pool = createStreamPool(database.url);
    const out = new PassThrough();
    out.resume();
    const sql = "select g, repeat('x', 200) as filler from generate_series(1, 5000000) g";
    const columns = [
      { name: 'g', type: 'number' },
      { name: 'filler', type: 'string' },
    ];
    const streaming = streamXlsx(pool, { sql, bindings: [] }, columns, out, { sheet: 'rows' }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 500));

    out.destroy();

    expect(String(await streaming)).toMatch(/went away|close|cancel/i);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
    const running = async () =>
      (
        await database.db.raw(
          "select count(*)::int as count from pg_stat_activity where query like '%generate_series(1, 5000000)%' and state = 'active' and pid <> pg_backend_pid()",
        )
      ).rows[0].count;
    for (let attempt = 0; attempt < 20 && (await running()) > 0; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await running()).toBe(0);
    expect(pool.idleCount + pool.waitingCount).toBe(pool.totalCount);
    await pool.end();
  });

  it('a download its reader leaves half read is logged as the client going away, not as a failure', async () => {
    // Rows enough that a file is still being written when its reader leaves after the first
    // bytes: about 4 MB of JSON (more than the sockets' buffers hold), and an xlsx written
    // through a cursor.
    const [country, cycle] = [await makeCountry(database.db), await makeCycle(database.db, { state: 'closed' })];
    const report = await makeReport(database.db, country.code, cycle.id);
    await makeManyActions(database.db, report, 20000);
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
          done();
        },
      }),
    );
    const server = await serve(buildTestApp(database, { logger }));
    try {
      for (const format of ['json', 'xlsx']) {
        await new Promise<void>((resolve, reject) => {
          const request = http.get(`${server.url}/open-data/actions.${format}`, (response) => {
            response.once('data', () => {
              request.destroy();
              resolve();
            });
          });
          request.on('error', reject);
        });
      }
      await waitFor(() => lines.filter((line) => line.msg === 'the client went away').length === 2, 5000);
      expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('waiting for a reader to take more ends at once when the reader has already gone', async () => {
    // A download whose reader left between two writes waited for a 'drain' or 'close' that had
    // both passed, holding its connection and cursor for ever.
    const out = new PassThrough();
    out.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    const waited = await Promise.race([
      drained(out).then(
        () => 'drained',
        (error: unknown) => (error as Error).message,
      ),
      new Promise((resolve) => {
        setTimeout(() => {
          resolve('still waiting');
        }, 1000);
      }),
    ]);
    expect(waited).toBe('the client went away');
  });

  it('a download whose database connection is lost ends with the error, and the process goes on', async () => {
    // PostgreSQL restarted, or the backend terminated, under a download: the client's 'error'
    // took the process down, and the download waited for ever.
    const pool = createStreamPool(database.url);
    const out = new PassThrough();
    // Written through a cursor (as xlsx is) to a reader that takes nothing: the connection is
    // held between two fetches when it is lost. The cursor never hears of it.
    const query = { sql: 'select n as lost, pg_sleep(0.0001) from generate_series(1, 100000) n', bindings: [] };
    const streaming = streamXlsx(pool, query, [{ name: 'lost', type: 'integer' }], out, { sheet: 'lost' }).then(
      () => 'finished',
      (error: unknown) => (error as Error).message,
    );
    const terminate = async () =>
      (
        await database.db.raw<{ rows: unknown[] }>(
          "select pg_terminate_backend(pid) from pg_stat_activity where query like '%n as lost, pg_sleep%' and state <> 'idle' and pid <> pg_backend_pid()",
        )
      ).rows.length;
    await waitFor(async () => (await terminate()) === 1, 5000);
    // The error as the driver saw it (the connection reset, or terminated), not a whole file.
    expect(await streaming).not.toBe('finished');
    // The pool goes on with a new connection.
    expect((await pool.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });

  it('a client that goes away mid-download stops the query on the server', async () => {
    const pool = createStreamPool(database.url);
    const out = new PassThrough();
    const streaming = streamCsv(pool, { sql: 'select pg_sleep(30), 1 as one', bindings: [] }, out, { bom: false }).catch(
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const running = async () =>
      (
        await database.db.raw(
          "select count(*)::int as count from pg_stat_activity where query like '%pg_sleep(30)%' and state = 'active' and pid <> pg_backend_pid()",
        )
      ).rows[0].count;
    expect(await running()).toBe(1);

    out.destroy();

    expect(String(await streaming)).toMatch(/close|cancel/i);
    for (let attempt = 0; attempt < 20 && (await running()) > 0; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await running()).toBe(0);
    await pool.end();
  });
});
