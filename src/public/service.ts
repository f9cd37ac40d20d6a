import { labelsFor, type Labels } from '../i18n/labels';
import { formatNumber, shareOfPercent, type Language } from '../i18n';
import { notFound } from '../web/errors';
import { perVersion, type DataVersion } from '../db/data-version';
import { indicatorChart, statusBar } from './charts';
import { worldMapSvg } from './world-map';
import { compiledReport } from './compiled-report';
import { groupBy, listsBy } from '../group-by';
import type { CycleRow, IndicatorGoalRow, TargetRow } from '../db/rows';
import type { PublicActionRow, PublicIndicatorValueRow, PublicQueries, PublicReportRow } from './queries';
import { paginate } from '../web/pagination';
import { highlight, searchTerms } from './highlight';
import { countByStatus, selectFacets, selectMembers, type ActionFacet, type MemberFilters } from './member-filters';

// Turns public rows into the view models the public pages render. Every number a
// page shows is computed here, so the templates only lay it out.

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

type MemberRow = Awaited<ReturnType<PublicQueries['listMemberSummaries']>>[number];

/** Actions on a page of a target's list. */
export const ACTIONS_PER_PAGE = 50;
/**
 * A member's page shows the latest five of what grows with the years: the newest pledges
 * under each target (the target's page lists them all), its accepted reports and each
 * indicator's values (the charts draw every value; its history page lists them all). So the
 * page a reader opens first stays the same size however many years of reports a member has.
 */
const LATEST_ON_MEMBER_PAGE = 5;

/** Search results on a page. */
const SEARCH_RESULTS_PER_PAGE = 20;
/** A search shows at most this many results (50 pages): a word most actions hold is narrowed, not paged through. */
const SEARCH_RESULTS_SHOWN = 1000;

/** Accepted reports listed on the home page. */
const LATEST_REPORTS_ON_HOME = 6;

/** The filters (not the sort) as a query string, leaving one out if asked. */
const filterQuery = (filters: MemberFilters, without?: keyof MemberFilters) =>
  new URLSearchParams(
    Object.entries(filters).filter((entry): entry is [string, string] => entry[0] !== without && entry[0] !== 'sort' && Boolean(entry[1])),
  ).toString();

/** The filters that are on, each with its label, value and the address without it. */
function describeFilters(filters: MemberFilters, labels: Labels) {
  const without = (key: keyof MemberFilters) => {
    const query = filterQuery(filters, key);
    return query ? `?${query}` : '';
  };
  const on: Array<{ label: string; value: string; removeQuery: string }> = [];
  if (filters.region)
    on.push({ label: labels.t('overview.filterRegion'), value: labels.region(filters.region), removeQuery: without('region') });
  if (filters.eu)
    on.push({
      label: labels.t('overview.filterEu'),
      value: labels.t(filters.eu === 'yes' ? 'overview.euYes' : 'overview.euNo'),
      removeQuery: without('eu'),
    });
  if (filters.target) on.push({ label: labels.t('overview.filterTarget'), value: filters.target, removeQuery: without('target') });
  if (filters.status)
    on.push({ label: labels.t('overview.filterStatus'), value: labels.status(filters.status), removeQuery: without('status') });
  return on;
}

/** Names A to Z; joining dates oldest first (unknown last); counts largest first. */
function memberOrder(sort: NonNullable<MemberFilters['sort']>, labels: Labels): (a: MemberRow, b: MemberRow) => number {
  const byName = (a: MemberRow, b: MemberRow) => labels.compareNames(labels.country(a.code, a.name), labels.country(b.code, b.name));
  switch (sort) {
    case 'joined':
      return (a, b) => (a.joined_on ?? '9999').localeCompare(b.joined_on ?? '9999') || byName(a, b);
    case 'pledged':
      return (a, b) => b.actions_pledged - a.actions_pledged || byName(a, b);
    case 'completed':
      return (a, b) => b.actions_completed - a.actions_completed || byName(a, b);
    case 'delayed':
      return (a, b) => b.actions_delayed - a.actions_delayed || byName(a, b);
    default:
      return byName;
  }
}

