import { pipeline, Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parse } from 'csv-parse';
import type { ActionFields } from '../db/rows';
import { targetCode } from '../domain';
import { isRealDate } from '../web/forms';
import { ACTION_COLUMNS } from './datasets';

// Reads a file in exactly the actions.csv format and checks every row. Only the columns
// that describe a pledge are used; identifiers, states and statuses in the file are
// ignored, because an import creates new actions in a draft report.

type ImportedAction = ActionFields & { line: number; country_code: string };

/** What is wrong on a line: a message key and the values it names. */
export type ImportProblem = { line: number; message: string; params?: Record<string, string | number> };

/** The most actions one file may hold: more is refused (a commitments file has a few hundred). */
const MAX_IMPORT_ROWS = 10_000;
/** The most problems listed; the rest are counted. */
const MAX_LISTED_PROBLEMS = 100;

/** How the file was read: its separator, and whether dates were written day first (DD/MM/YYYY). */
export type ImportReading = { separator: ',' | ';'; dayFirstDates: boolean };

export type ImportCheck = { actions: ImportedAction[]; problems: ImportProblem[]; unlisted: number; reading: ImportReading };

export type ReferenceData = { countries: Set<string>; targets: Set<string>; goals: Map<string, string> };

const HEADER = ACTION_COLUMNS.map((column) => column.name);

/**
 * Undoes the export's formula guard: the one apostrophe it put before = + - @ tab CR LF
 * or before an apostrophe the member typed (csv_safe in the database).
 */
const unguard = (value: string) => (/^'[=+@\t\r\n'-]/.test(value) ? value.slice(1) : value);

/**
 * How much of the file is parsed before other requests get their turn: small, because a
 * file of one-character lines is thousands of malformed records per slice, each costly.
 */
const SLICE_BYTES = 2 * 1024;

/**
 * The file as UTF-8 text in slices, refusing anything else (a spreadsheet's Latin-1 "é"
 * would otherwise turn into U+FFFD), with a turn of the event loop between slices.
 */
async function* utf8Slices(source: Readable): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for await (const chunk of source) {
    const bytes = chunk as Buffer;
    for (let start = 0; start < bytes.length; start += SLICE_BYTES) {
      yield decoder.decode(bytes.subarray(start, start + SLICE_BYTES), { stream: true });
      await nextTurn();
    }
  }
  yield decoder.decode();
}

/**
 * The separator of a file from its header line: commas (the export) or semicolons (what
 * French and German Excel write). The header holds no quoted text, so counting is safe.
 */
