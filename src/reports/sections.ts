import { TARGET_CODES, type CycleKind, type TargetCode } from '../domain';
import type { ActionRow, IndicatorValueRow, StocktakingRow } from '../db/rows';

// The sections of a report, as the delegate's task list shows them, and what makes each
// complete. Pure: decided from the report's content alone (with the progress section's
// pledges in figures, ProgressContent); the submit endpoint refuses a report
// while anything is missing.
//
// Each section is its own page with one form. A save names the sections it touches:
// it conflicts with another save only when that touched the same section (see service).

export type SectionKey = 'about' | `stocktaking-${TargetCode}` | 'actions' | 'progress' | 'summaries' | 'indicators';
type SectionStatus = 'not_started' | 'in_progress' | 'completed' | 'optional' | 'cannot_start';

/** A carried pledge as the progress section sees it: open (needs an update), or closed and why. */
export type CarriedState = 'open' | 'reopened' | 'completed' | 'withdrawn_earlier' | 'withdrawn_here';

/** The states of a carried pledge that take an update in this report (the others are closed). */
const NEEDS_UPDATE: readonly CarriedState[] = ['open', 'reopened'];

/** Whether a carried pledge needs an update in this report. */
export const needsUpdate = (state: CarriedState) => NEEDS_UPDATE.includes(state);

/**
 * Where a carried pledge stands in a report, from what accepted reports left (withdrawn by
 * one, or completed by its latest accepted update before this cycle) and what this report
 * does to it: a withdrawal in this report (even once it is accepted) comes first; a pledge
 * completed earlier that this report updates again is reopened.
 */
export function carriedState(
  pledge: { withdrawnEarlier: boolean; completedEarlier: boolean },
  here: { updated: boolean; withdrawn: boolean },
): CarriedState {
  if (here.withdrawn) return 'withdrawn_here';
  if (pledge.withdrawnEarlier) return 'withdrawn_earlier';
  if (pledge.completedEarlier) return here.updated ? 'reopened' : 'completed';
  return 'open';
}

/**
 * The progress section as the rules read it. A report may carry hundreds of pledges, so the
 * rules read them in figures (./carried, `tallyOf`, from each pledge's state and
 * NEEDS_UPDATE): how many lack the update they need, how many updates and withdrawals the
 * report holds. `unfilled` lists those lacking one with their place in the report's order:
 * all of them when the page read every pledge (check your answers, a submission), else the
 * first.
 */
type ProgressContent = {
  missing: number;
  updates: number;
  withdrawnHere: number;
  unfilled: ReadonlyArray<{ id: number; title: string; position: number }>;
};

/** What the rules read: the report's content, and the progress section's figures. */
export type SectionContent = {
  kind: CycleKind;
  textLanguage: string | null;
  stocktaking: Array<StocktakingRow & { no_action_reason: string }>;
  pledged: Array<Pick<ActionRow, 'id' | 'target_code'>>;
  progress: ProgressContent;
  indicatorValues: Array<Pick<IndicatorValueRow, 'indicator_code'>>;
  summaries: Array<{ target_code: string }>;
  indicators: ReadonlyArray<{ code: string; name: string }>;
};

/**
 * One thing that stops a submission: its message (with values), the section, and the page
 * (relative to the report) and field that fix it.
 */
export type MissingItem = { message: string; params: Record<string, string>; section: SectionKey; path: string; field: string };

/** A section's (first) page, relative to the report: `stocktaking/PT1`. */
export const sectionPath = (section: SectionKey): string =>
  section.startsWith('stocktaking-') ? `stocktaking/${section.slice('stocktaking-'.length)}` : section;

/**
 * How many earlier pledges a page of the progress section holds. A member's pledges add
 * up over the years (hundreds after two decades), and one form for all of them grows past
 * what a browser sends in one save; ten a page keep each page and each save small.
 */
export const PLEDGES_PER_PAGE = 10;

/** How many pages the progress section has for this many carried pledges (at least one). */
export const progressPages = (carried: number) => Math.max(1, Math.ceil(carried / PLEDGES_PER_PAGE));

/**
 * The progress section's page, relative to the report: `progress`, `progress/2`… A pledge
 * stays on one page for the whole report, whatever happens to it: pages hold every carried
 * pledge in the report's order (target, then when it was pledged), open or closed.
 */
export const progressPath = (page: number) => (page === 1 ? 'progress' : `progress/${page}`);

/** The page that shows the carried pledge at this place (from 0) in the report's order. */
export const progressPageAt = (index: number) => Math.floor(index / PLEDGES_PER_PAGE) + 1;

