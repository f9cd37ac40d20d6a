import type { Knex } from 'knex';
import type { Database } from '../db/knex';
import { LIMIT_IN_TEXT, prepared } from '../db/prepared';
import {
  INDICATOR_GOAL_COLUMNS,
  type ActionFields,
  type CountryRow,
  type CycleRow,
  type GoalRow,
  type IndicatorGoalRow,
  type IndicatorValueRow,
  type TargetRow,
} from '../db/rows';

// Public reads go through the public_reports and public_actions views only, so no
// query here can show a draft, a submitted or a returned report.

export type ActionStatus = 'not_reported' | 'not_started' | 'in_progress' | 'completed' | 'delayed' | 'withdrawn';

export type MemberSummaryRow = CountryRow & {
  latest_cycle_slug: string | null;
  latest_cycle_title: string | null;
  actions_pledged: number;
  actions_completed: number;
  actions_delayed: number;
};

export type TargetProgressRow = TargetRow & {
  actions: number;
  completed: number;
  in_progress: number;
  delayed: number;
  not_started: number;
};

/** An action as the public sees it: what the member wrote, with its latest accepted status. */
export type PublicActionRow = ActionFields & {
  id: number;
  country_code: string;
  pledged_in_cycle_slug: string;
  withdrawal_reason: string | null;
  latest_status: ActionStatus;
  latest_percent_complete: number | null;
  latest_narrative: string | null;
  latest_cycle_slug: string | null;
  /** Languages of the texts (ISO 639), from the report that pledged, updated or withdrew; null when not stated. */
  text_language: string | null;
  latest_text_language: string | null;
  withdrawn_text_language: string | null;
};

/** The public_actions view's columns of a PublicActionRow, read from its two tables (s, a). */
const PUBLIC_ACTION_COLUMNS = [
  's.action_id as id',
  's.country_code',
  's.target_code',
  'a.goal_code',
  'a.title',
  'a.description',
  'a.responsible_body',
  'a.due_on',
  's.pledged_in_cycle_slug',
  's.withdrawal_reason',
  's.latest_status',
  's.latest_percent_complete',
  's.latest_narrative',
  's.latest_cycle_slug',
  's.text_language',
  's.latest_text_language',
  's.withdrawn_text_language',
];

export type PublicReportRow = {
  id: number;
  cycle_slug: string;
  cycle_title: string;
  cycle_kind: 'commitments' | 'progress';
  cycle_due_on: string;
  submitted_at: Date;
  accepted_at: Date;
  /** The language the report's texts are in (ISO 639), null when not stated. */
  text_language: string | null;
};

export type LatestReportRow = { country_code: string; country_name: string; cycle_slug: string; cycle_title: string; accepted_at: Date };

export type BaselineRow = {
  target_code: string;
  existing_measures: string;
  gaps: string;
  cycle_title: string;
  text_language: string | null;
};

/** A published indicator value: of which of the member's reports (PublicReportRow), and of which indicator. */
export type PublicIndicatorValueRow = IndicatorValueRow & { report_id: number };

export type CycleMemberRow = CountryRow & { submitted_at: Date | null; accepted_at: Date | null };

/** What the accepted reports of one cycle hold, for the compiled report. */
export type CycleContent = {
  reports: Array<{ country_code: string; country_name: string; text_language: string | null }>;
  baseline: Array<{ country_code: string; target_code: string; existing_measures: string; gaps: string }>;
  pledged: Array<ActionFields & { id: number; country_code: string }>;
  updates: Array<{
    country_code: string;
    action_id: number;
    title: string;
    target_code: string;
    due_on: string | null;
    status: Exclude<ActionStatus, 'not_reported' | 'withdrawn'> | 'withdrawn';
    percent_complete: number | null;
    narrative: string;
  }>;
  withdrawn: Array<{ country_code: string; id: number; title: string; target_code: string; withdrawal_reason: string | null }>;
  indicators: Array<{ country_code: string; indicator_code: string; indicator_name: string; unit: string; value: number; note: string }>;
};

