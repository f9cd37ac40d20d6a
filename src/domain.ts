import { z } from 'zod';

// The vocabulary of the tracker, defined once. Each list is the one source for its zod
// enum (form and query validation) and its TypeScript type; the database has the same
// lists as check constraints. What is reference data (targets' wording, goals,
// indicators, members) stays in the database.

/** The Declaration's four policy targets; their wording is reference data in `policy_targets`. */
export const TARGET_CODES = ['PT1', 'PT2', 'PT3', 'PT4'] as const;
export type TargetCode = (typeof TARGET_CODES)[number];

export const REGIONS = ['Africa', 'Americas', 'Asia-Pacific', 'Europe', 'Middle East'] as const;
export type Region = (typeof REGIONS)[number];

export const ROLES = ['delegate', 'secretariat', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const REPORT_STATES = ['draft', 'submitted', 'returned', 'accepted'] as const;
export type ReportState = (typeof REPORT_STATES)[number];
/** A report's state, or `not_started` for a member with no report in the cycle yet. */
export type ReportStage = ReportState | 'not_started';

export const CYCLE_STATES = ['planned', 'open', 'closed'] as const;
export type CycleState = (typeof CYCLE_STATES)[number];

export const CYCLE_KINDS = ['commitments', 'progress'] as const;
export type CycleKind = (typeof CYCLE_KINDS)[number];

export const UPDATE_STATUSES = ['not_started', 'in_progress', 'completed', 'delayed', 'withdrawn'] as const;
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];
/** The statuses a delegate reports; `withdrawn` is set by withdrawing the action. */
export const REPORTED_STATUSES = ['not_started', 'in_progress', 'completed', 'delayed'] as const;

/** A cycle's slug as stored: `2014-progress`. */
export const CYCLE_SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const CYCLE_SLUG_MAX = 60;
/** ISO 3166-1 alpha-2, or a user-assigned code such as XK for Kosovo. */
export const COUNTRY_CODE = /^[A-Z]{2}$/;

export const isCycleSlug = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= CYCLE_SLUG_MAX && CYCLE_SLUG.test(value);
export const isCountryCode = (value: unknown): value is string => typeof value === 'string' && COUNTRY_CODE.test(value);

export const targetCode = z.enum(TARGET_CODES);
export const reportState = z.enum(REPORT_STATES);
