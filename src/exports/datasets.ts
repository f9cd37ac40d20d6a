// The exported files: their columns (the data dictionary) and the SQL that produces
// them. One definition serves the secretariat's exports (every report, with filters)
// and the public open data (accepted reports only), as CSV or JSON.

type ColumnType = 'string' | 'integer' | 'number' | 'date' | 'datetime' | 'boolean';
export type Column = { name: string; type: ColumnType; description: string };

export type ExportFilters = { cycle?: string; country?: string; target?: string; state?: 'draft' | 'submitted' | 'returned' | 'accepted' };

type QueryOptions = {
  filters: ExportFilters;
  /** Only what the public may see: accepted reports. */
  publicOnly: boolean;
  /** Text cells go through csv_safe() against formula injection. */
  forCsv: boolean;
};

export type Dataset = {
  name: 'actions' | 'updates' | 'submissions' | 'indicators' | 'members';
  title: string;
  description: string;
  /** Whether the public open data has this file. */
  public: boolean;
  /** Whether the secretariat's exports have this file. */
  staff: boolean;
  columns: Column[];
  query(options: QueryOptions): { sql: string; bindings: Array<string | number> };
};

type Where = { clauses: string[]; bindings: Array<string | number> };

function where(options: QueryOptions, columns: Partial<Record<keyof ExportFilters, string>>, reportState?: string): Where {
  const clauses: string[] = [];
  const bindings: Array<string | number> = [];
  for (const key of ['cycle', 'country', 'target', 'state'] as const) {
    const value = options.filters[key];
    const column = columns[key];
    if (value !== undefined && column) {
      clauses.push(`${column} = ?`);
      bindings.push(value);
    }
  }
  if (options.publicOnly && reportState) clauses.push(`${reportState} = 'accepted'`);
  return { clauses, bindings };
}

const whereSql = (clauses: string[]) => (clauses.length ? `where ${clauses.join(' and ')}` : '');
const textOf = (options: QueryOptions) => (expression: string) => (options.forCsv ? `csv_safe(${expression})` : expression);
// COPY writes booleans as t/f; the files say true/false, JSON keeps real booleans.
const booleanOf = (options: QueryOptions) => (expression: string) => (options.forCsv ? `(${expression})::text` : expression);

const COUNTRY_CODE: Column = { name: 'country_code', type: 'string', description: 'msg.iso_3166_1_alpha_2_code_3' };
const COUNTRY_NAME: Column = { name: 'country_name', type: 'string', description: 'msg.name_of_the_member' };
const CYCLE: Column = { name: 'cycle', type: 'string', description: 'msg.reporting_cycle_report' };

