import { z } from 'zod';
import { LANGUAGES } from '../i18n';
import { isCountryBound } from '../auth/policy';
import { CYCLE_KINDS, CYCLE_SLUG, CYCLE_SLUG_MAX, CYCLE_STATES, COUNTRY_CODE, REGIONS, ROLES, type Role } from '../domain';
import { isRealDate } from '../web/forms';
import { parseLocalNumber } from '../i18n/numbers';
import type { Language } from '../i18n';

// Forms of the admin pages. Strict: an unexpected field is refused, never used.

/** A required date; `field` names its messages (msg.enter_date.<field>, msg.real_date.<field>). */
const date = (field: string) =>
  z
    .string({ error: `msg.enter_date.${field}` })
    .trim()
    .refine(isRealDate, `msg.real_date.${field}`);

const optionalDate = (field: string) =>
  z
    .string()
    .trim()
    .refine((value) => value === '' || isRealDate(value), `msg.real_date_or_empty.${field}`)
    .transform((value) => (value === '' ? null : value))
    .prefault('');

const role = z.enum(ROLES, { error: 'msg.choose_a_role' });
const country = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^([A-Z]{2})?$/, 'msg.choose_a_country')
  .transform((value) => (value === '' ? null : value))
  .prefault('');

/** A delegate belongs to a country; nobody else does. For every form that sets a role. */
export const delegatesHaveACountry = (value: { role: Role; country?: string | null }, context: z.RefinementCtx) => {
  if (isCountryBound(value.role) && !value.country)
    context.addIssue({ code: 'custom', path: ['country'], message: 'msg.delegate_needs_country' });
  if (!isCountryBound(value.role) && value.country)
    context.addIssue({ code: 'custom', path: ['country'], message: 'msg.only_delegates_belong_country_leave_country' });
};

export const inviteSchema = z
  .object({
    email: z
      .string()
      .trim()
      .max(254)
      .pipe(z.email({ error: 'msg.enter_e_mail_address_like_name' })),
    name: z.string({ error: 'msg.enter_the_person_name' }).trim().min(1, 'msg.enter_the_person_name').max(200),
    role,
    country,
    /** The language the invitation mail (and later mail) is written in. */
    language: z.enum(LANGUAGES, { error: 'msg.choose_language_from_list' }).default('en'),
  })
  .strict()
  .superRefine(delegatesHaveACountry);

export const changeRoleSchema = z.object({ role, country }).strict().superRefine(delegatesHaveACountry);

/** "14, 3": up to five numbers of days before the due date, each from 1 to 90; empty for none. */
const reminderDays = z
  .string({ error: 'msg.reminder_days' })
  .trim()
  .prefault('14, 3')
  .refine((value) => /^(\d{1,2}(\s*[,;]\s*\d{1,2}){0,4})?$/.test(value), 'msg.reminder_days')
  .transform((value) =>
    [
      ...new Set(
        value
          .split(/[,;]/)
          .filter((day) => day.trim() !== '')
          .map(Number),
      ),
    ].sort((a, b) => b - a),
  )
  .refine((days) => days.every((day) => day >= 1 && day <= 90), 'msg.reminder_days');

const cycleFields = {
  title: z.string({ error: 'msg.enter_a_title' }).trim().min(1, 'msg.enter_a_title').max(200),
  reminder_days: reminderDays,
  opens_on: date('opening'),
  due_on: date('due'),
  closes_on: date('closing'),
};

const datesInOrder = (cycle: { opens_on: string; due_on: string; closes_on: string }, context: z.RefinementCtx) => {
  if (!(cycle.opens_on < cycle.due_on))
    context.addIssue({ code: 'custom', path: ['due_on'], message: 'msg.due_date_must_come_after_opening' });
  if (!(cycle.due_on <= cycle.closes_on))
    context.addIssue({ code: 'custom', path: ['closes_on'], message: 'msg.closing_date_must_after_due_date' });
};

export const newCycleSchema = z
  .object({
    slug: z.string().trim().toLowerCase().regex(CYCLE_SLUG, 'msg.use_lower_case_letters_digits_hyphens').max(CYCLE_SLUG_MAX),
    kind: z.enum(CYCLE_KINDS, { error: 'msg.choose_kind_cycle' }),
    ...cycleFields,
  })
  .strict()
  .superRefine(datesInOrder);

export const editCycleSchema = z.object(cycleFields).strict().superRefine(datesInOrder);

export const cycleStateSchema = z.object({ state: z.enum(CYCLE_STATES, { error: 'msg.unknown_state' }) }).strict();

const countryFields = {
  name: z.string({ error: 'msg.enter_the_name' }).trim().min(1, 'msg.enter_the_name').max(200),
  region: z.enum(REGIONS, { error: 'msg.choose_a_region' }),
  eu_member: z.enum(['yes', 'no'], { error: 'msg.say_whether_was_eu_member_at' }).transform((value) => value === 'yes'),
  joined_on: optionalDate('joining'),
  left_on: optionalDate('leaving'),
};

const leftAfterJoined = (country: { joined_on: string | null; left_on: string | null }, context: z.RefinementCtx) => {
  if (country.joined_on && country.left_on && country.left_on <= country.joined_on) {
    context.addIssue({ code: 'custom', path: ['left_on'], message: 'msg.leaving_date_must_come_after_joining' });
  }
};

export const newCountrySchema = z
  .object({
    code: z.string().trim().toUpperCase().regex(COUNTRY_CODE, 'msg.enter_two_letter_code_such_fr'),
    ...countryFields,
  })
  .strict()
  .superRefine(leftAfterJoined);

export const editCountrySchema = z.object(countryFields).strict().superRefine(leftAfterJoined);

/**
 * An indicator's goal: the operational goal it measures (or none), the yearly change it asks
 * for in percent as the admin writes numbers ("10", "12,5" in French; blank: no yearly
 * goal), and where the goal is written.
 */
export const indicatorGoalSchema = (language: Language) =>
  z
    .object({
      goal_code: z
        .string()
        .trim()
        .regex(/^([1-9]\.[1-9])?$/, 'msg.choose_an_operational_goal')
        .transform((value) => (value === '' ? null : value))
        .prefault(''),
      goal_annual_change: z
        .string()
        .trim()
        .max(20, 'msg.goal_change_format')
        .transform((value, context) => {
          if (value === '') return null;
          const percent = parseLocalNumber(value.replace(/\s*%$/, ''), language);
          if (percent === null || percent < -100 || percent > 1000) {
            context.addIssue({ code: 'custom', message: 'msg.goal_change_format' });
            return z.NEVER;
          }
          return Math.round(percent * 100) / 10000;
        })
        .prefault(''),
      goal_source: z.string().trim().max(500, 'msg.goal_source_too_long').prefault(''),
    })
    .strict()
    .superRefine((goal, context) => {
      if (goal.goal_annual_change !== null && goal.goal_code === null)
        context.addIssue({ code: 'custom', path: ['goal_code'], message: 'msg.goal_change_needs_goal' });
    });
