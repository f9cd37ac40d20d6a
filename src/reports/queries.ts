import type { Database } from '../db/knex';
import type {
  ActionFields,
  ActionRow,
  CycleRow,
  IndicatorRow,
  IndicatorValueRow,
  ReportRow,
  StocktakingRow,
  TargetRow,
  UpdateRow,
} from '../db/rows';
import type { ReportState, UpdateStatus } from '../domain';
import { LIMIT_IN_TEXT, prepared } from '../db/prepared';
import type { CarriedState } from './sections';

/**
 * An earlier pledge a progress report carries, as a page that shows it reads it: its place
 * in the report's order (target, then id, from 0), where it stands (CarriedState), whether
 * it still lacks the update it needs, its facts, and its latest update in an accepted
 * earlier report (what "start from last year" pre-fills).
 */
export type CarriedRow = Pick<
  ActionRow,
  'id' | 'title' | 'target_code' | 'goal_code' | 'responsible_body' | 'due_on' | 'description' | 'withdrawal_reason'
> & {
  position: number;
  state: CarriedState;
  missing: boolean;
  pledged_in_cycle_title: string;
  last_status: UpdateStatus | null;
  last_percent: number | null;
  last_narrative: string | null;
  last_cycle_title: string | null;
};

/**
 * A pledge a progress report carries (pledged in an accepted report of an earlier cycle) as
 * accepted reports leave it, before anything the report itself holds: whether an accepted
 * report withdrew it, and whether its latest accepted update before the report's cycle
 * completed it. A report's carried pledges are listed in its order (target, then id), so a
 * pledge's place is its index. What the report itself changes is `DraftMarks`; both make a
 * pledge's state (`carriedState` in ./sections).
 */
export type CarriedPledge = { id: number; title: string; withdrawnEarlier: boolean; completedEarlier: boolean };

/** What a report itself holds of its carried pledges: those it updates, and those it withdraws. */
export type DraftMarks = { updated: number[]; withdrawn: number[] };

/**
 * `last`: a carried pledge's (`kept`, its public_action_status row) latest update in an
 * accepted report of a cycle that opened before this one (`:opensOn`), or none — what its
 * state counts from and what "start from last year" pre-fills. public_action_status keeps the
 * latest accepted update; when that is of this cycle or a later one (a report read after
 * later ones were accepted), it is looked up among the action's own updates.
 */
const LAST_ACCEPTED_BEFORE = `
  left join cycles kept_cycle on kept_cycle.slug = kept.latest_cycle_slug
  left join lateral (
    select kept.latest_update_status as status, kept.latest_percent_complete as percent_complete,
           kept.latest_narrative as narrative, kept_cycle.title as cycle_title
     where kept_cycle.opens_on < :opensOn
    union all
    (select u.status, u.percent_complete, u.narrative, uc.title as cycle_title
       from action_updates u
       join reports ur on ur.id = u.report_id and ur.state = 'accepted'
       join cycles uc on uc.id = ur.cycle_id
      where kept_cycle.opens_on >= :opensOn and u.action_id = kept.action_id and uc.opens_on < :opensOn
      order by uc.opens_on desc
      limit 1)
  ) last on true`;

/** Who last saved a section of a report, and the report version that save produced. */
export type SectionRow = { section: string; saved_in_version: number; saved_at: Date; saved_by_name: string | null };

const REPORT_COLUMNS = [
  'id',
  'country_code',
  'cycle_id',
  'state',
  'version',
  'submitted_at',
  'reviewed_at',
  'review_comment',
  'updated_at',
  'text_language',
  'contributors',
];
const CYCLE_COLUMNS = ['id', 'slug', 'title', 'kind', 'opens_on', 'due_on', 'closes_on', 'state'];
const ACTION_COLUMNS = [
  'a.id',
  'a.country_code',
  'a.target_code',
  'a.goal_code',
  'a.title',
  'a.description',
  'a.responsible_body',
  'a.due_on',
  'a.pledged_in_report_id',
  'a.withdrawn_in_report_id',
  'a.withdrawal_reason',
];