/** An instant as ISO 8601 in UTC, the same in CSV and JSON. */
const isoUtc = (expression: string) => `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

export const ACTION_COLUMNS: Column[] = [
  { name: 'action_id', type: 'integer', description: 'msg.identifier_action_tracker' },
  { name: 'country_code', type: 'string', description: 'msg.iso_3166_1_alpha_2_code_2' },
  COUNTRY_NAME,
  { name: 'target_code', type: 'string', description: 'msg.policy_target_action_serves_pt1_pt4' },
  { name: 'goal_code', type: 'string', description: 'msg.operational_goal_such_1_1_empty' },
  { name: 'title', type: 'string', description: 'msg.title_action_member_wrote' },
  { name: 'description', type: 'string', description: 'msg.description_of_the_action' },
  { name: 'responsible_body', type: 'string', description: 'msg.body_responsible_action' },
  { name: 'due_on', type: 'date', description: 'msg.date_action_due_yyyy_mm_dd' },
  { name: 'pledged_in_cycle', type: 'string', description: 'msg.reporting_cycle_report_pledged_action' },
  { name: 'report_state', type: 'string', description: 'msg.state_pledging_report_draft_submitted_returned' },
  { name: 'latest_status', type: 'string', description: 'msg.status_latest_update_not_started_progress' },
  { name: 'latest_percent_complete', type: 'integer', description: 'msg.percent_complete_latest_update_0_100' },
  { name: 'latest_update_cycle', type: 'string', description: 'msg.reporting_cycle_latest_update' },
  { name: 'withdrawn_in_cycle', type: 'string', description: 'msg.reporting_cycle_which_action_was_withdrawn' },
  { name: 'withdrawal_reason', type: 'string', description: 'msg.why_action_was_withdrawn' },
];

const actions: Dataset = {
  name: 'actions',
  title: 'Pledged actions',
  description: 'One row per pledged action, with its latest status.',
  public: true,
  staff: true,
  columns: ACTION_COLUMNS,
  query(options) {
    const text = textOf(options);
    const filter = where(options, { cycle: 'pc.slug', country: 'a.country_code', target: 'a.target_code', state: 'pr.state' }, 'pr.state');
    const columns = (latest: string, withdrawn: string) => `select a.id as action_id, a.country_code, ${text('c.name')} as country_name,
          a.target_code, a.goal_code, ${text('a.title')} as title, ${text('a.description')} as description,
          ${text('a.responsible_body')} as responsible_body, a.due_on, pc.slug as pledged_in_cycle, pr.state as report_state,
          ${latest}, case when ${withdrawn} then wc.slug end as withdrawn_in_cycle,
          case when ${withdrawn} then ${text('a.withdrawal_reason')} end as withdrawal_reason`;
    const joins = `join countries c on c.code = a.country_code
        join reports pr on pr.id = a.pledged_in_report_id
        join cycles pc on pc.id = pr.cycle_id
        left join reports wr on wr.id = a.withdrawn_in_report_id
        left join cycles wc on wc.id = wr.cycle_id`;
    // Open data reads each published action's latest accepted update from the status the
    // database keeps (public_action_status), where a withdrawal counts once accepted; the
    // staff's file looks for the latest update in any report.
    const sql = options.publicOnly
      ? `${columns(
          's.latest_update_status as latest_status, s.latest_percent_complete, s.latest_cycle_slug as latest_update_cycle',
          's.withdrawn_in_report_id is not null',
        )}
        from public_action_status s
        join actions a on a.id = s.action_id
        ${joins}`
      : `${columns('latest.status as latest_status, latest.percent_complete as latest_percent_complete, latest.cycle_slug as latest_update_cycle', 'wr.id is not null')}
        from actions a
        ${joins}
        left join lateral (
          select u.status, u.percent_complete, cy.slug as cycle_slug
          from action_updates u join reports r on r.id = u.report_id join cycles cy on cy.id = r.cycle_id
          where u.action_id = a.id
          order by cy.opens_on desc, r.id desc limit 1
        ) latest on true`;
    return { sql: `${sql} ${whereSql(filter.clauses)} order by a.country_code, a.id`, bindings: filter.bindings };
  },
};

const updates: Dataset = {
  name: 'updates',
  title: 'Progress updates',
  description: 'One row per update on an action in a report, with the cycle and the report state.',
  public: true,
  staff: true,
  columns: [
    CYCLE,
    COUNTRY_CODE,
    COUNTRY_NAME,
    { name: 'report_state', type: 'string', description: 'msg.state_report_draft_submitted_returned_accepted' },
    { name: 'action_id', type: 'integer', description: 'msg.identifier_action_see_actions' },
    { name: 'action_title', type: 'string', description: 'msg.title_of_the_action' },
    { name: 'target_code', type: 'string', description: 'msg.policy_target_action' },
    { name: 'status', type: 'string', description: 'msg.not_started_progress_completed_delayed_withdrawn' },
    { name: 'percent_complete', type: 'integer', description: 'msg.percent_complete_0_100_empty_when' },
    { name: 'narrative', type: 'string', description: 'msg.what_happened_since_previous_report_member' },
    { name: 'submitted_at', type: 'datetime', description: 'msg.when_report_was_submitted_utc_iso' },
  ],
  query(options) {
    const text = textOf(options);
    const filter = where(options, { cycle: 'cy.slug', country: 'u.country_code', target: 'a.target_code', state: 'r.state' }, 'r.state');
    return {
      sql: `select cy.slug as cycle, u.country_code, ${text('c.name')} as country_name, r.state as report_state,
          u.action_id, ${text('a.title')} as action_title, a.target_code, u.status, u.percent_complete,
          ${text('u.narrative')} as narrative, ${isoUtc('r.submitted_at')} as submitted_at
        from action_updates u
        join reports r on r.id = u.report_id
        join cycles cy on cy.id = r.cycle_id
        join actions a on a.id = u.action_id
        join countries c on c.code = u.country_code
        ${whereSql(filter.clauses)}
        order by cy.opens_on, u.country_code, u.action_id`,
      bindings: filter.bindings,
    };
  },
};

const submissions: Dataset = {
  name: 'submissions',
  title: 'Submissions per member and cycle',
  description: 'One row per member and reporting cycle: the state of its report, when it was submitted and reviewed, on time or late.',
  public: false,
  staff: true,
  columns: [
    { name: 'cycle', type: 'string', description: 'msg.reporting_cycle' },
    { name: 'due_on', type: 'date', description: 'msg.due_date_cycle' },
    COUNTRY_CODE,
    COUNTRY_NAME,
    { name: 'state', type: 'string', description: 'msg.not_started_draft_submitted_returned_accepted' },
    { name: 'first_submitted_at', type: 'datetime', description: 'msg.first_submission_utc_decides_time_late' },
    { name: 'submitted_at', type: 'datetime', description: 'msg.latest_submission_utc' },
    { name: 'on_time', type: 'boolean', description: 'msg.true_when_first_submitted_before_due' },
    { name: 'reviewed_at', type: 'datetime', description: 'msg.latest_review_decision_utc' },
    { name: 'reviewer', type: 'string', description: 'msg.who_made_latest_review_decision' },
    { name: 'review_comment', type: 'string', description: 'msg.comment_given_when_report_was_returned' },
  ],
  query(options) {
    const text = textOf(options);
    const filter = where(options, { cycle: 'cy.slug', country: 'c.code', state: "coalesce(r.state, 'not_started')" });
    return {
      sql: `select cy.slug as cycle, cy.due_on, c.code as country_code, ${text('c.name')} as country_name,
          coalesce(r.state, 'not_started') as state, ${isoUtc('first.at')} as first_submitted_at, ${isoUtc('r.submitted_at')} as submitted_at,
          ${booleanOf(options)("case when first.at is null then null else (first.at at time zone 'UTC')::date <= cy.due_on end")} as on_time,
          ${isoUtc('r.reviewed_at')} as reviewed_at, ${text('reviewer.name')} as reviewer, ${text('r.review_comment')} as review_comment
        from cycles cy
        join countries c on true
        left join reports r on r.country_code = c.code and r.cycle_id = cy.id
        left join users reviewer on reviewer.id = r.reviewed_by
        left join lateral (select coalesce(min(s.submitted_at), r.submitted_at) as at from report_submissions s where s.report_id = r.id) first on true
        where (r.id is not null or expected_to_report(c.joined_on, c.left_on, cy.due_on))
        ${filter.clauses.length ? `and ${filter.clauses.join(' and ')}` : ''}
        order by cy.opens_on, c.code`,
      bindings: filter.bindings,
    };
  },
};

const indicators: Dataset = {
  name: 'indicators',
  title: 'Indicator values',
  description: 'One row per indicator value in a report.',
  public: true,
  staff: true,
  columns: [
    CYCLE,
    COUNTRY_CODE,
    COUNTRY_NAME,
    { name: 'report_state', type: 'string', description: 'msg.state_of_the_report' },
    { name: 'indicator_code', type: 'string', description: 'msg.victims_identified_cases_investigated_offenders_prosecuted' },
    { name: 'indicator_name', type: 'string', description: 'msg.what_the_indicator_measures' },
    { name: 'unit', type: 'string', description: 'msg.unit_of_the_value' },
    { name: 'value', type: 'number', description: 'msg.the_value_reported' },
    { name: 'note', type: 'string', description: 'msg.source_note_given_value' },
    { name: 'goal_code', type: 'string', description: 'msg.dictionary.goal_code' },
    { name: 'goal_annual_change', type: 'number', description: 'msg.dictionary.goal_annual_change' },
    { name: 'goal_source', type: 'string', description: 'msg.dictionary.goal_source' },
  ],
  query(options) {
    const text = textOf(options);
    const filter = where(options, { cycle: 'cy.slug', country: 'r.country_code', state: 'r.state' }, 'r.state');
    return {
      sql: `select cy.slug as cycle, r.country_code, ${text('c.name')} as country_name, r.state as report_state,
          v.indicator_code, ${text('i.name')} as indicator_name, i.unit, v.value, ${text('v.note')} as note,
          i.goal_code, i.goal_annual_change, ${text('i.goal_source')} as goal_source
        from indicator_values v
        join reports r on r.id = v.report_id
        join cycles cy on cy.id = r.cycle_id
        join countries c on c.code = r.country_code
        join indicators i on i.code = v.indicator_code
        ${whereSql(filter.clauses)}
        order by cy.opens_on, r.country_code, v.indicator_code`,
      bindings: filter.bindings,
    };
  },
};

const members: Dataset = {
  name: 'members',
  title: 'Members',
  description: 'One row per member of the Alliance.',
  public: true,
  staff: false,
  columns: [
    { name: 'country_code', type: 'string', description: 'msg.iso_3166_1_alpha_2_code' },
    COUNTRY_NAME,
    { name: 'region', type: 'string', description: 'msg.africa_americas_asia_pacific_europe_middle' },
    { name: 'eu_member', type: 'boolean', description: 'msg.whether_was_eu_member_state_when' },
    { name: 'joined_on', type: 'date', description: 'msg.when_joined_empty_when_not_known' },
    { name: 'left_on', type: 'date', description: 'msg.when_left_empty_while_member' },
  ],
  query(options) {
    const text = textOf(options);
    return {
      sql: `select code as country_code, ${text('name')} as country_name, region, ${booleanOf(options)('eu_member')} as eu_member, joined_on, left_on from countries order by code`,
      bindings: [],
    };
  },
};

export const DATASETS: Dataset[] = [actions, updates, submissions, indicators, members];
export const datasetNamed = (name: string) => DATASETS.find((dataset) => dataset.name === name);
