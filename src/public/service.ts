import { notFound } from '../web/errors';
import type { DataVersion } from './data-version';
import { indicatorLine, statusBar } from './charts';
import { worldMapSvg } from './world-map';
import type { ActionStatus, CycleRow, PublicActionRow, PublicQueries, TargetRow } from './queries';

// Turns public rows into the view models the public pages render. Every number a
// page shows is computed here, so the templates only lay it out.

const statusLabels: Record<ActionStatus, string> = {
  not_reported: 'No progress reported yet',
  not_started: 'Not started',
  in_progress: 'In progress',
  completed: 'Completed',
  delayed: 'Delayed',
  withdrawn: 'Withdrawn',
};

const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

export type MemberFilters = {
  region?: string;
  eu?: 'yes' | 'no';
  target?: string;
  status?: ActionStatus;
  sort?: 'name' | 'joined' | 'pledged' | 'completed' | 'delayed';
};

type MemberRow = Awaited<ReturnType<PublicQueries['listMemberSummaries']>>[number];

/** Names A to Z; joining dates oldest first (unknown last); counts largest first. */
function memberOrder(sort: NonNullable<MemberFilters['sort']>): (a: MemberRow, b: MemberRow) => number {
  const byName = (a: MemberRow, b: MemberRow) => a.name.localeCompare(b.name, 'en');
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

export type ActionView = ReturnType<typeof actionView>;

function actionView(row: PublicActionRow) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    goalCode: row.goal_code,
    responsibleBody: row.responsible_body,
    dueOn: row.due_on,
    pledgedInCycleSlug: row.pledged_in_cycle_slug,
    status: { code: row.latest_status, label: statusLabels[row.latest_status] },
    percentComplete: row.latest_percent_complete,
    narrative: row.latest_narrative,
    withdrawalReason: row.withdrawal_reason,
  };
}

function targetHeading(target: TargetRow) {
  return { code: target.code, title: target.title, description: target.description };
}

function cycleView(cycle: CycleRow) {
  return {
    slug: cycle.slug,
    title: cycle.title,
    kind: cycle.kind === 'commitments' ? 'Stocktaking and commitments' : 'Progress report',
    opensOn: cycle.opens_on,
    dueOn: cycle.due_on,
    closesOn: cycle.closes_on,
    state: cycle.state,
  };
}

/** A submission is on time when it was made on or before the due day (UTC). */
const submittedOnTime = (submittedAt: Date, dueOn: string) => submittedAt.toISOString().slice(0, 10) <= dueOn;

