import { diffWords } from 'diff';
import type { UpdateStatus } from '../domain';
import { shareOfPercent } from '../i18n';
import type { SubmissionContent } from '../reports/submission';
import { withLineFeeds } from '../web/forms';

// What changed between two versions of a report, item by item, for the reviewer: each
// changed text as word-level differences, each changed fact before → now, nothing marked
// that did not change, and flags on what a reviewer must look at.

/** A run of words: kept, added or removed. */
export type Segment = { text: string; change: 'added' | 'removed' | null };

type Fact = { label: string; before: string | number | null; now: string | number | null; format?: 'date' | 'number' | 'percent' };
type TextChange = { label: string; segments: Segment[] };
type Flag = 'status_backwards' | 'percent_fell' | 'indicator_jump' | 'due_later' | 'withdrawn';

export type ComparedItem = {
  id: string;
  /** A message key and its values: "Baseline, PT1", "Pledge “…”", an indicator's name. */
  heading: { message: string; params: Record<string, string> };
  state: 'new' | 'changed' | 'unchanged';
  facts: Fact[];
  texts: TextChange[];
  flags: Flag[];
};

/** The version under review: the submission's content, and the earlier pledges it carries (withdrawn in this report or not). */
export type CurrentContent = SubmissionContent & { carried: Array<{ id: number; title: string; withdrawn: boolean }> };

/** How far along a status is: a move to a lower rank goes backwards. */
const RANK: Record<UpdateStatus, number> = { not_started: 0, in_progress: 1, delayed: 1, completed: 2, withdrawn: 2 };

/** An indicator moving more than this share from the earlier value is flagged. */
const INDICATOR_JUMP = 0.25;

/** The item "progress on this earlier pledge", as the comparison and the questions name it. */
const progressItem = (actionId: number) => `update-${actionId}`;

/** The earlier pledge an item is the progress of, or null when it is about something else. */
export function pledgeOfItem(item: string): number | null {
  const match = /^update-(\d+)$/.exec(item);
  return match ? Number(match[1]) : null;
}

export function wordDiff(before: string, now: string): Segment[] {
  return diffWords(before, now).map((part) => ({ text: part.value, change: part.added ? 'added' : part.removed ? 'removed' : null }));
}

/** The changed texts among these pairs, each as its word differences (line breaks written either way are the same). */
function changedTexts(pairs: Array<[label: string, before: string | undefined, now: string]>): TextChange[] {
  return pairs
    .map(([label, before, now]) => [label, withLineFeeds(before ?? ''), withLineFeeds(now)] as const)
    .filter(([, before, now]) => before !== now)
    .map(([label, before, now]) => ({ label, segments: wordDiff(before, now) }));
}

const changedFacts = (facts: Fact[]) => facts.filter((fact) => String(fact.before ?? '') !== String(fact.now ?? ''));

function item(
  id: string,
  heading: ComparedItem['heading'],
  isNew: boolean,
  facts: Fact[],
  texts: TextChange[],
  flags: Flag[],
): ComparedItem {
  const changed = isNew || facts.length > 0 || texts.length > 0;
  return { id, heading, state: isNew ? 'new' : changed ? 'changed' : 'unchanged', facts, texts, flags };
}

/**
 * Every item of the current version beside the previous one (a returned version, or the
 * last accepted report). Without a previous version there is nothing to compare: [].
 */