export function createReportQueries(db: Database) {
  return {
    async listCountries(): Promise<Array<{ code: string; name: string }>> {
      return db('countries').select('code', 'name').orderBy('code');
    },

    async findCountry(code: string): Promise<{ code: string; name: string } | undefined> {
      return db('countries').select('code', 'name').where({ code }).first();
    },

    async findCycle(slug: string): Promise<CycleRow | undefined> {
      return db('cycles').select(CYCLE_COLUMNS).where({ slug }).first();
    },

    async listCycles(): Promise<CycleRow[]> {
      return db('cycles').select(CYCLE_COLUMNS).orderBy('opens_on', 'desc');
    },

    async findReport(countryCode: string, cycleId: number, options: { forUpdate?: boolean } = {}): Promise<ReportRow | undefined> {
      // Every report page's first read: prepared, and with no bound limit (a member has one report a
      // cycle), so it is planned once per connection, not parsed and planned on every page.
      const query = db('reports').select(REPORT_COLUMNS).where({ country_code: countryCode, cycle_id: cycleId });
      const [row] = await prepared(options.forUpdate ? query.forUpdate() : query);
      return row;
    },

    /**
     * What a report page's content can differ by in this report: its version, which every
     * save, submission, decision and import moves, and the secretariat's questions on it,
     * which do not move it (a draft question or an answer is not a change to the report):
     * how many, the newest, how many answered and the latest answer. Empty when the report
     * is not started.
     */
    async reportStamp(countryCode: string, cycleId: number): Promise<string> {
      const result = await prepared(
        db.raw<{ rows: Array<{ stamp: string }> }>(
          `select concat_ws('.', r.version, count(q.id), max(q.id), count(q.answered_at), max(q.answered_at)) as stamp
             from reports r left join item_questions q on q.report_id = r.id
            where r.country_code = ? and r.cycle_id = ?
            group by r.id`,
          [countryCode, cycleId],
        ),
      );
      return result.rows[0]?.stamp ?? '';
    },

    async listReportsOfCountry(countryCode: string): Promise<ReportRow[]> {
      return db('reports').select(REPORT_COLUMNS).where({ country_code: countryCode });
    },

    async insertReport(countryCode: string, cycleId: number): Promise<ReportRow> {
      const [row] = await db('reports').insert({ country_code: countryCode, cycle_id: cycleId }).returning(REPORT_COLUMNS);
      return row as ReportRow;
    },

    /** Records a change: bumps the version (optimistic locking) and sets the state. */
    async setTextLanguage(reportId: number, textLanguage: string | null): Promise<void> {
      await db('reports').where({ id: reportId }).update({ text_language: textLanguage });
    },

    async touchReport(
      reportId: number,
      fields: Partial<{
        state: ReportState;
        submitted_at: Date;
        submitted_by: number;
        reviewed_at: Date;
        reviewed_by: number;
        review_comment: string | null;
      }>,
    ): Promise<ReportRow> {
      const [row] = await db('reports')
        .where({ id: reportId })
        .update({ ...fields, version: db.raw('version + 1'), updated_at: db.fn.now() })
        .returning(REPORT_COLUMNS);
      return row as ReportRow;
    },

    async listStocktaking(reportId: number): Promise<Array<StocktakingRow & { no_action_reason: string }>> {
      return prepared(
        db('stocktaking_entries')
          .select('target_code', 'existing_measures', 'gaps', 'no_action_reason')
          .where({ report_id: reportId })
          .orderBy('target_code'),
      );
    },

    async saveStocktaking(reportId: number, entries: Array<StocktakingRow & { no_action_reason: string }>): Promise<void> {
      for (const entry of entries) {
        if (!entry.existing_measures && !entry.gaps && !entry.no_action_reason) {
          await db('stocktaking_entries').where({ report_id: reportId, target_code: entry.target_code }).delete();
          continue;
        }
        await db('stocktaking_entries')
          .insert({ report_id: reportId, ...entry })
          .onConflict(['report_id', 'target_code'])
          .merge({
            existing_measures: entry.existing_measures,
            gaps: entry.gaps,
            no_action_reason: entry.no_action_reason,
            updated_at: db.fn.now(),
          });
      }
    },

    async listActionsPledgedIn(reportId: number): Promise<ActionRow[]> {
      return prepared(
        db('actions as a').select(ACTION_COLUMNS).where('a.pledged_in_report_id', reportId).orderBy(['a.target_code', 'a.id']),
      );
    },

    /**
     * The pledges a progress report of this member and cycle carries, in the report's order
     * (CarriedPledge): from public_action_status, which the triggers keep for every action
     * pledged in an accepted report, with any accepted withdrawal and its latest accepted
     * update. Only accepted reports make it, so it changes only when the public data version
     * moves, and the report pages read it once per version (./carried); saves and decisions
     * read it in their own transaction.
     */
    async carriedPledges(countryCode: string, cycle: CycleRow): Promise<CarriedPledge[]> {
      const result = await prepared(
        db.raw<{ rows: CarriedPledge[] }>(
          `select kept.action_id as id, a.title, kept.withdrawn_in_report_id is not null as "withdrawnEarlier",
                  coalesce(last.status = 'completed', false) as "completedEarlier"
             from public_action_status kept
             join cycles pledged_cycle on pledged_cycle.slug = kept.pledged_in_cycle_slug
             join actions a on a.id = kept.action_id
             ${LAST_ACCEPTED_BEFORE}
            where kept.country_code = :countryCode and pledged_cycle.opens_on < :opensOn
            order by kept.target_code, kept.action_id`,
          { countryCode, opensOn: cycle.opens_on },
        ),
      );
      return result.rows;
    },

    /** What a report holds of its carried pledges (DraftMarks): one statement, both from an index. */
    async draftMarks(reportId: number): Promise<DraftMarks> {
      const result = await prepared(
        db.raw<{ rows: DraftMarks[] }>(
          `select array(select action_id from action_updates where report_id = :reportId) as updated,
                  array(select id from actions where withdrawn_in_report_id = :reportId) as withdrawn`,
          { reportId },
        ),
      );
      return result.rows[0] ?? { updated: [], withdrawn: [] };
    },

    /**
     * The facts of the carried pledges `ids` and each one's latest update in
     * an accepted report of an earlier cycle: what a page that shows them reads besides their
     * place and state.
     */
    async carriedFacts(cycle: CycleRow, ids: number[]): Promise<Array<Omit<CarriedRow, 'position' | 'state' | 'missing'>>> {
      const rows = await prepared(
        db.raw<{ rows: Array<Omit<CarriedRow, 'position' | 'state' | 'missing'>> }>(
          `select a.id, a.title, a.target_code, a.goal_code, a.responsible_body, a.due_on, a.description, a.withdrawal_reason,
                  pledged_cycle.title as pledged_in_cycle_title,
                  last.status as last_status, last.percent_complete as last_percent, last.narrative as last_narrative,
                  last.cycle_title as last_cycle_title
             from actions a
             join public_action_status kept on kept.action_id = a.id
             join cycles pledged_cycle on pledged_cycle.slug = kept.pledged_in_cycle_slug
             ${LAST_ACCEPTED_BEFORE}
            where a.id = any(cast(:ids as integer[]))`,
          { ids, opensOn: cycle.opens_on },
        ),
      );
      return rows.rows;
    },

    async findAction(actionId: number): Promise<ActionRow | undefined> {
      return db('actions as a').select(ACTION_COLUMNS).where('a.id', actionId).first();
    },

    async insertAction(countryCode: string, reportId: number, fields: ActionFields): Promise<ActionRow> {
      const [row] = await db('actions')
        .insert({ country_code: countryCode, pledged_in_report_id: reportId, ...fields })
        .returning(ACTION_COLUMNS.map((column) => column.slice('a.'.length)));
      return row as ActionRow;
    },

    async updateAction(actionId: number, fields: ActionFields): Promise<void> {
      await db('actions')
        .where({ id: actionId })
        .update({ ...fields, updated_at: db.fn.now() });
    },

    async deleteAction(actionId: number): Promise<void> {
      await db('actions').where({ id: actionId }).delete();
    },

    async setWithdrawal(actionId: number, reportId: number | null, reason: string | null): Promise<void> {
      await db('actions')
        .where({ id: actionId })
        .update({ withdrawn_in_report_id: reportId, withdrawal_reason: reason, updated_at: db.fn.now() });
    },

    /** The report's updates, or those of the pledges `actionIds` (a page shows ten of hundreds). */
    async listUpdates(reportId: number, actionIds: number[] | null = null): Promise<UpdateRow[]> {
      const query = db('action_updates').select('action_id', 'status', 'percent_complete', 'narrative').where({ report_id: reportId });
      // The ids as one array value: a text of its own for every number of them could not be prepared.
      return prepared(actionIds ? query.whereRaw('action_id = any(cast(? as integer[]))', [actionIds]) : query);
    },

    async saveUpdate(reportId: number, countryCode: string, update: UpdateRow): Promise<void> {
      await db('action_updates')
        .insert({ report_id: reportId, country_code: countryCode, ...update })
        .onConflict(['report_id', 'action_id'])
        .merge({ status: update.status, percent_complete: update.percent_complete, narrative: update.narrative, updated_at: db.fn.now() });
    },

    async deleteUpdate(reportId: number, actionId: number): Promise<void> {
      await db('action_updates').where({ report_id: reportId, action_id: actionId }).delete();
    },

    async listIndicators(): Promise<IndicatorRow[]> {
      return db('indicators').select('code', 'name', 'unit').orderBy('code');
    },

    async listIndicatorValues(reportId: number): Promise<IndicatorValueRow[]> {
      return prepared(
        db('indicator_values').select('indicator_code', 'value', 'note').where({ report_id: reportId }).orderBy('indicator_code'),
      );
    },

    /** A value, "not available" (null, with the reason as its note), or no answer (undefined: the row goes). */
    async saveIndicatorValue(reportId: number, indicatorCode: string, value: number | null | undefined, note: string): Promise<void> {
      if (value === undefined) {
        await db('indicator_values').where({ report_id: reportId, indicator_code: indicatorCode }).delete();
        return;
      }
      await db('indicator_values')
        .insert({ report_id: reportId, indicator_code: indicatorCode, value, note })
        .onConflict(['report_id', 'indicator_code'])
        .merge({ value, note, updated_at: db.fn.now() });
    },

    async listSummaries(reportId: number): Promise<Array<{ target_code: string; summary: string }>> {
      return prepared(db('target_summaries').select('target_code', 'summary').where({ report_id: reportId }).orderBy('target_code'));
    },

    async saveSummary(reportId: number, targetCode: string, summary: string): Promise<void> {
      if (!summary) {
        await db('target_summaries').where({ report_id: reportId, target_code: targetCode }).delete();
        return;
      }
      await db('target_summaries')
        .insert({ report_id: reportId, target_code: targetCode, summary })
        .onConflict(['report_id', 'target_code'])
        .merge({ summary, updated_at: db.fn.now() });
    },

    async setContributors(reportId: number, contributors: string): Promise<void> {
      await db('reports').where({ id: reportId }).update({ contributors });
    },

    /** The sections among `sections` saved by a change after the report was at `version`. */
    async sectionsSavedSince(reportId: number, version: number, sections: string[]): Promise<string[]> {
      if (sections.length === 0) return [];
      const rows = await db('report_sections')
        .select('section')
        .where({ report_id: reportId })
        .whereIn('section', sections)
        .andWhere('saved_in_version', '>', version);
      return rows.map((row: { section: string }) => row.section);
    },

    async recordSections(reportId: number, sections: string[], version: number, userId: number): Promise<void> {
      if (sections.length === 0) return;
      await db('report_sections')
        .insert(sections.map((section) => ({ report_id: reportId, section, saved_in_version: version, saved_by: userId })))
        .onConflict(['report_id', 'section'])
        .merge(['saved_in_version', 'saved_by', 'saved_at']);
    },

    async listSections(reportId: number): Promise<SectionRow[]> {
      return prepared(
        db('report_sections as s')
          .leftJoin('users as u', 'u.id', 's.saved_by')
          .select('s.section', 's.saved_in_version', 's.saved_at', 'u.name as saved_by_name')
          .where('s.report_id', reportId),
      );
    },

    async listTargets(): Promise<Array<Pick<TargetRow, 'code' | 'title'>>> {
      return db('policy_targets').select('code', 'title').orderBy('position');
    },

    async listGoals(): Promise<Array<{ code: string; target_code: string; text: string }>> {
      return db('operational_goals').select('code', 'target_code', 'text').orderBy('code');
    },

    async insertSubmission(submission: {
      report_id: number;
      submitted_at: Date;
      submitted_by: number;
      late: boolean;
      content: unknown;
    }): Promise<void> {
      const next = await db('report_submissions')
        .where({ report_id: submission.report_id })
        .max<{ max: number | null }>('number as max')
        .first();
      await db('report_submissions').insert({ ...submission, number: (next?.max ?? 0) + 1, content: JSON.stringify(submission.content) });
    },

    async recordReviewOfLatestSubmission(
      reportId: number,
      review: { outcome: 'accepted' | 'returned'; reviewed_at: Date; reviewed_by: number; review_comment: string | null },
    ): Promise<void> {
      const latest = db('report_submissions').where({ report_id: reportId }).max('number');
      await db('report_submissions').where({ report_id: reportId }).andWhere('number', latest).update(review);
    },

    async listSubmissions(reportId: number): Promise<
      Array<{
        number: number;
        submitted_at: Date;
        late: boolean;
        outcome: string | null;
        reviewed_at: Date | null;
        review_comment: string | null;
        submitted_by_name: string | null;
        reviewed_by_name: string | null;
      }>
    > {
      return prepared(
        db('report_submissions as s')
          .leftJoin('users as submitter', 'submitter.id', 's.submitted_by')
          .leftJoin('users as reviewer', 'reviewer.id', 's.reviewed_by')
          .select(
            's.number',
            's.submitted_at',
            's.late',
            's.outcome',
            's.reviewed_at',
            's.review_comment',
            'submitter.name as submitted_by_name',
            'reviewer.name as reviewed_by_name',
          )
          .where('s.report_id', reportId)
          .orderBy('s.number', 'desc'),
      );
    },

    /** The country's accepted report in the latest cycle before this one, if any. */
    async findPreviousAccepted(
      countryCode: string,
      cycle: CycleRow,
    ): Promise<(ReportRow & { cycle_title: string; cycle_kind: string }) | undefined> {
      const [row] = await prepared(
        db('reports as r')
          .join('cycles as c', 'c.id', 'r.cycle_id')
          .select(REPORT_COLUMNS.map((column) => `r.${column}`))
          .select('c.title as cycle_title', 'c.kind as cycle_kind')
          .where({ 'r.country_code': countryCode, 'r.state': 'accepted' })
          .andWhere('c.opens_on', '<', cycle.opens_on)
          .orderBy('c.opens_on', 'desc')
          .limit(1, LIMIT_IN_TEXT),
      );
      return row;
    },
  };
}

export type ReportQueries = ReturnType<typeof createReportQueries>;
