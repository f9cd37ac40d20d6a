import { parse } from 'csv-parse/sync';
import type { ActionFields } from '../db/rows';
import { targetCode } from '../domain';
import { isRealDate } from '../web/forms';
import { ACTION_COLUMNS } from './datasets';

// Reads a file in exactly the actions.csv format and checks every row. Only the columns
// that describe a pledge are used; identifiers, states and statuses in the file are
// ignored, because an import creates new actions in a draft report.

export type ImportedAction = ActionFields & { line: number; country_code: string };

/** What is wrong on a line: an English message with {{placeholders}} filled from params. */
export type ImportProblem = { line: number; message: string; params?: Record<string, string | number> };

export type ReferenceData = { countries: Set<string>; targets: Set<string>; goals: Map<string, string> };

const HEADER = ACTION_COLUMNS.map((column) => column.name);

/** Undoes the export's formula guard: a leading apostrophe before = + - @ tab CR LF. */
const unguard = (value: string) => (/^'[=+@\t\r\n-]/.test(value) ? value.slice(1) : value);

export function readActionsCsv(text: string, reference: ReferenceData): { actions: ImportedAction[]; problems: ImportProblem[] } {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as Array<{
      record: string[];
      info: { lines: number };
    }>;
  } catch (error) {
    return {
      actions: [],
      problems: [
        {
          line: (error as { lines?: number }).lines ?? 1,
          message: 'msg.file_not_valid_csv_reason',
          params: { reason: (error as Error).message },
        },
      ],
    };
  }
  const [header, ...rows] = records;
  if (!header) return { actions: [], problems: [{ line: 1, message: 'msg.the_file_is_empty' }] };
  if (header.record.join(',') !== HEADER.join(',')) {
    return {
      actions: [],
      problems: [{ line: 1, message: 'msg.header_must_exactly_one_actions_csv', params: { header: HEADER.join(',') } }],
    };
  }
  const actions: ImportedAction[] = [];
  const problems: ImportProblem[] = [];
  for (const { record, info } of rows) {
    // info.lines is the line the record ends on; a record may span lines (quoted line breaks).
    const line = info.lines;
    if (record.length !== HEADER.length) {
      problems.push({
        line,
        message: 'msg.expected_expected_columns_found_found',
        params: { expected: HEADER.length, found: record.length },
      });
      continue;
    }
    const value = (name: string) => unguard(record[HEADER.indexOf(name)] ?? '');
    const country = value('country_code').trim().toUpperCase();
    const target = value('target_code').trim().toUpperCase();
    const goal = value('goal_code').trim();
    // Text is kept exactly as written (only codes are tidied), so a re-import reproduces it.
    const title = value('title');
    const due = value('due_on').trim();
    const before = problems.length;
    if (!reference.countries.has(country)) problems.push({ line, message: 'msg.unknown_country_country', params: { country } });
    if (!reference.targets.has(target)) problems.push({ line, message: 'msg.unknown_policy_target_target_use_pt1', params: { target } });
    if (goal && reference.goals.get(goal) !== target)
      problems.push({
        line,
        message: target ? 'msg.operational_goal_goal_not_goal_target_2' : 'msg.operational_goal_goal_not_goal_target',
        params: { goal, target },
      });
    if (!title.trim()) problems.push({ line, message: 'msg.the_title_is_missing' });
    if (title.length > 300) problems.push({ line, message: 'msg.title_longer_than_300_characters' });
    if (due && !isRealDate(due)) problems.push({ line, message: 'msg.due_not_date_use_yyyy_mm', params: { due } });
    if (problems.length > before) continue;
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
  if (rows.length === 0) problems.push({ line: 2, message: 'msg.file_has_header_but_no_actions' });
  return { actions, problems };
}
