import type { CycleKind, CycleState, Region, ReportState, Role, TargetCode, UpdateStatus } from '../domain';

// One row type per table, as the query modules select them. Queries that join or
// aggregate extend these (`CountryRow & { … }`) rather than restating columns.

export type CountryRow = {
  code: string;
  name: string;
  region: Region;
  eu_member: boolean;
  /** Unknown until the secretariat records it: such a member is not yet expected to report. */
  joined_on: string | null;
  left_on: string | null;
};

export type CycleRow = {
  id: number;
  slug: string;
  title: string;
  kind: CycleKind;
  opens_on: string;
  due_on: string;
  closes_on: string;
  state: CycleState;
};

export type ReportRow = {
  id: number;
  country_code: string;
  cycle_id: number;
  state: ReportState;
  version: number;
  submitted_at: Date | null;
  reviewed_at: Date | null;
  review_comment: string | null;
  updated_at: Date;
  /** ISO 639 code of the language its texts are written in; null when not stated. */
  text_language: string | null;
  /** The officials who contributed, as the delegate wrote them. */
  contributors: string;
};

export type StocktakingRow = { target_code: TargetCode; existing_measures: string; gaps: string };

/** What a delegate writes about a pledged action. */
export type ActionFields = {
  target_code: TargetCode;
  goal_code: string | null;
  title: string;
  description: string;
  responsible_body: string;
  due_on: string | null;
};

export type ActionRow = ActionFields & {
  id: number;
  country_code: string;
  pledged_in_report_id: number;
  withdrawn_in_report_id: number | null;
  withdrawal_reason: string | null;
};

export type UpdateRow = { action_id: number; status: UpdateStatus; percent_complete: number | null; narrative: string };
/** An indicator's value in a report; null is "not available", with the reason as the note. */
export type IndicatorValueRow = { indicator_code: string; value: number | null; note: string };
export type IndicatorRow = { code: string; name: string; unit: string };
/** An indicator with its goal: its value is to change by `goal_annual_change` a year (0.1: +10 %), as operational goal `goal_code` says. */
export type IndicatorGoalRow = IndicatorRow & { goal_code: string | null; goal_annual_change: number | null; goal_source: string };
export const INDICATOR_GOAL_COLUMNS = ['code', 'name', 'unit', 'goal_code', 'goal_annual_change', 'goal_source'];
export type TargetRow = { code: TargetCode; position: number; title: string; description: string };
export type GoalRow = { code: string; target_code: TargetCode; text: string; text_confirmed: boolean };

export type UserRow = {
  id: number;
  email: string;
  name: string;
  role: Role;
  country_code: string | null;
  active: boolean;
};