function separatorOf(firstLine: string): ',' | ';' {
  const count = (character: string) => firstLine.split(character).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

/** The first line of the text (its header), and the whole text still to read. */
async function peekHeaderLine(slices: AsyncGenerator<string>): Promise<{ firstLine: string; text: AsyncGenerator<string> }> {
  let start = '';
  for (;;) {
    const next = await slices.next();
    if (next.done === true) break;
    start += next.value;
    if (/\r?\n/.test(start) || start.length >= 64 * 1024) break;
  }
  const end = start.search(/\r?\n/);
  async function* text() {
    yield start;
    yield* slices;
  }
  return { firstLine: end === -1 ? start : start.slice(0, end), text: text() };
}

/** "31/12/2014" or "31.12.2014" (day first, as Europe writes it) as 2014-12-31; null for anything else. */
function dayFirstDate(text: string): string | null {
  const [, day, month, year] = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/.exec(text) ?? [];
  if (!day || !month || !year) return null;
  const iso = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  return isRealDate(iso) ? iso : null;
}

/**
 * Reads a file in exactly the actions.csv format from a stream and checks every row, a
 * chunk at a time, yielding to the event loop between chunks so other requests go on.
 * It stops at the first MAX_IMPORT_ROWS actions, lists the first MAX_LISTED_PROBLEMS
 * problems and counts the rest.
 */
export async function readActionsCsv(source: Readable, reference: ReferenceData): Promise<ImportCheck> {
  const actions: ImportedAction[] = [];
  const problems: ImportProblem[] = [];
  let unlisted = 0;
  const problem = (entry: ImportProblem) => {
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push(entry);
    else unlisted += 1;
  };
  const reading: ImportReading = { separator: ',', dayFirstDates: false };
  let parser: Readable | undefined;
  let rows = 0;
  let header: string[] | undefined;
  try {
    // The separator is chosen from the header line before the parser reads a record.
    const { firstLine, text } = await peekHeaderLine(utf8Slices(source));
    // A header with neither commas nor semicolons: the separator is the problem (a tab, a pipe).
    if (firstLine.trim() && !/[,;]/.test(firstLine))
      return { actions: [], problems: [{ line: 1, message: 'msg.import.separator' }], unlisted: 0, reading };
    reading.separator = separatorOf(firstLine);
    // pipeline() destroys every stage when one fails or when reading stops early.
    parser = pipeline(
      Readable.from(text),
      parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, delimiter: reading.separator }),
      () => undefined,
    );
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!header) {
        header = record;
        if (record.join(',') !== HEADER.join(',')) {
          problem({ line: 1, message: 'msg.header_must_exactly_one_actions_csv', params: { header: HEADER.join(',') } });
          break;
        }
        continue;
      }
      rows += 1;
      if (rows > MAX_IMPORT_ROWS) {
        // Listed whatever the count: it is why the rest was not read.
        problems.push({ line: info.lines, message: 'msg.import.too_many_rows', params: { max: MAX_IMPORT_ROWS } });
        break;
      }
      checkRow(record, info.lines, reference, problem, actions, reading);
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      return { actions: [], problems: [{ line: 1, message: 'msg.import.not_utf8' }], unlisted: 0, reading };
    }
    const lines = (error as { lines?: unknown }).lines;
    return {
      actions: [],
      problems: [
        {
          line: typeof lines === 'number' ? lines : 1,
          message: 'msg.file_not_valid_csv_reason',
          params: { reason: (error as Error).message },
        },
      ],
      unlisted: 0,
      reading,
    };
  } finally {
    parser?.destroy();
    source.destroy();
  }
  if (!header) return { actions: [], problems: [{ line: 1, message: 'msg.the_file_is_empty' }], unlisted: 0, reading };
  if (rows === 0 && problems.length === 0) problem({ line: 2, message: 'msg.file_has_header_but_no_actions' });
  return { actions, problems, unlisted, reading };
}

/** Checks one row: its problems, or the action it describes. */
function checkRow(
  record: string[],
  line: number,
  reference: ReferenceData,
  problem: (entry: ImportProblem) => void,
  actions: ImportedAction[],
  reading: ImportReading,
) {
  if (record.length !== HEADER.length) {
    problem({ line, message: 'msg.expected_expected_columns_found_found', params: { expected: HEADER.length, found: record.length } });
    return;
  }
  if (record.some((cell) => cell.includes('\0'))) {
    problem({ line, message: 'msg.import.nul_byte' });
    return;
  }
  const value = (name: string) => unguard(record[HEADER.indexOf(name)] ?? '');
  const country = value('country_code').trim().toUpperCase();
  const target = value('target_code').trim().toUpperCase();
  const goal = value('goal_code').trim();
  // Text is kept exactly as written (only codes are tidied), so a re-import reproduces it.
  const title = value('title');
  const written = value('due_on').trim();
  // A date Excel wrote day first (31/12/2014) is read as such; the check page says so.
  const dayFirst = written && !isRealDate(written) ? dayFirstDate(written) : null;
  if (dayFirst) reading.dayFirstDates = true;
  const due = dayFirst ?? written;
  const found: ImportProblem[] = [];
  const refuse = (entry: ImportProblem) => found.push(entry);
  if (!reference.countries.has(country)) refuse({ line, message: 'msg.unknown_country_country', params: { country } });
  if (!reference.targets.has(target)) refuse({ line, message: 'msg.unknown_policy_target_target_use_pt1', params: { target } });
  if (goal && reference.goals.get(goal) !== target)
    refuse({
      line,
      message: target ? 'msg.operational_goal_goal_not_goal_target_2' : 'msg.operational_goal_goal_not_goal_target',
      params: { goal, target },
    });
  if (!title.trim()) refuse({ line, message: 'msg.the_title_is_missing' });
  if (title.length > 300) refuse({ line, message: 'msg.title_longer_than_300_characters' });
  if (due && !isRealDate(due)) refuse({ line, message: 'msg.due_not_date_use_yyyy_mm', params: { due: written } });
  if (found.length > 0) {
    found.forEach(problem);
    return;
  }
  actions.push({
    line,
    country_code: country,
    target_code: targetCode.parse(target),
    goal_code: goal || null,
    title,
    description: value('description'),
    responsible_body: value('responsible_body'),
    due_on: due || null,
  });
}
