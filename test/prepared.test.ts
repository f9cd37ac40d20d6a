import { createHash } from 'node:crypto';
import { createDatabase, type Database } from '../src/db/knex';
import { prepared } from '../src/db/prepared';
import { createPublicQueries } from '../src/public/queries';
import { createReportQueries } from '../src/reports/queries';
import { createReviewQueries } from '../src/review/queries';
import { createQuestionQueries } from '../src/review/questions';
import { useTestDatabase } from './helpers/database';
import { makeAction, makeCountry, makeCycle, makeReport } from './helpers/factories';

// The public pages' reads, and the reads every report page makes, run as named prepared
// statements (src/db/prepared.ts): a statement per query text, kept by the connection and
// run again by name.

describe('reads as prepared statements', () => {
  const database = useTestDatabase();
  let single: Database;
  beforeAll(() => {
    // One connection, so every read below runs where pg_prepared_statements can see it.
    single = createDatabase(database.url, { poolMax: 1, acquireTimeoutMs: 5000, statementTimeoutMs: 15000 });
  });
  afterAll(async () => {
    await single.destroy();
  });

  const preparedOnTheConnection = async () =>
    (await single.raw<{ rows: Array<{ name: string; statement: string }> }>('select name, statement from pg_prepared_statements')).rows;

  it('prepares each query text once, under a name of its own, and answers as the plain query does', async () => {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { kind: 'commitments' });
    const report = await makeReport(database.db, country.code, cycle.id, 'accepted');
    await makeAction(database.db, report, { target_code: 'PT1' });
    await makeAction(database.db, report, { target_code: 'PT2' });
    const queries = createPublicQueries(single);

    // Six runs of three texts: every member's counts, the targets' sums of them, a member's page (its reads made together).
    for (let run = 0; run < 2; run++) {
      expect(await queries.listActionFacets()).toEqual(
        expect.arrayContaining([{ country_code: country.code, target_code: 'PT1', latest_status: 'not_reported', count: 1 }]),
      );
      expect((await queries.listTargetProgress()).map((target) => target.code)).toEqual(['PT1', 'PT2', 'PT3', 'PT4']);
      const member = await queries.memberPage(country.code, 5);
      expect(member.actions.map((action) => action.target_code)).toEqual(['PT1', 'PT2']);
      // Through JSON: timestamps made Dates again, as the other reads give them.
      expect(member.reports.map((row) => [row.cycle_slug, row.accepted_at instanceof Date])).toEqual([[cycle.slug, true]]);
    }

    // A limit the code fixes is part of the text, not a parameter: PostgreSQL costs a bound
    // limit as a tenth of the rows and, on the growth data, planned this read on every run.
    const { rows: latest } = await single.raw<{ rows: Array<{ parameter_types: string }> }>(
      "select parameter_types::text from pg_prepared_statements where statement like '%cross join lateral%'",
    );
    expect(latest).toHaveLength(1);
    expect(latest[0]!.parameter_types).not.toMatch(/integer|bigint/);

    const statements = await preparedOnTheConnection();
    expect(statements).toHaveLength(3);
    expect(new Set(statements.map((statement) => statement.name)).size).toBe(3);
    for (const statement of statements) expect(statement.name).toMatch(/^read_[\w-]{27}$/);
    expect(statements.filter((statement) => statement.statement.includes('public_action_counts'))).toHaveLength(2);
    // The plain query (no name) on another connection agrees.
    const plain = await database.db('public_action_counts').select('country_code', 'target_code', 'latest_status', 'actions as count');
    const inOrder = <T extends { country_code: string; target_code: string; latest_status: string }>(rows: T[]) =>
      [...rows].sort((a, b) =>
        `${a.country_code}${a.target_code}${a.latest_status}`.localeCompare(`${b.country_code}${b.target_code}${b.latest_status}`),
      );
    expect(inOrder(await queries.listActionFacets())).toEqual(inOrder(plain));
  });

  it('reads a report, the first read of every report page, as one statement with no bound limit; locked for update as another', async () => {
    const country = await makeCountry(database.db);
    const cycle = await makeCycle(database.db, { kind: 'commitments' });
    const report = await makeReport(database.db, country.code, cycle.id, 'draft');
    const queries = createReportQueries(single);
    const before = new Set((await preparedOnTheConnection()).map((statement) => statement.name));
    for (let run = 0; run < 2; run++) {
      expect((await queries.findReport(country.code, cycle.id))?.id).toBe(report.id);
      expect(await queries.findReport(country.code, cycle.id + 1000)).toBeUndefined();
    }
    await single.transaction(async (trx) => {
      expect((await createReportQueries(trx).findReport(country.code, cycle.id, { forUpdate: true }))?.id).toBe(report.id);
    });
    const added = (await preparedOnTheConnection()).filter((statement) => !before.has(statement.name));
    expect(added.map((statement) => /for update/i.test(statement.statement))).toEqual(expect.arrayContaining([false, true]));
    expect(added).toHaveLength(2);
    for (const statement of added) expect(statement.statement).not.toMatch(/limit/i);
  });

  it('reads what a report page shows in full (review, check your answers) prepared, a statement per text however many pledges', async () => {
    const country = await makeCountry(database.db);
    const earlier = await makeCycle(database.db, { kind: 'commitments', opens_on: '2010-01-01' });
    const cycle = await makeCycle(database.db, { kind: 'progress', opens_on: '2020-01-01' });
    const accepted = await makeReport(database.db, country.code, earlier.id, 'accepted');
    const report = await makeReport(database.db, country.code, cycle.id, 'submitted');
    const reads = createReportQueries(single);
    const questions = createQuestionQueries(single);
    const review = createReviewQueries(single);
    const cycleRow = (await createReportQueries(database.db).findCycle(cycle.slug))!;
    const before = new Set((await preparedOnTheConnection()).map((statement) => statement.name));
    for (let run = 0; run < 2; run++) {
      await reads.listStocktaking(report.id);
      await reads.listActionsPledgedIn(accepted.id);
      await reads.listUpdates(report.id);
      // One statement for a page of one pledge and a page of three.
      await reads.listUpdates(report.id, run === 0 ? [1] : [1, 2, 3]);
      await reads.listIndicatorValues(report.id);
      await reads.listSummaries(report.id);
      await reads.listSections(report.id);
      await reads.listSubmissions(report.id);
      expect((await reads.findPreviousAccepted(country.code, cycleRow))?.id).toBe(accepted.id);
      await questions.list(report.id);
      await questions.list(report.id, { sentOnly: true });
      await review.listQueue(cycle);
      expect(await review.findLastReturnedSubmission(report.id)).toBeUndefined();
    }
    const added = (await preparedOnTheConnection()).filter((statement) => !before.has(statement.name));
    // Thirteen reads, two of them in two variants (all the report's updates or some; every question or those sent).
    expect(added).toHaveLength(13);
    expect(added.filter((statement) => statement.statement.includes('action_updates'))).toHaveLength(2);
  });

  it('compiles a read once: its statement name and its run take the same compilation', async () => {
    const country = await makeCountry(database.db);
    const read = () => single('countries').select('code', 'name').where({ code: country.code });
    const expectedName = `read_${createHash('sha1').update(read().toSQL().sql).digest('base64url')}`;
    const compile = jest.spyOn(single.client, 'queryCompiler');
    try {
      expect(await prepared(read())).toEqual([{ code: country.code, name: country.name }]);
      expect(compile).toHaveBeenCalledTimes(1);
    } finally {
      compile.mockRestore();
    }
    // Prepared under the name its text gives it, as before.
    const names = (await preparedOnTheConnection()).filter((row) => row.statement.includes('from "countries" where "code"'));
    expect(names.map((row) => row.name)).toEqual([expectedName]);
  });
});
