import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../src/auth/passwords';
import type { Database } from '../../src/db/knex';

// Factories insert the rows a test needs, with unique values, straight into the
// database. Each returns the inserted row.

let sequence = 0;
export const unique = (prefix: string) => `${prefix} ${++sequence}-${randomBytes(3).toString('hex')}`;

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Codes the tests use for a member that does not exist (a 404, a refused --country): makeCountry never makes them. */
const NO_SUCH_MEMBER = ['QQ', 'XX'];

export async function makeCountry(
  db: Database,
  overrides: Partial<{ name: string; region: string; eu_member: boolean; joined_on: string | null; left_on: string | null }> = {},
) {
  // Try random two-letter codes until one is free (the seed uses only 55 of 676), never one
  // the tests ask for as a member that does not exist.
  for (;;) {
    const code = LETTERS[Math.floor(Math.random() * 26)]! + LETTERS[Math.floor(Math.random() * 26)]!;
    if (NO_SUCH_MEMBER.includes(code)) continue;
    const [row] = await db('countries')
      .insert({ code, name: unique('Testland'), region: 'Europe', eu_member: false, joined_on: '2012-12-05', ...overrides })
      .onConflict('code')
      .ignore()
      .returning('*');
    if (row) return row as { code: string; name: string; region: string };
  }
}

export async function makeCycle(
  db: Database,
  overrides: Partial<{
    kind: 'commitments' | 'progress';
    state: 'planned' | 'open' | 'closed';
    opens_on: string;
    due_on: string;
    closes_on: string;
    title: string;
  }> = {},
) {
  const slug = `test-${++sequence}-${randomBytes(3).toString('hex')}`;
  const [row] = await db('cycles')
    .insert({
      slug,
      title: unique('Test cycle'),
      kind: 'commitments',
      state: 'open',
      opens_on: '2030-01-01',
      due_on: '2030-06-30',
      closes_on: '2030-12-31',
      ...overrides,
    })
    .returning('*');
  return row as { id: number; slug: string; title: string; kind: string; due_on: string };
}

export type ReportState = 'draft' | 'submitted' | 'returned' | 'accepted';

export async function makeReport(
  db: Database,
  countryCode: string,
  cycleId: number,
  state: ReportState = 'accepted',
  overrides: Partial<{ submitted_at: string }> = {},
) {
  const submitted = state !== 'draft';
  const reviewed = state === 'accepted' || state === 'returned';
  const [row] = await db('reports')
    .insert({
      country_code: countryCode,
      cycle_id: cycleId,
      state,
      submitted_at: submitted ? (overrides.submitted_at ?? '2030-05-01T12:00:00Z') : null,
      reviewed_at: reviewed ? '2030-07-01T12:00:00Z' : null,
      review_comment: state === 'returned' ? 'Please complete the baseline.' : null,
    })
    .returning('*');
  return row as { id: number; country_code: string; cycle_id: number; state: ReportState };
}

export async function makeStocktaking(
  db: Database,
  reportId: number,
  targetCode: string,
  overrides: Partial<{ existing_measures: string; gaps: string; no_action_reason: string }> = {},
) {
  const [row] = await db('stocktaking_entries')
    .insert({
      report_id: reportId,
      target_code: targetCode,
      existing_measures: unique('Existing measure'),
      gaps: unique('Gap'),
      ...overrides,
    })
    .returning('*');
  return row as { id: number; existing_measures: string; gaps: string };
}

/**
 * `count` actions pledged in one report: open-data files of them (about 4 MB of JSON for
 * 20,000) are more than the sockets' buffers hold, so a download of them is still being
 * written when its reader leaves after the first bytes.
 */
export async function makeManyActions(db: Database, report: { id: number; country_code: string }, count: number) {
  await db.raw(
    `insert into actions (country_code, target_code, title, description, responsible_body, pledged_in_report_id)
     select ?, 'PT1', 'Action ' || n, repeat('A long description. ', 10), 'Ministry of Justice', ? from generate_series(1, ?::int) n`,
    [report.country_code, report.id, count],
  );
}

export async function makeAction(
  db: Database,
  report: { id: number; country_code: string },
  overrides: Partial<{
    target_code: string;
    goal_code: string | null;
    title: string;
    description: string;
    responsible_body: string;
    due_on: string;
  }> = {},
) {
  const [row] = await db('actions')
    .insert({
      country_code: report.country_code,
      pledged_in_report_id: report.id,
      target_code: 'PT1',
      title: unique('Action'),
      description: unique('Description'),
      responsible_body: 'Ministry of Justice',
      due_on: '2031-12-31',
      ...overrides,
    })
    .returning('*');
  return row as { id: number; title: string; country_code: string; target_code: string };
}

/**
 * A member whose pledges were accepted in a closed commitments cycle (2010), and an open
 * progress cycle (2020) that carries them: the report the pledges go in, and both cycles.
 */
export async function makePledgingMember(db: Database) {
  const country = await makeCountry(db);
  const earlier = await makeCycle(db, {
    kind: 'commitments',
    state: 'closed',
    opens_on: '2010-01-01',
    due_on: '2010-06-30',
    closes_on: '2010-12-31',
  });
  const cycle = await makeCycle(db, {
    kind: 'progress',
    state: 'open',
    opens_on: '2020-01-01',
    due_on: '2099-06-30',
    closes_on: '2099-12-31',
  });
  const pledging = await makeReport(db, country.code, earlier.id, 'accepted');
  return { country, cycle, pledging };
}

export async function makeUpdate(
  db: Database,
  report: { id: number; country_code: string },
  actionId: number,
  overrides: Partial<{ status: string; percent_complete: number | null; narrative: string }> = {},
) {
  const [row] = await db('action_updates')
    .insert({
      report_id: report.id,
      action_id: actionId,
      country_code: report.country_code,
      status: 'in_progress',
      percent_complete: 50,
      narrative: unique('Narrative'),
      ...overrides,
    })
    .returning('*');
  return row as { id: number; status: string; narrative: string };
}

export async function makeIndicatorValue(db: Database, reportId: number, indicatorCode = 'victims_identified', value = 120) {
  const [row] = await db('indicator_values')
    .insert({ report_id: reportId, indicator_code: indicatorCode, value, note: unique('Source') })
    .returning('*');
  return row as { id: number; note: string };
}

export const TEST_PASSWORD = 'correct horse battery staple';
let testPasswordHash: Promise<string> | undefined;

export async function makeUser(
  db: Database,
  overrides: Partial<{
    role: 'delegate' | 'secretariat' | 'admin';
    country_code: string | null;
    active: boolean;
    email: string;
    name: string;
  }> = {},
) {
  testPasswordHash ??= hashPassword(TEST_PASSWORD);
  const role = overrides.role ?? 'delegate';
  const [row] = await db('users')
    .insert({
      email: `${randomBytes(5).toString('hex')}@example.org`,
      name: unique('Person'),
      role,
      country_code: role === 'delegate' ? (overrides.country_code ?? 'FR') : null,
      password_hash: await testPasswordHash,
      ...overrides,
    })
    .returning(['id', 'email', 'name', 'role', 'country_code', 'active']);
  return row as { id: number; email: string; name: string; role: string; country_code: string | null; active: boolean };
}