/** The field of a carried pledge's update that a missing update points to: `updates-a12-status`. */
const updateField = (actionId: number) => `updates-a${actionId}-status`;

/** Where the progress section shows the carried pledge at this place, relative to the report: `progress/3#carried-12`. */
export const carriedPath = (actionId: number, position: number) => `${progressPath(progressPageAt(position))}#carried-${actionId}`;

/** Where a carried pledge's missing update is filled in, relative to the report: `progress/3#updates-a12-status`. */
export const missingUpdatePath = (actionId: number, position: number) =>
  `${progressPath(progressPageAt(position))}#${updateField(actionId)}`;

/** Where each of these carried pledges is shown (those unknown: on the first page). */
export function carriedPaths(carried: ReadonlyArray<{ id: number; position: number }>): (actionId: number) => string {
  const positions = new Map(carried.map((action) => [action.id, action.position]));
  return (actionId) => carriedPath(actionId, positions.get(actionId) ?? 0);
}

/** The sections of a report of this kind, in the order the task list gives them. */
export function sectionsOf(kind: CycleKind): SectionKey[] {
  return kind === 'commitments'
    ? ['about', ...TARGET_CODES.map((code) => `stocktaking-${code}` as const), 'actions', 'indicators']
    : ['about', 'progress', 'summaries', 'indicators', 'actions'];
}

/** Everything that stops the report from being submitted, in task-list order. */
export function missingItems(content: SectionContent): MissingItem[] {
  const missing: MissingItem[] = [];
  const add = (item: Omit<MissingItem, 'path'>) => missing.push({ ...item, path: sectionPath(item.section) });
  if (!content.textLanguage) add({ message: 'msg.workspace.missing.language', params: {}, section: 'about', field: 'about-text_language' });
  if (content.kind === 'commitments') {
    for (const code of TARGET_CODES) {
      const entry = content.stocktaking.find((row) => row.target_code === code);
      if (!entry?.existing_measures)
        add({
          message: 'msg.describe_measures_already_place_code_title',
          params: { code, title: code },
          section: `stocktaking-${code}`,
          field: `baseline-${code}-existing`,
        });
    }
    for (const code of TARGET_CODES) {
      const entry = content.stocktaking.find((row) => row.target_code === code);
      if (!content.pledged.some((action) => action.target_code === code) && !entry?.no_action_reason)
        add({
          message: 'msg.workspace.missing.pledge_or_reason',
          params: { code, title: code },
          section: 'actions',
          field: `target-${code}`,
        });
    }
    return missing;
  }
  for (const action of content.progress.unfilled)
    missing.push({
      message: 'msg.give_progress_update_title',
      params: { title: action.title },
      section: 'progress',
      path: progressPath(progressPageAt(action.position)),
      field: updateField(action.id),
    });
  for (const code of TARGET_CODES) {
    if (!content.summaries.some((summary) => summary.target_code === code))
      add({
        message: 'msg.workspace.missing.summary',
        params: { code, title: code },
        section: 'summaries',
        field: `summaries-${code}`,
      });
  }
  for (const indicator of content.indicators) {
    if (!content.indicatorValues.some((value) => value.indicator_code === indicator.code))
      add({
        message: 'msg.workspace.missing.indicator',
        params: { name: indicator.name, code: indicator.code },
        section: 'indicators',
        field: `indicators-${indicator.code}-value`,
      });
  }
  return missing;
}

/** Whether anything was saved in the section yet. */
function started(section: SectionKey, content: SectionContent): boolean {
  if (section === 'about') return content.textLanguage !== null;
  if (section.startsWith('stocktaking-')) return content.stocktaking.some((row) => `stocktaking-${row.target_code}` === section);
  if (section === 'actions')
    return content.pledged.length > 0 || (content.kind === 'commitments' && content.stocktaking.some((row) => row.no_action_reason));
  if (section === 'progress') return content.progress.updates > 0 || content.progress.withdrawnHere > 0;
  if (section === 'summaries') return content.summaries.length > 0;
  return content.indicatorValues.length > 0;
}

/**
 * A section's status on the task list, what it still misses (of `missing`) and how many
 * things that is (the progress section's pledges are counted, not all listed).
 */
export function sectionStatus(section: SectionKey, content: SectionContent, missing: MissingItem[]) {
  const own = missing.filter((item) => item.section === section);
  const count = section === 'progress' ? content.progress.missing : own.length;
  const optional = content.kind === 'progress' ? section === 'actions' : section === 'indicators';
  let status: SectionStatus;
  if (count === 0) status = started(section, content) ? 'completed' : optional ? 'optional' : 'completed';
  else status = started(section, content) ? 'in_progress' : 'not_started';
  return { status, missing: own, count };
}
