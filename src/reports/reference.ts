import type { Database } from '../db/knex';
import { perVersion, type DataVersion } from '../db/data-version';
import { createReportQueries } from './queries';

/**
 * What reports are filed against — members, cycles, targets, goals, indicators — for the
 * pages that show reports and the review. Every change to these tables moves the public
 * data version (migration ...001100), so they are read once per version instead of five
 * queries a page. The rows are shared by every request, so they are frozen.
 *
 * Saves and decisions do not read them from here: they read the rows in their own
 * transaction, under its locks, so a cycle closed a moment ago refuses them.
 */
export function createReferenceData(db: Database, version: DataVersion) {
  return perVersion(version, async () => {
    const queries = createReportQueries(db);
    const countries = await queries.listCountries();
    const cycles = await queries.listCycles();
    const targets = await queries.listTargets();
    const goals = await queries.listGoals();
    const indicators = await queries.listIndicators();
    for (const row of [...countries, ...cycles, ...targets, ...goals, ...indicators]) Object.freeze(row);
    return {
      country: (code: string) => countries.find((country) => country.code === code),
      cycle: (slug: string) => cycles.find((cycle) => cycle.slug === slug),
      /** Newest first, as the review's cycle switch lists them. */
      cycles: Object.freeze(cycles),
      targets: Object.freeze(targets),
      goals: Object.freeze(goals),
      indicators: Object.freeze(indicators),
    };
  });
}

export type ReferenceData = ReturnType<typeof createReferenceData>;
export type Reference = Awaited<ReturnType<ReferenceData>>;