function actionView(row: PublicActionRow, labels: Labels) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    goalCode: row.goal_code,
    responsibleBody: row.responsible_body,
    dueOn: row.due_on,
    pledgedInCycleSlug: row.pledged_in_cycle_slug,
    status: { code: row.latest_status, label: labels.status(row.latest_status) },
    percentComplete: row.latest_percent_complete,
    narrative: row.latest_narrative,
    withdrawalReason: row.withdrawal_reason,
    // What the member wrote keeps its own language, marked where the report states it.
    textLang: row.text_language,
    narrativeLang: row.latest_text_language,
    withdrawalLang: row.withdrawn_text_language,
  };
}

function targetHeading(target: TargetRow, labels: Labels) {
  return {
    code: target.code,
    title: labels.targetTitle(target.code, target.title),
    description: labels.targetDescription(target.code, target.description),
  };
}

function cycleView(cycle: CycleRow, labels: Labels) {
  return {
    slug: cycle.slug,
    title: cycle.title,
    kind: labels.cycleKind(cycle.kind),
    opensOn: cycle.opens_on,
    dueOn: cycle.due_on,
    closesOn: cycle.closes_on,
    state: cycle.state,
  };
}

/** A submission is on time when it was made on or before the due day (UTC). */
const submittedOnTime = (submittedAt: Date, dueOn: string) => submittedAt.toISOString().slice(0, 10) <= dueOn;

/** A member's accepted reports as its pages list them, newest first. */
const reportViews = (reports: PublicReportRow[]) =>
  reports.map((report) => ({
    cycleSlug: report.cycle_slug,
    cycleTitle: report.cycle_title,
    submittedAt: report.submitted_at,
    acceptedAt: report.accepted_at,
    onTime: submittedOnTime(report.submitted_at, report.cycle_due_on),
  }));

/**
 * Each indicator a member reported: its chart of every value, and a table of its values
 * (the latest `shownInTable` when given, oldest first). Each value is of one of the
 * member's `reports`, and of one of the `indicators`.
 */
function indicatorViews(
  indicatorValues: PublicIndicatorValueRow[],
  { reports, indicators }: { reports: PublicReportRow[]; indicators: IndicatorGoalRow[] },
  labels: Labels,
  shownInTable = Infinity,
) {
  const reportOf = new Map(reports.map((report) => [report.id, report]));
  return [...groupBy(indicatorValues, (value) => value.indicator_code)].map(([indicatorCode, ofIndicator]) => {
    // Every value's report is among the member's (both read from public_reports together).
    // Written out whole: a copy with properties added takes V8's slow path (compiled-report.ts).
    const values = ofIndicator.flatMap((value) => {
      const report = reportOf.get(value.report_id);
      if (!report) return [];
      return [
        {
          value: value.value,
          note: value.note,
          cycle_title: report.cycle_title,
          cycle_due_on: report.cycle_due_on,
          text_language: report.text_language,
        },
      ];
    });
    const definition = indicators.find((indicator) => indicator.code === indicatorCode);
    // A value the member could not give stays in the table, not on the chart.
    const known = values.flatMap((value) => (value.value === null ? [] : [{ date: value.cycle_due_on, value: value.value }]));
    const goalPerYear = definition?.goal_annual_change ?? null;
    const chart = known.length > 1 ? indicatorChart(known, goalPerYear) : null;
    const goalAt = new Map(known.map((point, index) => [point.date, chart?.goalValues[index]]));
    const shown = values.slice(-shownInTable);
    return {
      code: indicatorCode,
      name: labels.indicatorName(indicatorCode, definition?.name ?? ''),
      unit: labels.indicatorUnit(indicatorCode, definition?.unit ?? ''),
      chart,
      single: known.length === 1 ? { value: known[0]?.value, cycleTitle: values.find((value) => value.value !== null)?.cycle_title } : null,
      goal:
        goalPerYear === null ? null : { code: definition?.goal_code ?? null, change: goalPerYear, source: definition?.goal_source ?? '' },
      hasGoalLine: chart?.goalLine != null,
      values: shown.map((value) => ({
        cycleTitle: value.cycle_title,
        value: value.value,
        goal: chart && value.value !== null ? (goalAt.get(value.cycle_due_on) ?? null) : null,
        note: value.note,
        noteLang: value.text_language,
      })),
      // The table holds only the latest values: how many there are in all.
      latestOf: shown.length < values.length ? values.length : null,
    };
  });
}

