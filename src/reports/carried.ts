import { perVersion, type DataVersion } from '../db/data-version';
import type { Database } from '../db/knex';
import type { CycleRow } from '../db/rows';
import { createReportQueries, type CarriedPledge, type CarriedRow, type DraftMarks, type ReportQueries } from './queries';
import { carriedState, needsUpdate, PLEDGES_PER_PAGE, type CarriedState } from './sections';

// The earlier pledges a progress report carries, as its pages count and show them. A member
// may carry hundreds after some years (800 on bench:growth's data). What accepted reports
// left of them (CarriedPledge) changes only when the public data version moves, so the
// report pages read it once per version and member and cycle; what the report itself does
// to them (DraftMarks: the pledges it updates and withdraws) is read on every page, from
// two indexes. Each page then places, counts and picks its pledges here, and reads in full
// only those it shows. (PostgreSQL placed and counted all 800 on every page before: about
// 1 ms of its CPU a page, which grew with the years; docs/performance.md.)

/** A carried pledge in a report: its place in the report's order (from 0), where it stands, whether it lacks its update. */
export type PlacedPledge = { id: number; title: string; position: number; state: CarriedState; missing: boolean };

/** A carried pledge that still lacks the update it needs: which, and its place. */
type MissingPledge = Pick<PlacedPledge, 'id' | 'title' | 'position'>;

/**
 * A progress report's carried pledges in figures, as every page of it needs them: how many
 * (its pages), how many still lack their update, how many updates and withdrawals it holds
 * (whether the section was started), where one pledge is (`locate`), the first pledge
 * without its update and the first one from a place on (`after`, by default the page after
 * the located pledge's).
 */
export type CarriedTally = {
  carried: number;
  missing: number;
  updates: number;
  withdrawn_here: number;
  located: number | null;
  first_missing: MissingPledge | null;
  next_missing: MissingPledge | null;
};

/** What a report that carries no pledge counts (a commitments report). */
export const NOTHING_CARRIED: CarriedTally = {
  carried: 0,
  missing: 0,
  updates: 0,
  withdrawn_here: 0,
  located: null,
  first_missing: null,
  next_missing: null,
};

/** What a report not yet started holds. */
export const NO_MARKS: DraftMarks = { updated: [], withdrawn: [] };

/** The carried pledges of a member in a cycle, as accepted reports left them. */
export type CarriedPledges = (countryCode: string, cycle: CycleRow) => Promise<readonly CarriedPledge[]>;

/**
 * How many members' lists of one cycle or another are kept at once: a list is up to a few
 * hundred small rows, and the pages read mostly the open cycle's.
 */
const KEPT_LISTS = 64;

/**
 * The carried pledges, read once per public data version and member and cycle (`perVersion`
 * for each). Every change to what they are read from moves that version: an accepted report
 * or one no longer accepted, the import, a cycle's dates (migrations …001100 and …0900).
 */
export function carriedPledgesPerVersion(db: Database, version: DataVersion): CarriedPledges {
  const lists = new Map<string, () => Promise<readonly CarriedPledge[]>>();
  return (countryCode, cycle) => {
    // The read takes the cycle's opening date: a moved date is another list.
    const key = `${countryCode} ${cycle.id} ${cycle.opens_on}`;
    let list = lists.get(key);
    if (!list) {
      // The oldest goes first (a Map iterates in insertion order).
      for (const oldest of lists.keys()) {
        if (lists.size < KEPT_LISTS) break;
        lists.delete(oldest);
      }
      list = perVersion(version, async () =>
        // Shared by every request: frozen.
        Object.freeze((await createReportQueries(db).carriedPledges(countryCode, cycle)).map((row) => Object.freeze(row))),
      );
      lists.set(key, list);
    }
    return list();
  };
}

/** Each carried pledge placed in the report's order, with where it stands in this report. */
export function placeCarried(pledges: readonly CarriedPledge[], marks: DraftMarks): PlacedPledge[] {
  const updated = new Set(marks.updated);
  const withdrawn = new Set(marks.withdrawn);
  return pledges.map((pledge, position) => {
    const here = { updated: updated.has(pledge.id), withdrawn: withdrawn.has(pledge.id) };
    const state = carriedState(pledge, here);
    return { id: pledge.id, title: pledge.title, position, state, missing: needsUpdate(state) && !here.updated };
  });
}

const missingPledge = (pledge: PlacedPledge | undefined): MissingPledge | null =>
  pledge ? { id: pledge.id, title: pledge.title, position: pledge.position } : null;

/** The report's carried pledges in figures (CarriedTally). */
export function tallyOf(
  placed: readonly PlacedPledge[],
  marks: DraftMarks,
  options: { locate?: number; after?: number } = {},
): CarriedTally {
  let missing = 0;
  let withdrawnHere = 0;
  let located: number | null = null;
  let firstMissing: PlacedPledge | undefined;
  for (const pledge of placed) {
    if (pledge.missing) {
      missing += 1;
      firstMissing ??= pledge;
    }
    if (pledge.state === 'withdrawn_here') withdrawnHere += 1;
    if (pledge.id === options.locate) located = pledge.position;
  }
  const from = options.after ?? (Math.floor((located ?? 0) / PLEDGES_PER_PAGE) + 1) * PLEDGES_PER_PAGE;
  const nextMissing = placed.find((pledge) => pledge.position >= from && pledge.missing);
  return {
    carried: placed.length,
    missing,
    updates: marks.updated.length,
    withdrawn_here: withdrawnHere,
    located,
    first_missing: missingPledge(firstMissing),
    next_missing: missingPledge(nextMissing),
  };
}

/** The carried pledges `shown` in full, in the report's order: their facts and latest accepted update read, their place and state kept. */
export async function carriedInFull(queries: ReportQueries, cycle: CycleRow, shown: readonly PlacedPledge[]): Promise<CarriedRow[]> {
  if (shown.length === 0) return [];
  const facts = new Map(
    (
      await queries.carriedFacts(
        cycle,
        shown.map((pledge) => pledge.id),
      )
    ).map((fact) => [fact.id, fact]),
  );
  return shown.flatMap(({ id, position, state, missing }) => {
    const fact = facts.get(id);
    return fact ? [Object.assign(fact, { position, state, missing })] : [];
  });
}
