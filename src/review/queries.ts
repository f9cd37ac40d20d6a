import type { Database } from '../db/knex';
import type { CycleRow } from '../db/rows';
import type { ReportState } from '../domain';
import { submissionContentSchema, type SubmissionContent } from '../reports/submission';
import { LIMIT_IN_TEXT, prepared } from '../db/prepared';

export type QueueRow = {
  code: string;
  name: string;
  report_id: number | null;
  state: ReportState | null;
  version: number | null;
  first_submitted_at: Date | null;
  submitted_at: Date | null;
  reviewed_at: Date | null;
  reviewer_name: string | null;
  /** Whether the member is expected to report in the cycle (the expected_to_report rule). */
  expected: boolean;
};

export function createReviewQueries(db: Database) {
  return {
    /** Every member expected in the cycle, and anyone with a report in it, with the report's state. */
    async listQueue(cycle: Pick<CycleRow, 'id' | 'due_on'>): Promise<QueueRow[]> {
      return prepared(
        db('countries as c')
          .leftJoin('reports as r', function joinCycle() {
            this.on('r.country_code', 'c.code').andOn('r.cycle_id', db.raw('?', [cycle.id]));
          })
          .leftJoin('users as reviewer', 'reviewer.id', 'r.reviewed_by')
          .select(
            'c.code',
            'c.name',
            'r.id as report_id',
            'r.state',
            'r.version',
            'r.submitted_at',
            'r.reviewed_at',
            'reviewer.name as reviewer_name',
          )
          // On time is judged by the first submission; demo and imported reports have no
          // frozen versions, so their own submission date stands in.
          .select(
            db.raw(
              'coalesce((select min(s.submitted_at) from report_submissions s where s.report_id = r.id), r.submitted_at) as first_submitted_at',
            ),
          )
          .select(db.raw('expected_to_report(c.joined_on, c.left_on, ?) as expected', [cycle.due_on]))
          .where((where) => where.whereNotNull('r.id').orWhereRaw('expected_to_report(c.joined_on, c.left_on, ?)', [cycle.due_on]))
          .orderBy('c.name'),
      );
    },

    /**
     * What a cycle's queue can differ by in its reports: how many there are, their versions
     * (every save, submission, decision and import moves one; versions only grow) and the
     * newest report.
     */
    async queueStamp(cycleId: number): Promise<string> {
      const result = await prepared(
        db.raw<{ rows: Array<{ stamp: string }> }>(
          `select concat_ws('.', count(*), sum(version), max(id)) as stamp from reports where cycle_id = ?`,
          [cycleId],
        ),
      );
      return result.rows[0]?.stamp ?? '';
    },

    /** The most recent returned version of a report, as it was submitted. */
    async findLastReturnedSubmission(
      reportId: number,
    ): Promise<{ number: number; content: SubmissionContent; review_comment: string } | undefined> {
      const [row] = await prepared(
        db('report_submissions')
          .select('number', 'content', 'review_comment')
          .where({ report_id: reportId, outcome: 'returned' })
          .orderBy('number', 'desc')
          .limit(1, LIMIT_IN_TEXT),
      );
      return row && { ...row, content: submissionContentSchema.parse(row.content) };
    },
  };
}
