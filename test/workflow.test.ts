import type { CycleState, ReportState } from '../src/domain';
import { blockedBy, CYCLE_TRANSITIONS, cycleMove, REPORT_TRANSITIONS, type ReportTransition } from '../src/reports/workflow';

// Every report transition from every state, in every cycle state: what is allowed, and
// why the rest is refused. Pure functions: no database.

const cycle = (state: CycleState) => ({ state, opens_on: '2014-01-01', closes_on: '2014-12-31' });
const report = (state: ReportState | 'not_started') =>
  state === 'not_started'
    ? undefined
    : { state, submitted_at: new Date('2014-06-01T10:00:00Z'), reviewed_at: new Date('2014-07-01T10:00:00Z') };

const STAGES = ['not_started', 'draft', 'submitted', 'returned', 'accepted'] as const;

// In an open cycle: the code of the refusal, or null where the move is allowed.
const OPEN_CYCLE: Record<ReportTransition, Record<(typeof STAGES)[number], string | null>> = {
  save: { not_started: null, draft: null, submitted: 'report_submitted', returned: null, accepted: 'report_accepted' },
  import: { not_started: null, draft: null, submitted: 'report_submitted', returned: null, accepted: 'report_accepted' },
  submit: { not_started: 'not_started', draft: null, submitted: 'report_submitted', returned: null, accepted: 'report_accepted' },
  accept: { not_started: 'not_submitted', draft: 'not_submitted', submitted: null, returned: 'not_submitted', accepted: 'not_submitted' },
  return: { not_started: 'not_submitted', draft: 'not_submitted', submitted: null, returned: 'not_submitted', accepted: 'not_submitted' },
};

describe('the report workflow', () => {
  const table = Object.entries(OPEN_CYCLE).flatMap(([transition, byStage]) =>
    STAGES.map((stage) => [transition as ReportTransition, stage, byStage[stage]] as const),
  );

  it.each(table)('in an open cycle, %s from %s → %s', (transition, stage, expected) => {
    expect(blockedBy(transition, { cycle: cycle('open'), report: report(stage) })?.code ?? null).toBe(expected);
  });

  it.each(['save', 'import', 'submit'] as const)(
    '%s is refused while the cycle is planned or closed, saying when it opens or closed',
    (transition) => {
      for (const stage of STAGES) {
        expect(blockedBy(transition, { cycle: cycle('planned'), report: report(stage) })).toMatchObject({
          code: 'cycle_planned',
          date: '2014-01-01',
        });
        expect(blockedBy(transition, { cycle: cycle('closed'), report: report(stage) })).toMatchObject({
          code: 'cycle_closed',
          date: '2014-12-31',
        });
      }
    },
  );

  it.each(['accept', 'return'] as const)('the secretariat may still %s a submitted report once the cycle has closed', (transition) => {
    expect(blockedBy(transition, { cycle: cycle('closed'), report: report('submitted') })).toBeNull();
  });

  it('moves each report to the state the table names', () => {
    expect(Object.fromEntries(Object.entries(REPORT_TRANSITIONS).map(([name, rule]) => [name, rule.to]))).toEqual({
      save: 'draft',
      import: 'draft',
      submit: 'submitted',
      accept: 'accepted',
      return: 'returned',
    });
  });

  it('says when a submitted or accepted report was locked', () => {
    expect(blockedBy('save', { cycle: cycle('open'), report: report('submitted') })?.date).toEqual(new Date('2014-06-01T10:00:00Z'));
    expect(blockedBy('save', { cycle: cycle('open'), report: report('accepted') })?.date).toEqual(new Date('2014-07-01T10:00:00Z'));
  });

  it('opens a planned or closed cycle, closes an open one, and refuses every other change', () => {
    const states = ['planned', 'open', 'closed'] as const;
    const moves = states.flatMap((from) => states.map((to) => `${from}→${to}:${cycleMove(from, to) ?? '-'}`));
    expect(moves).toEqual([
      'planned→planned:-',
      'planned→open:open',
      'planned→closed:-',
      'open→planned:plan',
      'open→open:-',
      'open→closed:close',
      'closed→planned:-',
      'closed→open:open',
      'closed→closed:-',
    ]);
    expect(Object.keys(CYCLE_TRANSITIONS)).toEqual(['open', 'close', 'plan']);
  });
});
