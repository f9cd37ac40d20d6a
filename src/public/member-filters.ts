import type { ActionStatus } from './queries';

/** The public filters of the home page and the members table (query string: region, eu, target, status, sort). */
export type MemberFilters = {
  region?: string;
  eu?: 'yes' | 'no';
  target?: string;
  status?: ActionStatus;
  sort?: 'name' | 'joined' | 'pledged' | 'completed' | 'delayed';
};

/** Published actions of one member under one target with one latest status (public_action_counts). */
export type ActionFacet = { country_code: string; target_code: string; latest_status: ActionStatus; count: number };

type FilterableMember = { code: string; region: string; eu_member: boolean };

/**
 * The members a filter selects: by region and EU membership, and — when a target or a status
 * is chosen — only members with at least one published action that matches them. A withdrawn
 * action counts for a member only when "withdrawn" is the status asked for.
 */
export function selectMembers<M extends FilterableMember>(members: M[], facets: ActionFacet[], filters: MemberFilters): M[] {
  const matching = new Set(selectFacets(facets, filters).map((facet) => facet.country_code));
  return members
    .filter((member) => !filters.region || member.region === filters.region)
    .filter((member) => !filters.eu || member.eu_member === (filters.eu === 'yes'))
    .filter((member) => (!filters.target && !filters.status) || matching.has(member.code));
}

/**
 * The action counts a filter selects, for the figures: under the chosen target, with the
 * chosen status (withdrawn actions only when asked for), of members in the chosen region and
 * EU group — the same rule the open data answers to.
 */
export function selectFacets(facets: ActionFacet[], filters: MemberFilters, members?: FilterableMember[]): ActionFacet[] {
  const allowed = members ? new Set(members.map((member) => member.code)) : null;
  return facets.filter(
    (facet) =>
      (!allowed || allowed.has(facet.country_code)) &&
      (!filters.target || facet.target_code === filters.target) &&
      (filters.status ? facet.latest_status === filters.status : facet.latest_status !== 'withdrawn'),
  );
}

/** Counts per status of the given facets. */
export function countByStatus(facets: ActionFacet[]) {
  const sum = (test: (status: ActionStatus) => boolean) =>
    facets.filter((facet) => test(facet.latest_status)).reduce((total, facet) => total + facet.count, 0);
  return {
    actions: sum(() => true),
    completed: sum((status) => status === 'completed'),
    inProgress: sum((status) => status === 'in_progress'),
    delayed: sum((status) => status === 'delayed'),
    notStarted: sum((status) => status === 'not_started' || status === 'not_reported'),
  };
}