export function createPublicService(queries: PublicQueries, version: DataVersion) {
  return {
    version,

    async overview(filters: MemberFilters = {}) {
      const [allMembers, targets, facets] = await Promise.all([queries.listMemberSummaries(), queries.listTargetProgress(), queries.listActionFacets()]);
      const has = (code: string, test: (facet: (typeof facets)[number]) => boolean) => facets.some((facet) => facet.country_code === code && test(facet));
      const members = allMembers
        .filter((member) => !filters.region || member.region === filters.region)
        .filter((member) => !filters.eu || member.eu_member === (filters.eu === 'yes'))
        .filter((member) => !filters.target || has(member.code, (facet) => facet.target_code === filters.target && facet.latest_status !== 'withdrawn'))
        .filter((member) => !filters.status || has(member.code, (facet) => facet.latest_status === filters.status && (!filters.target || facet.target_code === filters.target)))
        .sort(memberOrder(filters.sort ?? 'name'));
      const perTarget = (code: string, target: string) => {
        const own = facets.filter((facet) => facet.country_code === code && facet.target_code === target && facet.latest_status !== 'withdrawn');
        const total = own.reduce((sum, facet) => sum + facet.count, 0);
        const completed = own.filter((facet) => facet.latest_status === 'completed').reduce((sum, facet) => sum + facet.count, 0);
        return { target, total, completed, percent: total ? Math.round((completed / total) * 100) : null, level: total ? Math.min(4, Math.floor((completed / total) * 5)) : null };
      };
      const current = members.filter((member) => member.left_on === null);
      const actionsPledged = targets.reduce((sum, target) => sum + target.actions, 0);
      const actionsCompleted = targets.reduce((sum, target) => sum + target.completed, 0);
      return {
        memberCount: current.length,
        reportingMemberCount: members.filter((member) => member.latest_cycle_slug !== null).length,
        actionsPledged,
        actionsCompleted,
        shareCompleted: share(actionsCompleted, actionsPledged),
        targets: targets.map((target) => ({
          ...targetHeading(target),
          actions: target.actions,
          completed: target.completed,
          inProgress: target.in_progress,
          delayed: target.delayed,
          notStarted: target.not_started,
          shareCompleted: share(target.completed, target.actions),
          percentCompleted: Math.round(share(target.completed, target.actions) * 100),
        })),
        filters,
        filtered: Object.values(filters).some(Boolean),
        members: members.map((member) => ({
          code: member.code,
          name: member.name,
          region: member.region,
          euMember: member.eu_member,
          joinedOn: member.joined_on,
          leftOn: member.left_on,
          latestCycle: member.latest_cycle_slug ? { slug: member.latest_cycle_slug, title: member.latest_cycle_title } : null,
          actionsPledged: member.actions_pledged,
          actionsCompleted: member.actions_completed,
          actionsDelayed: member.actions_delayed,
          byTarget: targets.map((target) => perTarget(member.code, target.code)),
        })),
        memberTotal: allMembers.length,
      };
    },

    /** The world map: members shaded by their share of completed actions. */
    async worldMap() {
      const members = await queries.listMemberSummaries();
      return worldMapSvg(
        members
          .filter((member) => member.left_on === null)
          .map((member) => ({
            code: member.code,
            name: member.name,
            level: member.actions_pledged ? Math.min(4, Math.floor((member.actions_completed / member.actions_pledged) * 5)) : null,
          })),
      );
    },

    async searchActions(words: string) {
      const actions = words ? await queries.searchActions(words) : [];
      return { words, actions: actions.map((action) => ({ ...actionView(action), countryCode: action.country_code, countryName: action.country_name, targetCode: action.target_code })) };
    },

    async listCountries() {
      const members = await queries.listMemberSummaries();
      const regions = [...new Set(members.map((member) => member.region))].sort();
      return {
        regions: regions.map((region) => ({
          name: region,
          countries: members
            .filter((member) => member.region === region)
            .map((member) => ({
              code: member.code,
              name: member.name,
              euMember: member.eu_member,
              leftOn: member.left_on,
              actionsPledged: member.actions_pledged,
            })),
        })),
      };
    },

    async country(code: string) {
      const country = await queries.findCountry(code);
      if (!country) throw notFound('member');
      const [reports, baseline, actions, targets, indicatorValues] = await Promise.all([
        queries.listAcceptedReports(code),
        queries.listBaseline(code),
        queries.listActions({ countryCode: code }),
        queries.listTargets(),
        queries.listIndicatorValues(code),
      ]);
      const indicatorCodes = [...new Set(indicatorValues.map((value) => value.indicator_code))];
      return {
        country: {
          code: country.code,
          name: country.name,
          region: country.region,
          euMember: country.eu_member,
          joinedOn: country.joined_on,
          leftOn: country.left_on,
        },
        hasPublishedReports: reports.length > 0,
        reports: reports.map((report) => ({
          cycleSlug: report.cycle_slug,
          cycleTitle: report.cycle_title,
          submittedAt: report.submitted_at,
          acceptedAt: report.accepted_at,
          onTime: submittedOnTime(report.submitted_at, report.cycle_due_on),
        })),
        actionCount: actions.filter((action) => action.latest_status !== 'withdrawn').length,
        targets: targets.map((target) => {
          const entry = baseline.find((row) => row.target_code === target.code);
          return {
            ...targetHeading(target),
            baseline: entry ? { existingMeasures: entry.existing_measures, gaps: entry.gaps, cycleTitle: entry.cycle_title } : null,
            actions: actions.filter((action) => action.target_code === target.code).map(actionView),
            bar: statusBar(actions.filter((action) => action.target_code === target.code).map((action) => action.latest_status)),
          };
        }),
        indicators: indicatorCodes.map((indicatorCode) => {
          const values = indicatorValues.filter((value) => value.indicator_code === indicatorCode);
          // Goal 1.1 asks for at least 10% more identified victims every year.
          const growth = indicatorCode === 'victims_identified' ? 0.1 : null;
          const chart = indicatorLine(values.map((value) => value.value), growth);
          return {
            code: indicatorCode,
            name: values[0]?.indicator_name,
            unit: values[0]?.unit,
            chart,
            hasGoal: chart.goalLine !== null,
            values: values.map((value, index) => ({
              cycleTitle: value.cycle_title,
              value: numberFormat.format(value.value),
              goal: chart.goalValues[index] === undefined ? null : numberFormat.format(chart.goalValues[index]!),
              note: value.note,
            })),
          };
        }),
      };
    },

    async target(code: string) {
      const target = await queries.findTarget(code);
      if (!target) throw notFound('policy target');
      const [goals, actions, targets] = await Promise.all([
        queries.listGoals(),
        queries.listActions({ targetCode: code }),
        queries.listTargets(),
      ]);
      const countryCodes = [...new Set(actions.map((action) => action.country_code))];
      return {
        target: targetHeading(target),
        otherTargets: targets.filter((other) => other.code !== code).map(targetHeading),
        goals: goals.filter((goal) => goal.target_code === code).map((goal) => ({ code: goal.code, text: goal.text, confirmed: goal.text_confirmed })),
        actionCount: actions.length,
        countries: countryCodes.map((countryCode) => {
          const own = actions.filter((action) => action.country_code === countryCode);
          return { code: countryCode, name: own[0]?.country_name, actions: own.map(actionView) };
        }),
      };
    },

    async listCycles() {
      return { cycles: (await queries.listCycles()).map(cycleView) };
    },

    async recentlyAccepted() {
      return queries.listRecentlyAccepted(50);
    },

    async cycle(slug: string) {
      const cycle = await queries.findCycle(slug);
      if (!cycle) throw notFound('reporting cycle');
      const members = await queries.listCycleMembers(cycle);
      const reported = members.filter((member) => member.accepted_at !== null);
      return {
        cycle: cycleView(cycle),
        expectedCount: members.length,
        reportedCount: reported.length,
        members: members.map((member) => ({
          code: member.code,
          name: member.name,
          published: member.accepted_at !== null,
          submittedAt: member.submitted_at,
          acceptedAt: member.accepted_at,
          onTime: member.submitted_at ? submittedOnTime(member.submitted_at, cycle.due_on) : null,
        })),
      };
    },
  };
}

export type PublicService = ReturnType<typeof createPublicService>;
