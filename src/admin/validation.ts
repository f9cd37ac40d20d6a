import { z } from 'zod';
import { isCountryBound } from '../auth/policy';
import { CYCLE_KINDS, CYCLE_SLUG, CYCLE_SLUG_MAX, CYCLE_STATES, COUNTRY_CODE, REGIONS, ROLES, type Role } from '../domain';
import { isRealDate } from '../web/forms';

// Forms of the admin pages. Strict: an unexpected field is refused, never used.

const date = (label: string) =>
  z
    .string({ message: `Enter ${label}.` })
    .trim()
    .refine(isRealDate, `Enter ${label} as a real date, for example 2014-07-31.`);

const optionalDate = (label: string) =>
  z
    .string()
    .trim()
    .refine((value) => value === '' || isRealDate(value), `Enter ${label} as a real date, for example 2014-07-31, or leave it empty.`)
    .transform((value) => (value === '' ? null : value))
    .prefault('');

const role = z.enum(ROLES, { message: 'Choose a role.' });
const country = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^([A-Z]{2})?$/, 'Choose a country.')
  .transform((value) => (value === '' ? null : value))
  .prefault('');

/** A delegate belongs to a country; nobody else does. For every form that sets a role. */
export const delegatesHaveACountry = <T extends { role: Role; country?: string | null }>(value: T, context: z.RefinementCtx) => {
  if (isCountryBound(value.role) && !value.country) context.addIssue({ code: 'custom', path: ['country'], message: 'A delegate needs a country.' });
  if (!isCountryBound(value.role) && value.country) context.addIssue({ code: 'custom', path: ['country'], message: 'Only delegates belong to a country: leave the country empty.' });
};

export const inviteSchema = z
  .object({
    email: z.string().trim().max(254).pipe(z.email({ message: 'Enter an e-mail address like name@example.org.' })),
    name: z.string({ message: 'Enter the person’s name.' }).trim().min(1, 'Enter the person’s name.').max(200),
    role,
    country,
  })
  .strict()
  .superRefine(delegatesHaveACountry);

export const changeRoleSchema = z.object({ role, country }).strict().superRefine(delegatesHaveACountry);

const cycleFields = {
  title: z.string({ message: 'Enter a title.' }).trim().min(1, 'Enter a title.').max(200),
  opens_on: date('the opening date'),
  due_on: date('the due date'),
  closes_on: date('the closing date'),
};

const datesInOrder = (cycle: { opens_on: string; due_on: string; closes_on: string }, context: z.RefinementCtx) => {
  if (!(cycle.opens_on < cycle.due_on)) context.addIssue({ code: 'custom', path: ['due_on'], message: 'The due date must come after the opening date.' });
  if (!(cycle.due_on <= cycle.closes_on)) context.addIssue({ code: 'custom', path: ['closes_on'], message: 'The closing date must be on or after the due date.' });
};

export const newCycleSchema = z
  .object({
    slug: z.string().trim().toLowerCase().regex(CYCLE_SLUG, 'Use lower-case letters, digits and hyphens, such as 2015-progress.').max(CYCLE_SLUG_MAX),
    kind: z.enum(CYCLE_KINDS, { message: 'Choose the kind of cycle.' }),
    ...cycleFields,
  })
  .strict()
  .superRefine(datesInOrder);

export const editCycleSchema = z.object(cycleFields).strict().superRefine(datesInOrder);

export const cycleStateSchema = z.object({ state: z.enum(CYCLE_STATES, { message: 'Unknown state.' }) }).strict();

const countryFields = {
  name: z.string({ message: 'Enter the name.' }).trim().min(1, 'Enter the name.').max(200),
  region: z.enum(REGIONS, { message: 'Choose a region.' }),
  eu_member: z.enum(['yes', 'no'], { message: 'Say whether it was an EU member at the launch.' }).transform((value) => value === 'yes'),
  joined_on: optionalDate('the joining date'),
  left_on: optionalDate('the leaving date'),
};

const leftAfterJoined = (country: { joined_on: string | null; left_on: string | null }, context: z.RefinementCtx) => {
  if (country.joined_on && country.left_on && country.left_on <= country.joined_on) {
    context.addIssue({ code: 'custom', path: ['left_on'], message: 'The leaving date must come after the joining date.' });
  }
};

export const newCountrySchema = z
  .object({
    code: z.string().trim().toUpperCase().regex(COUNTRY_CODE, 'Enter the two-letter code, such as FR (XK for Kosovo).'),
    ...countryFields,
  })
  .strict()
  .superRefine(leftAfterJoined);

export const editCountrySchema = z.object(countryFields).strict().superRefine(leftAfterJoined);