export function createPublicService(database: PublicQueries, version: DataVersion) {
  // The small summaries every public page reads, and the members, targets and cycles a page
  // is about, once per data version (which moves when any of them changes); the rest per request.
  const listTargets = perVersion(version, () => database.listTargets());
  const listCycles = perVersion(version, () => database.listCycles());
  const countries = perVersion(version, async () => new Map((await database.listCountries()).map((country) => [country.code, country])));
  const cyclesBySlug = perVersion(version, async () => new Map((await listCycles()).map((cycle) => [cycle.slug, cycle])));
  const listActionFacets = perVersion(version, () => database.listActionFacets());
  // Each member's and each target's counts, grouped once per version: filtering every facet on
  // every member's and target's page grew with members × targets × statuses (480 facets on the
  // growth data set, 52 on the demo; 0.06 ms of a PT1 page's app CPU, `--cpu-prof`).
  const facetsGrouped = perVersion(version, async () => {
    const counts = (await listActionFacets()).map((facet) => ({ ...facet, actions: facet.count }));
    return { byCountry: groupBy(counts, (facet) => facet.country_code), byTarget: groupBy(counts, (facet) => facet.target_code) };
  });
  // The members table's cells, each member's completed and pledged actions under each
  // target: the same for every reader and filter, so worked out once per version (from the
  // grouping above; per request they were 2.5 % of rendering the table whole, `--cpu-prof`).
  const memberTargetCells = perVersion(version, async () => {
    const [targets, { byCountry }] = await Promise.all([listTargets(), facetsGrouped()]);
    const cellsOf = (facets: ActionFacet[]) => {
      const underTarget = listsBy(facets, (facet) => facet.target_code);
      return targets.map(({ code: target }) => {
        const counts = countByStatus(underTarget(target).filter((facet) => facet.latest_status !== 'withdrawn'));
        return {
          target,
          total: counts.actions,
          completed: counts.completed,
          level: counts.actions ? Math.min(4, Math.floor((counts.completed / counts.actions) * 5)) : null,
        };
      });
    };
    const cells = new Map([...byCountry].map(([code, facets]) => [code, cellsOf(facets)]));
    // A member with no published action yet (most of the demo's): the same empty cells.
    const none = cellsOf([]);
    return { of: (code: string) => cells.get(code) ?? none };
  });
  const queries = {
    ...database,
    listMemberSummaries: perVersion(version, () => database.listMemberSummaries()),
    listActionFacets,
    /** One member's or one target's counts (or one member's under one target), as statusBar takes them; shared, not to be changed. */
    countActions: async (filter: { countryCode: string; targetCode?: string } | { countryCode?: undefined; targetCode: string }) => {
      const { byCountry, byTarget } = await facetsGrouped();
      if (filter.countryCode === undefined) return byTarget.get(filter.targetCode) ?? [];
      const member = byCountry.get(filter.countryCode) ?? [];
      return filter.targetCode === undefined ? member : member.filter((facet) => facet.target_code === filter.targetCode);
    },
    listTargets,
    listGoals: perVersion(version, () => database.listGoals()),
    listIndicators: perVersion(version, () => database.listIndicators()),
    listTargetProgress: perVersion(version, () => database.listTargetProgress()),
    listCycles,
    findCountry: async (code: string) => (await countries()).get(code),
    findTarget: async (code: string) => (await listTargets()).find((target) => target.code === code),
    findCycle: async (slug: string) => (await cyclesBySlug()).get(slug),
  };
  const readLatestReports = perVersion(version, () => database.listLatestReports(LATEST_REPORTS_ON_HOME));
  // The map (and the members too small to draw on it), per version and language.
  const maps = new Map<Language, () => ReturnType<typeof worldMapSvg>>();
  const worldMap = (language: Language) => {
    let map = maps.get(language);
    if (!map) maps.set(language, (map = perVersion(version, () => drawWorldMap(language))));
    return map();
  };
  async function drawWorldMap(language: Language) {
    const labels = labelsFor(language);
    const members = await queries.listMemberSummaries();
    return worldMapSvg(
      labels.t('map.label'),
      members
        .filter((member) => member.left_on === null)
        .map((member) => ({
          code: member.code,
          name: labels.country(member.code, member.name),
          level: member.actions_pledged ? Math.min(4, Math.floor((member.actions_completed / member.actions_pledged) * 5)) : null,
        })),
    );
  }

  return {
    version,

    /**
     * The home page: key figures, progress by target and the latest published reports, all
     * following the filters (region, EU membership, target, status).
     */
    async overview(language: Language, filters: MemberFilters = {}) {
      const labels = labelsFor(language);
      const [allMembers, targets, facets, latestReports] = await Promise.all([
        queries.listMemberSummaries(),
        queries.listTargets(),
        queries.listActionFacets(),
        readLatestReports(),
      ]);
      const members = selectMembers(allMembers, facets, filters);
      const selected = selectFacets(facets, filters, members);
      const totals = countByStatus(selected);
      const memberCodes = new Set(members.map((member) => member.code));
      return {
        figures: {
          members: members.filter((member) => member.left_on === null).length,
          reportingMembers: members.filter((member) => member.latest_cycle_slug !== null).length,
          actions: totals.actions,
          completed: totals.completed,
          shareCompleted: share(totals.completed, totals.actions),
        },
        targets: targets
          .filter((target) => !filters.target || target.code === filters.target)
          .map((target) => {
            const counts = countByStatus(selected.filter((facet) => facet.target_code === target.code));
            // The spreads last: properties added after a spread take V8's slow path (4 µs a target, measured apart).
            return {
              shareCompleted: share(counts.completed, counts.actions),
              percentCompleted: Math.round(share(counts.completed, counts.actions) * 100),
              ...counts,
              ...targetHeading(target, labels),
            };
          }),
        latestReports: latestReports
          .filter((report) => memberCodes.has(report.country_code))
          .map((report) => ({
            countryCode: report.country_code,
            memberName: labels.country(report.country_code, report.country_name),
            cycleSlug: report.cycle_slug,
            cycleTitle: report.cycle_title,
            acceptedAt: report.accepted_at,
          })),
        filters,
        activeFilters: describeFilters(filters, labels),
        filterQuery: filterQuery(filters),
        filtered: Object.values(filters).some(Boolean),
      };
    },

    /** The members table: every member the filters select, sorted, with completed/pledged per target. */
    async members(language: Language, filters: MemberFilters = {}) {
      const labels = labelsFor(language);
      const [allMembers, targets, facets, cells] = await Promise.all([
        queries.listMemberSummaries(),
        queries.listTargets(),
        queries.listActionFacets(),
        memberTargetCells(),
      ]);
      const members = selectMembers(allMembers, facets, filters).sort(memberOrder(filters.sort ?? 'name', labels));
      return {
        targets: targets.map((target) => targetHeading(target, labels)),
        filters,
        activeFilters: describeFilters(filters, labels),
        filtered: Object.values(filters).some(Boolean),
        members: members.map((member) => ({
          code: member.code,
          name: labels.country(member.code, member.name),
          region: labels.region(member.region),
          euMember: member.eu_member,
          joinedOn: member.joined_on,
          leftOn: member.left_on,
          latestCycle: member.latest_cycle_slug ? { slug: member.latest_cycle_slug, title: member.latest_cycle_title } : null,
          actionsPledged: member.actions_pledged,
          actionsCompleted: member.actions_completed,
          actionsDelayed: member.actions_delayed,
          byTarget: cells.of(member.code),
        })),
        memberTotal: allMembers.length,
      };
    },

    /** The world map: members shaded by their share of completed actions. */
    worldMap,

    /** Search: a page of matching actions, each naming its member, target, status and cycles, the words marked. */
    async searchActions(language: Language, words: string, page = 1) {
      const labels = labelsFor(language);
      const [members, cycles] = await Promise.all([countries(), cyclesBySlug()]);
      const cycleTitle = (slug: string) => cycles.get(slug)?.title ?? slug;
      const found = words
        ? await queries.searchActions(
            words,
            { limit: SEARCH_RESULTS_PER_PAGE, offset: (page - 1) * SEARCH_RESULTS_PER_PAGE },
            SEARCH_RESULTS_SHOWN + 1,
          )
        : { total: 0, actions: [] };
      const total = Math.min(found.total, SEARCH_RESULTS_SHOWN);
      const pages = Math.ceil(total / SEARCH_RESULTS_PER_PAGE);
      if (page > 1 && page > pages) throw notFound('page');
      const terms = searchTerms(words);
      const hrefFor = (number: number) =>
        `/actions?${new URLSearchParams({ q: words, ...(number > 1 ? { page: String(number) } : {}) }).toString()}`;
      return {
        words,
        total,
        moreThanShown: found.total > SEARCH_RESULTS_SHOWN ? formatNumber(SEARCH_RESULTS_SHOWN, language) : undefined,
        firstShown: total ? (page - 1) * SEARCH_RESULTS_PER_PAGE + 1 : 0,
        lastShown: (page - 1) * SEARCH_RESULTS_PER_PAGE + found.actions.length,
        pagination: paginate(page, pages, hrefFor),
        actions: found.actions.map((action) => ({
          // The spread last: properties added after one take V8's slow path (docs/performance.md).
          titleParts: highlight(action.title, terms),
          descriptionParts: highlight(action.description, terms),
          countryCode: action.country_code,
          memberName: labels.country(action.country_code, members.get(action.country_code)?.name ?? action.country_code),
          targetCode: action.target_code,
          targetTitle: labels.targetTitle(action.target_code, ''),
          pledgedIn: { slug: action.pledged_in_cycle_slug, title: cycleTitle(action.pledged_in_cycle_slug) },
          reportedIn: action.latest_cycle_slug ? { slug: action.latest_cycle_slug, title: cycleTitle(action.latest_cycle_slug) } : null,
          ...actionView(action, labels),
        })),
      };
    },

    async country(language: Language, code: string) {
      const labels = labelsFor(language);
      const country = await queries.findCountry(code);
      if (!country) throw notFound('member');
      const [{ reports, baseline, actions, indicators: indicatorValues }, counts, targets, indicators] = await Promise.all([
        // The newest pledges under each target; the rest are a link away (the target's page for this member).
        queries.memberPage(code, LATEST_ON_MEMBER_PAGE),
        queries.countActions({ countryCode: code }),
        queries.listTargets(),
        queries.listIndicators(),
      ]);
      const countsOf = (targetCode: string) => counts.filter((row) => row.target_code === targetCode);
      const total = (rows: typeof counts) => rows.reduce((sum, row) => sum + row.actions, 0);
      return {
        country: {
          code: country.code,
          name: labels.country(country.code, country.name),
          region: labels.region(country.region),
          euMember: country.eu_member,
          joinedOn: country.joined_on,
          leftOn: country.left_on,
        },
        hasPublishedReports: reports.length > 0,
        // Newest first: the latest few, and how many there are in all when that is more.
        reports: reportViews(reports.slice(0, LATEST_ON_MEMBER_PAGE)),
        allReports: reports.length > LATEST_ON_MEMBER_PAGE ? reports.length : null,
        actionCount: total(counts.filter((row) => row.latest_status !== 'withdrawn')),
        targets: targets.map((target) => {
          const entry = baseline.find((row) => row.target_code === target.code);
          // The heading spread last: properties added after a spread take V8's slow path.
          return {
            baseline: entry
              ? {
                  existingMeasures: entry.existing_measures,
                  gaps: entry.gaps,
                  cycleTitle: entry.cycle_title,
                  textLang: entry.text_language,
                }
              : null,
            actions: actions.filter((action) => action.target_code === target.code).map((action) => actionView(action, labels)),
            // Published under this target in all, when the page shows only the newest.
            allActions: total(countsOf(target.code)),
            showsAll: total(countsOf(target.code)) <= LATEST_ON_MEMBER_PAGE,
            bar: statusBar(countsOf(target.code)),
            ...targetHeading(target, labels),
          };
        }),
        indicators: indicatorViews(indicatorValues, { reports, indicators }, labels, LATEST_ON_MEMBER_PAGE),
      };
    },

    /** A member's history: every accepted report and every indicator value it has published. */
    async countryHistory(language: Language, code: string) {
      const labels = labelsFor(language);
      const country = await queries.findCountry(code);
      if (!country) throw notFound('member');
      const [{ reports, indicators: indicatorValues }, indicators] = await Promise.all([
        queries.memberHistory(code),
        queries.listIndicators(),
      ]);
      return {
        country: { code: country.code, name: labels.country(country.code, country.name) },
        reports: reportViews(reports),
        indicators: indicatorViews(indicatorValues, { reports, indicators }, labels),
      };
    },

    /**
     * A policy target and the actions pledged under it, a page at a time (by member, then
     * as pledged), for every member or for one (`member`).
     */
    async target(language: Language, code: string, options: { page: number; member?: string }) {
      const labels = labelsFor(language);
      const target = await queries.findTarget(code);
      if (!target) throw notFound('policy target');
      const member = options.member ? await queries.findCountry(options.member) : undefined;
      if (options.member && !member) throw notFound('member');
      const filter = { targetCode: code, countryCode: member?.code };
      const counts = await queries.countActions(filter);
      const total = counts.reduce((sum, row) => sum + row.actions, 0);
      const pages = Math.max(1, Math.ceil(total / ACTIONS_PER_PAGE));
      if (options.page > pages) throw notFound('page');
      const [goals, actions, targets] = await Promise.all([
        queries.listGoals(),
        queries.listActions(filter, { limit: ACTIONS_PER_PAGE, offset: (options.page - 1) * ACTIONS_PER_PAGE }, total),
        queries.listTargets(),
      ]);
      const countryCodes = [...new Set(actions.map((action) => action.country_code))];
      const pageHref = (page: number) => {
        const query = new URLSearchParams({
          ...(member ? { member: member.code } : {}),
          ...(page > 1 ? { page: String(page) } : {}),
        }).toString();
        return `/targets/${target.code}${query ? `?${query}` : ''}`;
      };
      return {
        target: targetHeading(target, labels),
        otherTargets: targets.filter((other) => other.code !== code).map((other) => targetHeading(other, labels)),
        goals: goals
          .filter((goal) => goal.target_code === code)
          .map((goal) => ({ code: goal.code, text: labels.goal(goal.code, goal.text), confirmed: goal.text_confirmed })),
        actionCount: total,
        memberCount: new Set(counts.map((row) => row.country_code)).size,
        member: member ? { code: member.code, name: labels.country(member.code, member.name) } : null,
        pagination: paginate(options.page, pages, pageHref),
        countries: countryCodes.map((countryCode) => {
          const own = actions.filter((action) => action.country_code === countryCode);
          return {
            code: countryCode,
            name: labels.country(countryCode, own[0]?.country_name ?? countryCode),
            actions: own.map((action) => actionView(action, labels)),
          };
        }),
      };
    },

    /** A published action: what was pledged, and its history across accepted reports. */
    async action(language: Language, id: number) {
      const labels = labelsFor(language);
      const row = await queries.findAction(id);
      if (!row) throw notFound('action');
      const [history, targets] = await Promise.all([queries.actionHistory(id), queries.listTargets()]);
      const target = targets.find((entry) => entry.code === row.target_code);
      const today = new Date().toISOString().slice(0, 10);
      const open = row.latest_status !== 'completed' && row.latest_status !== 'withdrawn';
      return {
        action: actionView(row, labels),
        member: { code: row.country_code, name: labels.country(row.country_code, row.country_name) },
        target: target ? targetHeading(target, labels) : { code: row.target_code, title: row.target_code, description: '' },
        pledged: { cycleSlug: row.pledged_in_cycle_slug, cycleTitle: row.pledged_in_cycle_title },
        // Past its due date and not completed: said plainly, as the member reported it.
        overdue: row.due_on !== null && row.due_on < today && open,
        history: history.map((entry) => ({
          cycleSlug: entry.cycle_slug,
          cycleTitle: entry.cycle_title,
          status: { code: entry.status, label: labels.status(entry.status) },
          share: shareOfPercent(entry.percent_complete),
          narrative: entry.narrative,
          acceptedAt: entry.accepted_at,
          lang: entry.text_language,
        })),
      };
    },

    /** The four policy targets, each with its operational goals and how many published actions serve it. */
    async listTargets(language: Language) {
      const labels = labelsFor(language);
      const [targets, goals, progress] = await Promise.all([queries.listTargets(), queries.listGoals(), queries.listTargetProgress()]);
      return {
        targets: targets.map((target) => ({
          actions: progress.find((row) => row.code === target.code)?.actions ?? 0,
          goals: goals
            .filter((goal) => goal.target_code === target.code)
            .map((goal) => ({ code: goal.code, text: labels.goal(goal.code, goal.text), confirmed: goal.text_confirmed })),
          ...targetHeading(target, labels),
        })),
      };
    },

    async listCycles(language: Language) {
      const labels = labelsFor(language);
      return { cycles: (await queries.listCycles()).map((cycle) => cycleView(cycle, labels)) };
    },

    async recentlyAccepted() {
      return queries.listRecentlyAccepted(50);
    },

    async cycle(language: Language, slug: string) {
      const labels = labelsFor(language);
      const cycle = await queries.findCycle(slug);
      if (!cycle) throw notFound('reporting cycle');
      const members = await queries.listCycleMembers(cycle);
      const reported = members.filter((member) => member.accepted_at !== null);
      return {
        cycle: cycleView(cycle, labels),
        expectedCount: members.length,
        reportedCount: reported.length,
        members: members
          .map((member) => ({
            code: member.code,
            name: labels.country(member.code, member.name),
            published: member.accepted_at !== null,
            submittedAt: member.submitted_at,
            acceptedAt: member.accepted_at,
            onTime: member.submitted_at ? submittedOnTime(member.submitted_at, cycle.due_on) : null,
          }))
          .sort((a, b) => labels.compareNames(a.name, b.name)),
      };
    },

    /** The compiled report of a cycle, from its accepted reports only. */
    async compiledReport(language: Language, slug: string) {
      const labels = labelsFor(language);
      const cycle = await queries.findCycle(slug);
      if (!cycle) throw notFound('reporting cycle');
      const [content, targets, members] = await Promise.all([
        queries.cycleContent(cycle.id),
        queries.listTargets(),
        queries.listCycleMembers(cycle),
      ]);
      return compiledReport(cycle, content, targets, members.length, labels);
    },
  };
}

export type PublicService = ReturnType<typeof createPublicService>;
