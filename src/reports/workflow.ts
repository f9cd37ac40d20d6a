import { authorize, type Actor, type PolicyAction } from '../auth/policy';
import type { AdminQueries } from '../admin/queries';
import type { CycleState, ReportStage, ReportState } from '../domain';
import type { CycleRow, ReportRow } from '../db/rows';
import { AppError, type MessageParams } from '../web/errors';
import type { ReportQueries } from './queries';

// The report workflow: one transition table that every writer goes through — a delegate's
// save and submission, the secretariat's decision, the import — and the cycle's own
// opening and closing. `blockedBy` is pure (it decides from the cycle and the report
// alone) so every rule and refusal is unit-tested without a database; `moveReport` and
// `moveCycle` are the only places that write a state.
//
//   not started ─save/import─▶ draft ─submit─▶ submitted ─accept─▶ accepted
//                                ▲                  │
//                                └─save── returned ◀┘ return

type Transition = {
  /** The states a report may be in, `not_started` when it does not exist yet. */
  from: readonly ReportStage[];
  to: ReportState;
  /** Who may: an action of the access policy. */
  policy: PolicyAction;
  /** The cycle states in which the move is allowed. */
  cycle: readonly CycleState[];
};

export const REPORT_TRANSITIONS = {
  save: { from: ['not_started', 'draft', 'returned'], to: 'draft', policy: 'report.edit', cycle: ['open'] },
  import: { from: ['not_started', 'draft', 'returned'], to: 'draft', policy: 'data.import', cycle: ['open'] },
  submit: { from: ['draft', 'returned'], to: 'submitted', policy: 'report.submit', cycle: ['open'] },
  // Once a cycle closes the secretariat can still decide on what was submitted in time.
  accept: { from: ['submitted'], to: 'accepted', policy: 'review.decide', cycle: ['planned', 'open', 'closed'] },
  return: { from: ['submitted'], to: 'returned', policy: 'review.decide', cycle: ['planned', 'open', 'closed'] },
} as const satisfies Record<string, Transition>;

export type ReportTransition = keyof typeof REPORT_TRANSITIONS;

/**
 * Why a move is not allowed now: a code, whose sentence is msg.workflow.<code> in the
 * locale files, and the values it names (a calendar day or an instant as `date`).
 */
type BlockedCode = 'cycle_planned' | 'cycle_closed' | 'report_submitted' | 'report_accepted' | 'not_submitted' | 'not_started';
export type Blocked = { code: BlockedCode; date: string | Date | null; state?: ReportStage };

/** A refusal as a page says it: its sentence msg.workflow.<code> and the values it names. */
export const blockedMessage = (blocked: Blocked): { key: string; params: MessageParams } => ({
  key: `msg.workflow.${blocked.code}`,
  params: {
    ...(blocked.date ? { date: blocked.date instanceof Date ? blocked.date.toISOString() : blocked.date } : {}),
    ...(blocked.state ? { state: blocked.state } : {}),
  },
});

/** A refusal as the error a page shows (409). */
export const blockedError = (blocked: Blocked) => {
  const { key, params } = blockedMessage(blocked);
  return new AppError(409, blocked.code, key, params);
};

type Situation = {
  cycle: Pick<CycleRow, 'state' | 'opens_on' | 'closes_on'>;
  report: Pick<ReportRow, 'state' | 'submitted_at' | 'reviewed_at'> | undefined;
};

/** Why the cycle or the report's state forbids the move, or null when it may happen. */
export function blockedBy(transition: ReportTransition, { cycle, report }: Situation): Blocked | null {
  const rule: Transition = REPORT_TRANSITIONS[transition];
  if (!rule.cycle.includes(cycle.state)) {
    return cycle.state === 'planned' ? { code: 'cycle_planned', date: cycle.opens_on } : { code: 'cycle_closed', date: cycle.closes_on };
  }
  const stage: ReportStage = report?.state ?? 'not_started';
  if (rule.from.includes(stage)) return null;
  if (stage === 'submitted') {
    return { code: 'report_submitted', date: report?.submitted_at ?? null, state: stage };
  }
  if (stage === 'accepted' && rule.to !== 'accepted' && rule.to !== 'returned') {
    return { code: 'report_accepted', date: report?.reviewed_at ?? null, state: stage };
  }
  if (rule.from.includes('submitted')) return { code: 'not_submitted', date: null, state: stage };
  return { code: 'not_started', date: null, state: stage };
}

/** Whether the user may make the move on this country's report: throws the policy's 403/404. */
export const authorizeMove = (user: Actor, transition: ReportTransition, countryCode: string) => {
  authorize(user, REPORT_TRANSITIONS[transition].policy, { countryCode });
};

/** The one writer of a report's state: the transition's target state, with the version bumped. */
export function moveReport(
  queries: ReportQueries,
  report: ReportRow,
  transition: ReportTransition,
  fields: Parameters<ReportQueries['touchReport']>[1] = {},
): Promise<ReportRow> {
  return queries.touchReport(report.id, { ...fields, state: REPORT_TRANSITIONS[transition].to });
}

// Cycles: planned → open → closed, and a closed cycle may be opened again (a late member).

export const CYCLE_TRANSITIONS = {
  open: { from: ['planned', 'closed'], to: 'open' },
  close: { from: ['open'], to: 'closed' },
  plan: { from: ['open'], to: 'planned' },
} as const satisfies Record<string, { from: readonly CycleState[]; to: CycleState }>;

export type CycleTransition = keyof typeof CYCLE_TRANSITIONS;

/** The move that takes a cycle to `to`, or null when none does from where it is. */
export function cycleMove(from: CycleState, to: CycleState): CycleTransition | null {
  const entry = Object.entries(CYCLE_TRANSITIONS).find(([, rule]) => rule.to === to && (rule.from as readonly CycleState[]).includes(from));
  return entry ? (entry[0] as CycleTransition) : null;
}

/** The one writer of a cycle's state. */
export async function moveCycle(
  queries: Pick<AdminQueries, 'setCycleState'>,
  slug: string,
  transition: CycleTransition,
): Promise<CycleState> {
  const to = CYCLE_TRANSITIONS[transition].to;
  await queries.setCycleState(slug, to);
  return to;
}