export function createPublicQueries(db: Database) {
  // A member's reads, which its page and its history make together (memberPage, memberHistory).

  /** Per target, the baseline from the member's most recent accepted report that has one. */
  const baselineOf = (countryCode: string) =>
    db('stocktaking_entries as s')
      .join('public_reports as pr', 'pr.id', 's.report_id')
      .distinctOn('s.target_code')
      .select('s.target_code', 's.existing_measures', 's.gaps', 'pr.cycle_title', 'pr.text_language')
      .where('pr.country_code', countryCode)
      .orderBy([{ column: 's.target_code' }, { column: 'pr.cycle_opens_on', order: 'desc' }]);

  /**
   * The member's latest `perTarget` published actions under each target (the newest pledges):
   * per target, read backwards from the index, so a member with years of pledges costs
   * the same (a window over all of them took 12 ms for 800 actions).
   */
  const latestActions = (countryCode: string, perTarget: number) => {
    if (!Number.isSafeInteger(perTarget)) throw new TypeError(`not a whole number: ${perTarget}`);
    return db.raw(
      `select latest.* from policy_targets t
       cross join lateral (
         select pa.*, c.name as country_name from public_actions pa join countries c on c.code = pa.country_code
         where pa.country_code = ? and pa.target_code = t.code order by pa.id desc limit ${perTarget}) latest
       order by latest.target_code, latest.id`,
      [countryCode],
    );
  };

  /**
   * Reads made as one prepared statement, each read's rows a JSON array in its own order (an
   * aggregate over a sorted subquery with nothing else at its level takes the rows in that
   * order). A member's page made four reads, each a round trip and rows for knex and pg to
   * build, send and parse. JSON brings dates (`YYYY-MM-DD`) and numbers as the row parsers
   * do, but timestamps as text: see `withDates`.
   */
  async function together<T extends Record<string, unknown[]>>(
    reads: { [name in keyof T]: Knex.QueryBuilder | Knex.Raw },
    /** Tables the reads share, found once (`with name as (…)`). */
    shared: Record<string, Knex.QueryBuilder> = {},
  ): Promise<T> {
    const columns = Object.entries<Knex.QueryBuilder | Knex.Raw>(reads).map(([name, read]) =>
      db.raw(`(select coalesce(json_agg(r), '[]') from (?) r) as ??`, [read, name]),
    );
    const query = db.select(columns);
    for (const [name, table] of Object.entries(shared)) query.with(name, table);
    const [row] = (await prepared(query)) as T[];
    if (!row) throw new Error('a read of subqueries without a from returned no row');
    return row;
  }
  type AsJson<Row> = { [column in keyof Row]: Row[column] extends Date ? string : Row[column] };
  const withDates = (reports: Array<AsJson<PublicReportRow>>): PublicReportRow[] =>
    reports.map((report) => ({ ...report, submitted_at: new Date(report.submitted_at), accepted_at: new Date(report.accepted_at) }));

  /**
   * What the member has published over the years, as public_member_records keeps it (the
   * migration that made it has the queries): its accepted reports, newest first, and its
   * indicator values by indicator and cycle, each a JSON array in one row. A member that has
   * published nothing may have no row.
   */
  const keptRecords = (countryCode: string) =>
    db('public_member_records').select('reports', 'indicator_values').where({ country_code: countryCode });
  type KeptRecords = { reports: Array<AsJson<PublicReportRow>>; indicator_values: PublicIndicatorValueRow[] };
  const published = ([kept]: KeptRecords[]) => ({
    reports: withDates(kept?.reports ?? []),
    indicators: kept?.indicator_values ?? [],
  });

  return {
    /** Moves whenever public data changes (triggers in the database keep it). */
    async dataVersion(): Promise<number> {
      const row = await prepared(db('public_data_version').first('version'));
      return Number(row?.version ?? 0);
    },

    // The member, target and home pages' figures are sums over public_action_counts
    // (members × targets × statuses rows, kept by the database when reports are accepted),
    // never a scan of every action.
    async listMemberSummaries(): Promise<MemberSummaryRow[]> {
      return prepared(
        db('countries as c')
          .leftJoin('public_action_counts as pc', 'pc.country_code', 'c.code')
          .joinRaw(
            `left join lateral (
             select pr.cycle_slug, pr.cycle_title from public_reports pr
             where pr.country_code = c.code order by pr.cycle_opens_on desc limit 1
           ) latest on true`,
          )
          .select('c.code', 'c.name', 'c.region', 'c.eu_member', 'c.joined_on', 'c.left_on')
          .select('latest.cycle_slug as latest_cycle_slug', 'latest.cycle_title as latest_cycle_title')
          .select(
            db.raw("coalesce(sum(pc.actions) filter (where pc.latest_status <> 'withdrawn'), 0)::int as actions_pledged"),
            db.raw("coalesce(sum(pc.actions) filter (where pc.latest_status = 'completed'), 0)::int as actions_completed"),
            db.raw("coalesce(sum(pc.actions) filter (where pc.latest_status = 'delayed'), 0)::int as actions_delayed"),
          )
          .groupBy('c.code', 'latest.cycle_slug', 'latest.cycle_title')
          .orderBy('c.name'),
      );
    },

    /** The most recently accepted reports, newest first. */
    async listLatestReports(limit: number): Promise<LatestReportRow[]> {
      return prepared(
        db('public_reports as pr')
          .join('countries as c', 'c.code', 'pr.country_code')
          .select('pr.country_code', 'c.name as country_name', 'pr.cycle_slug', 'pr.cycle_title', 'pr.accepted_at')
          .orderBy([
            { column: 'pr.accepted_at', order: 'desc' },
            { column: 'pr.id', order: 'desc' },
          ])
          .limit(limit, LIMIT_IN_TEXT),
      );
    },

    /** How many published actions each member has per target and latest status (public_action_counts, kept by the database). */
    async listActionFacets(): Promise<Array<{ country_code: string; target_code: string; latest_status: ActionStatus; count: number }>> {
      return prepared(db('public_action_counts').select('country_code', 'target_code', 'latest_status', 'actions as count'));
    },

    /**
     * A page of the public actions whose title, description or responsible body hold the
     * words searched for, newest pledge first (so a page is read from the index, however many
     * match), with the titles of the cycles that pledged and last updated them; and how many
     * match, counted up to `countUpTo` (a word every action holds is not counted through).
     */
    async searchActions(
      words: string,
      page: { limit: number; offset: number },
      countUpTo: number,
    ): Promise<{ total: number; actions: PublicActionRow[] }> {
      // The kept status and the action's own row, nothing else: the member's name and the
      // cycles' titles come from the reference data the app keeps per data version. Joined
      // through the public_actions view, with the names, PostgreSQL spent 4.7 ms planning a
      // search of the demo data for 0.3 ms of running it; these two tables plan in 0.3 ms.
      const matches = () =>
        db('public_action_status as s')
          .join('actions as a', 'a.id', 's.action_id')
          .whereRaw("a.search_document @@ websearch_to_tsquery('simple', ?)", [words]);
      // Not prepared: how many actions hold the words decides the plan, and the one plan
      // PostgreSQL would settle on for any words took 6.3 ms to count "hotline" on the
      // growth data, against 1.0 ms planned for the words.
      const [counted, actions] = await Promise.all([
        db.count<Array<{ count: string }>>('* as count').from(matches().select(db.raw('1')).limit(countUpTo).as('counted')),
        matches().select(PUBLIC_ACTION_COLUMNS).orderBy('s.action_id', 'desc').limit(page.limit).offset(page.offset),
      ]);
      return { total: Number(counted[0]?.count ?? 0), actions };
    },

    async listTargetProgress(): Promise<TargetProgressRow[]> {
      return prepared(
        db('policy_targets as t')
          .leftJoin('public_action_counts as pc', 'pc.target_code', 't.code')
          .select('t.code', 't.position', 't.title', 't.description')
          .select(
            db.raw("coalesce(sum(pc.actions) filter (where pc.latest_status <> 'withdrawn'), 0)::int as actions"),
            db.raw("coalesce(sum(pc.actions) filter (where pc.latest_status = 'completed'), 0)::int as completed"),
            db.raw("coalesce(sum(pc.actions) filter (where pc.latest_status = 'in_progress'), 0)::int as in_progress"),
            db.raw("coalesce(sum(pc.actions) filter (where pc.latest_status = 'delayed'), 0)::int as delayed"),
            db.raw("coalesce(sum(pc.actions) filter (where pc.latest_status in ('not_started', 'not_reported')), 0)::int as not_started"),
          )
          .groupBy('t.code')
          .orderBy('t.position'),
      );
    },

    async listTargets(): Promise<TargetRow[]> {
      return prepared(db('policy_targets').select('code', 'position', 'title', 'description').orderBy('position'));
    },

    async listGoals(): Promise<GoalRow[]> {
      return prepared(db('operational_goals').select('code', 'target_code', 'text', 'text_confirmed').orderBy('code'));
    },

    async listIndicators(): Promise<IndicatorGoalRow[]> {
      return prepared(db('indicators').select(INDICATOR_GOAL_COLUMNS).orderBy('code'));
    },

    async listCountries(): Promise<CountryRow[]> {
      return prepared(db('countries').select('code', 'name', 'region', 'eu_member', 'joined_on', 'left_on').orderBy('code'));
    },

    /** What a member's page shows: its accepted reports, baselines, newest actions per target and indicator values. */
    async memberPage(countryCode: string, latestPerTarget: number) {
      const { records, ...read } = await together<{
        records: KeptRecords[];
        baseline: BaselineRow[];
        actions: Array<PublicActionRow & { country_name: string }>;
      }>({
        records: keptRecords(countryCode),
        baseline: baselineOf(countryCode),
        actions: latestActions(countryCode, latestPerTarget),
      });
      return { ...read, ...published(records) };
    },

    /** What a member's history shows: every accepted report and indicator value. */
    async memberHistory(countryCode: string) {
      return published(await prepared(keptRecords(countryCode)));
    },

    /**
     * A page of the published actions, by member code and target, in the order of
     * public_action_status_target. The page's ids are counted off that index alone and only
     * they are joined to the actions: planned for a deep page of the view joined whole
     * (PT1's page 100 on the growth data), PostgreSQL joined all 48,000 actions and sorted
     * them (224 ms); counted off the index, 10 ms, and the last page 15. A page past the
     * middle is counted off from the end (`total`, the actions under the filter, says where
     * that is): PT1's last page on the growth data read 12,000 index entries for its 50, now 50.
     */
    async listActions(
      filter: { countryCode?: string; targetCode?: string },
      page: { limit: number; offset: number },
      total: number,
    ): Promise<Array<PublicActionRow & { country_name: string }>> {
      const after = Math.max(0, total - page.offset);
      const fromEnd = after < page.offset;
      const order = fromEnd ? 'desc' : 'asc';
      const ids = db('public_action_status')
        .select('action_id')
        .orderBy([
          { column: 'target_code', order },
          { column: 'country_code', order },
          { column: 'action_id', order },
        ])
        // From the end, the last page holds only what is left after the pages before it.
        .limit(fromEnd ? Math.min(page.limit, after) : page.limit, LIMIT_IN_TEXT)
        .offset(fromEnd ? Math.max(0, after - page.limit) : page.offset);
      if (filter.countryCode) ids.where('country_code', filter.countryCode);
      if (filter.targetCode) ids.where('target_code', filter.targetCode);
      return prepared(
        db
          .from(ids.as('page'))
          .join('public_actions as pa', 'pa.id', 'page.action_id')
          .join('countries as c', 'c.code', 'pa.country_code')
          .select('pa.*', 'c.name as country_name')
          .orderBy([{ column: 'pa.target_code' }, { column: 'pa.country_code' }, { column: 'pa.id' }]),
      );
    },

    /** The most recently accepted reports, for the Atom feed. */
    async listRecentlyAccepted(limit: number): Promise<
      Array<{
        id: number;
        country_code: string;
        country_name: string;
        cycle_slug: string;
        cycle_title: string;
        accepted_at: Date;
        actions: number;
      }>
    > {
      return prepared(
        db('public_reports as pr')
          .join('countries as c', 'c.code', 'pr.country_code')
          .select('pr.id', 'pr.country_code', 'c.name as country_name', 'pr.cycle_slug', 'pr.cycle_title', 'pr.accepted_at')
          .select(db.raw('(select count(*) from actions a where a.pledged_in_report_id = pr.id)::int as actions'))
          .orderBy([
            { column: 'pr.accepted_at', order: 'desc' },
            { column: 'pr.id', order: 'desc' },
          ])
          .limit(limit, LIMIT_IN_TEXT),
      );
    },

    async listCycles(): Promise<CycleRow[]> {
      return prepared(
        db('cycles').select('id', 'slug', 'title', 'kind', 'opens_on', 'due_on', 'closes_on', 'state').orderBy('opens_on', 'desc'),
      );
    },

    /**
     * Everything the accepted reports of a cycle say, read together through the cycle's public
     * reports found once (`pr`). As six reads, one after the other, each through
     * public_reports, the compiled report waited on six round trips, and knex and pg built,
     * sent and parsed each (a quarter of its CPU in `--cpu-prof`).
     */
    async cycleContent(cycleId: number): Promise<CycleContent> {
      return together<CycleContent>(
        {
          reports: db('pr')
            .join('countries as c', 'c.code', 'pr.country_code')
            .select('pr.country_code', 'c.name as country_name', 'pr.text_language')
            .orderBy('pr.country_code'),
          baseline: db('stocktaking_entries as s')
            .join('pr', 'pr.id', 's.report_id')
            .select('pr.country_code', 's.target_code', 's.existing_measures', 's.gaps')
            .orderBy(['pr.country_code', 's.target_code']),
          pledged: db('actions as a')
            .join('pr', 'pr.id', 'a.pledged_in_report_id')
            .select('a.id', 'a.country_code', 'a.target_code', 'a.goal_code', 'a.title', 'a.description', 'a.responsible_body', 'a.due_on')
            .orderBy(['a.country_code', 'a.target_code', 'a.id']),
          updates: db('action_updates as u')
            .join('pr', 'pr.id', 'u.report_id')
            .join('actions as a', 'a.id', 'u.action_id')
            .select(
              'a.country_code',
              'u.action_id',
              'a.title',
              'a.target_code',
              'a.due_on',
              'u.status',
              'u.percent_complete',
              'u.narrative',
            )
            .orderBy(['a.country_code', 'a.target_code', 'a.id']),
          withdrawn: db('actions as a')
            .join('pr', 'pr.id', 'a.withdrawn_in_report_id')
            .select('a.country_code', 'a.id', 'a.title', 'a.target_code', 'a.withdrawal_reason')
            .orderBy(['a.country_code', 'a.id']),
          indicators: db('indicator_values as v')
            .join('pr', 'pr.id', 'v.report_id')
            .join('indicators as i', 'i.code', 'v.indicator_code')
            .select('pr.country_code', 'v.indicator_code', 'i.name as indicator_name', 'i.unit', 'v.value', 'v.note')
            .orderBy(['pr.country_code', 'v.indicator_code']),
        },
        { pr: db('public_reports').select('id', 'country_code', 'text_language').where({ cycle_id: cycleId }) },
      );
    },

    /** One published action (pledged in an accepted report), with its member's name; undefined otherwise. */
    async findAction(
      id: number,
    ): Promise<(PublicActionRow & { country_name: string; pledged_in_cycle_title: string; pledged_at: Date }) | undefined> {
      return prepared(
        db('public_actions as pa')
          .join('countries as c', 'c.code', 'pa.country_code')
          .join('public_reports as pr', 'pr.id', 'pa.pledged_in_report_id')
          .select('pa.*', 'c.name as country_name', 'pr.cycle_title as pledged_in_cycle_title', 'pr.accepted_at as pledged_at')
          .where('pa.id', id)
          .first(),
      );
    },

    /** An action's progress updates in accepted reports, oldest first. */
    async actionHistory(id: number): Promise<
      Array<{
        cycle_slug: string;
        cycle_title: string;
        status: string;
        percent_complete: number | null;
        narrative: string;
        accepted_at: Date;
        text_language: string | null;
      }>
    > {
      return prepared(
        db('action_updates as u')
          .join('public_reports as pr', 'pr.id', 'u.report_id')
          .select('pr.cycle_slug', 'pr.cycle_title', 'u.status', 'u.percent_complete', 'u.narrative', 'pr.accepted_at', 'pr.text_language')
          .where('u.action_id', id)
          .orderBy([{ column: 'pr.cycle_opens_on' }, { column: 'pr.id' }]),
      );
    },

    /** The members expected to report in a cycle and anyone else with an accepted report in it. */
    async listCycleMembers(cycle: CycleRow): Promise<CycleMemberRow[]> {
      return prepared(
        db('countries as c')
          .leftJoin('public_reports as pr', function joinCycle() {
            this.on('pr.country_code', 'c.code').andOn('pr.cycle_id', db.raw('?', [cycle.id]));
          })
          .select('c.code', 'c.name', 'c.region', 'c.eu_member', 'c.joined_on', 'c.left_on', 'pr.submitted_at', 'pr.accepted_at')
          .where((where) => where.whereNotNull('pr.id').orWhereRaw('expected_to_report(c.joined_on, c.left_on, ?)', [cycle.due_on]))
          .orderBy('c.name'),
      );
    },
  };
}

export type PublicQueries = ReturnType<typeof createPublicQueries>;
