import type { Role } from '../domain';
import { AppError, notFound } from '../web/errors';

// Who may do what: the one access policy. Route guards, services and the navigation all
// ask `can` (or `authorize`, which throws); no other module looks at a user's role.

/** The signed-in user as the policy sees them. */
export type Actor = { role: Role; countryCode: string | null };

/** The country a report-level action is about. */
export type CountrySubject = { countryCode: string };

/** Who may: these roles; with ownCountry, a delegate only for their own country. `refused` says why not, where the generic 403 would not. */
type Rule = { roles: readonly Role[]; ownCountry?: true; refused?: string };

const POLICY = {
  /** List one's own country's reports (the delegate's home page). */
  'reports.list': { roles: ['delegate'] },
  /** Read a country's reports, drafts included. */
  'report.view': { roles: ['delegate', 'secretariat', 'admin'], ownCountry: true },
  /** Change a country's report while it is editable (the secretariat may help with a draft). */
  'report.edit': { roles: ['delegate', 'secretariat', 'admin'], ownCountry: true },
  /** Submit a country's report: its own delegates only, never on a country's behalf. */
  'report.submit': { roles: ['delegate'], ownCountry: true, refused: 'msg.only_country_delegates_submit_report_secretariat' },
  /** The review queue, comparisons, and the accept/return decision. */
  'review.decide': { roles: ['secretariat', 'admin'] },
  /** Exports with drafts and submissions, and the CSV import. */
  'data.export': { roles: ['secretariat', 'admin'] },
  'data.import': { roles: ['secretariat', 'admin'] },
  'audit.read': { roles: ['secretariat', 'admin'] },
  'cycles.manage': { roles: ['secretariat', 'admin'] },
  'users.manage': { roles: ['admin'] },
  /** The outbox: every mail waiting and sent, one-time links included. */
  'mail.read': { roles: ['admin'] },
  'countries.manage': { roles: ['admin'] },
  /** Indicators' goals (reference data the public charts and the open data read). */
  'indicators.manage': { roles: ['admin'] },
} as const satisfies Record<string, Rule>;

export type PolicyAction = keyof typeof POLICY;
export const POLICY_ACTIONS = Object.keys(POLICY) as PolicyAction[];

const ruleOf = (action: PolicyAction): Rule => POLICY[action];

/**
 * Why a visitor may not do something, or null when they may:
 * - `sign_in`: nobody is signed in;
 * - `not_found`: a delegate reaching into another country (that country's data does not
 *   exist for them, so the answer does not even confirm it exists);
 * - `forbidden`: the role does not allow it.
 */
export function refusal(
  user: Actor | undefined,
  action: PolicyAction,
  subject?: CountrySubject,
): 'sign_in' | 'not_found' | 'forbidden' | null {
  if (!user) return 'sign_in';
  const rule = ruleOf(action);
  if (rule.ownCountry && user.role === 'delegate' && (!subject || user.countryCode !== subject.countryCode)) return 'not_found';
  if (!rule.roles.includes(user.role)) return 'forbidden';
  if (user.role === 'delegate' && !user.countryCode) return 'forbidden';
  return null;
}

/**
 * Whether the role could ever do this, whatever the country: for route guards, which run
 * before the country is known (the service then asks again with the country).
 */
export const roleAllows = (user: Actor, action: PolicyAction): boolean => ruleOf(action).roles.includes(user.role);

export const can = (user: Actor | undefined, action: PolicyAction, subject?: CountrySubject): boolean =>
  refusal(user, action, subject) === null;

/** Throws the refusal as the error its page shows: 404 for another country, 403 for a wrong role. */
export function authorize(user: Actor | undefined, action: PolicyAction, subject?: CountrySubject): void {
  const reason = refusal(user, action, subject);
  if (reason === null) return;
  if (reason === 'not_found') throw notFound('report');
  throw new AppError(403, 'forbidden', ruleOf(action).refused ?? 'msg.account_does_not_give_access_page');
}

/** The roles the policy allows an action, whatever the country (for queries that count who may). */
export const rolesAllowed = (action: PolicyAction): readonly Role[] => ruleOf(action).roles;

/** Delegates act for one country; the secretariat and admins for none in particular. */
export const isCountryBound = (role: Role): boolean => role === 'delegate';

/** Where a user lands after signing in: their country's reports, else the review queue. */
export const homePath = (user: Actor): string => (can(user, 'reports.list') ? '/reports' : '/review');

/** What the navigation offers: one flag per page the user may open. */
export function navigationFor(user: Actor) {
  return {
    reports: can(user, 'reports.list'),
    review: can(user, 'review.decide'),
    exports: can(user, 'data.export'),
    audit: can(user, 'audit.read'),
    users: can(user, 'users.manage'),
    outbox: can(user, 'mail.read'),
    cycles: can(user, 'cycles.manage'),
    countries: can(user, 'countries.manage'),
    indicators: can(user, 'indicators.manage'),
  };
}