export function compareVersions(
  current: CurrentContent,
  previous: SubmissionContent | null,
  indicatorNames: Map<string, string>,
): ComparedItem[] {
  if (!previous) return [];
  // Looked up by key: a report of twenty years carries some 800 pledges, each with its update.
  const byKey = <T>(rows: T[], keyOf: (row: T) => string | number) => new Map(rows.map((row) => [keyOf(row), row]));
  const pledgedBefore = byKey(previous.pledged, (row) => row.id);
  const updateNow = byKey(current.updates, (update) => update.action_id);
  const updateBefore = byKey(previous.updates, (update) => update.action_id);
  const withdrawnBefore = new Set(previous.withdrawn.map((row) => row.id));
  const baseline = current.baseline.map((entry) => {
    const before = previous.baseline.find((row) => row.target_code === entry.target_code);
    return item(
      `baseline-${entry.target_code}`,
      { message: 'msg.compare.baseline', params: { target: entry.target_code } },
      !before,
      [],
      before
        ? changedTexts([
            ['msg.compare.existing', before.existing_measures, entry.existing_measures],
            ['msg.compare.gaps', before.gaps, entry.gaps],
          ])
        : [],
      [],
    );
  });

  const pledged = current.pledged.map((action) => {
    const before = pledgedBefore.get(action.id);
    const later = Boolean(before?.due_on && (action.due_on === null || action.due_on > before.due_on));
    return item(
      `action-${action.id}`,
      { message: 'msg.compare.pledge', params: { title: action.title } },
      !before,
      before ? changedFacts([{ label: 'msg.compare.due', before: before.due_on, now: action.due_on, format: 'date' }]) : [],
      before
        ? changedTexts([
            ['msg.compare.title', before.title, action.title],
            ['msg.compare.description', before.description, action.description],
            ['msg.compare.responsible', before.responsible_body, action.responsible_body],
          ])
        : [],
      later ? ['due_later'] : [],
    );
  });

  const updates = current.carried.map((action) => {
    const now = updateNow.get(action.id);
    const before = updateBefore.get(action.id);
    const wasWithdrawn = withdrawnBefore.has(action.id);
    const flags: Flag[] = [];
    if (action.withdrawn && !wasWithdrawn) flags.push('withdrawn');
    if (now && before && RANK[now.status] < RANK[before.status]) flags.push('status_backwards');
    if (now?.percent_complete != null && before?.percent_complete != null && now.percent_complete < before.percent_complete)
      flags.push('percent_fell');
    const status = (update: typeof now) => (update ? `status.${update.status}` : null);
    // A first update of a pledge: shown as it is, nothing to mark.
    const first = !before && now !== undefined;
    return item(
      progressItem(action.id),
      { message: 'msg.compare.progress', params: { title: action.title } },
      first,
      changedFacts([
        { label: 'msg.compare.status', before: status(before), now: action.withdrawn ? 'status.withdrawn' : status(now) },
        {
          label: 'msg.compare.percent',
          before: shareOfPercent(before?.percent_complete),
          now: shareOfPercent(now?.percent_complete),
          format: 'percent',
        },
      ]),
      first
        ? [{ label: 'msg.compare.narrative', segments: [{ text: now.narrative, change: null }] }]
        : changedTexts([['msg.compare.narrative', before?.narrative, now?.narrative ?? '']]),
      flags,
    );
  });

  const indicators = current.indicators.map((value) => {
    const before = previous.indicators.find((row) => row.indicator_code === value.indicator_code);
    // "Not available" (null) on either side is a change of fact, not a jump.
    const moved =
      before?.value != null && value.value !== null && before.value !== 0
        ? Math.abs(value.value - before.value) / Math.abs(before.value)
        : 0;
    return item(
      `indicator-${value.indicator_code}`,
      { message: 'msg.compare.indicator', params: { name: indicatorNames.get(value.indicator_code) ?? value.indicator_code } },
      !before,
      before ? changedFacts([{ label: 'msg.compare.value', before: before.value, now: value.value, format: 'number' }]) : [],
      before ? changedTexts([['msg.compare.note', before.note, value.note]]) : [],
      moved > INDICATOR_JUMP ? ['indicator_jump'] : [],
    );
  });

  const summaries = current.summaries.map((entry) => {
    const before = previous.summaries.find((row) => row.target_code === entry.target_code);
    return item(
      `summary-${entry.target_code}`,
      { message: 'msg.compare.summary', params: { target: entry.target_code } },
      !before,
      [],
      before ? changedTexts([['msg.compare.summary_text', before.summary, entry.summary]]) : [],
      [],
    );
  });

  return [...baseline, ...pledged, ...updates, ...summaries, ...indicators];
}

/** Every item of a report a question can be about, with where the delegate's workspace shows it (relative to the report). */
export function itemsOf(
  current: CurrentContent,
  indicatorNames: Map<string, string>,
  /** Where the progress section shows a carried pledge (it has a page of its own among many). */
  carriedAnchor: (actionId: number) => string = (actionId) => `progress#carried-${actionId}`,
): Array<{ id: string; heading: ComparedItem['heading']; anchor: string }> {
  return [
    ...current.baseline.map((entry) => ({
      id: `baseline-${entry.target_code}`,
      heading: { message: 'msg.compare.baseline', params: { target: entry.target_code } },
      anchor: `stocktaking/${entry.target_code}#baseline-${entry.target_code}-existing`,
    })),
    ...current.pledged.map((action) => ({
      id: `action-${action.id}`,
      heading: { message: 'msg.compare.pledge', params: { title: action.title } },
      anchor: `actions/${action.id}`,
    })),
    ...current.carried.map((action) => ({
      id: progressItem(action.id),
      heading: { message: 'msg.compare.progress', params: { title: action.title } },
      anchor: carriedAnchor(action.id),
    })),
    ...current.summaries.map((entry) => ({
      id: `summary-${entry.target_code}`,
      heading: { message: 'msg.compare.summary', params: { target: entry.target_code } },
      anchor: `summaries#summaries-${entry.target_code}`,
    })),
    ...current.indicators.map((value) => ({
      id: `indicator-${value.indicator_code}`,
      heading: { message: 'msg.compare.indicator', params: { name: indicatorNames.get(value.indicator_code) ?? value.indicator_code } },
      anchor: `indicators#indicators-${value.indicator_code}-value`,
    })),
  ];
}
