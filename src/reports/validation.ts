import { z } from 'zod';
import { REPORTED_STATUSES, TARGET_CODES } from '../domain';
import { TEXT_LANGUAGES } from '../i18n/text-languages';
import { isRealDate } from '../web/forms';

// Form schemas for the report pages. Every schema is strict: a field the form does not
// have (country, state, role, version of another report...) is refused, never used.

const version = z.coerce.number({ message: 'This form is out of date: reload the page.' }).int().min(0);

const optionalText = (max: number, label: string) =>
  z.string({ message: `${label} must be text.` }).trim().max(max, `${label} must be ${max} characters or fewer.`).default('');

const isoDate = z
  .string()
  .trim()
  .refine((value) => value === '' || isRealDate(value), {
    message: 'Enter a real date, for example 2014-12-31.',
  })
  .transform((value) => (value === '' ? null : value));


export const baselineSchema = z
  .object({
    version,
    baseline: z
      .partialRecord(
        z.enum(TARGET_CODES, { message: 'Unknown policy target.' }),
        z.object({ existing: optionalText(10_000, 'The measures in place'), gaps: optionalText(10_000, 'The gaps') }).strict(),
      )
      .default({}),
  })
  .strict();

export const actionSchema = z
  .object({
    version,
    title: z.string({ message: 'Enter a title.' }).trim().min(1, 'Enter a title for the action.').max(300, 'The title must be 300 characters or fewer.'),
    target: z.enum(TARGET_CODES, { message: 'Choose the policy target the action serves.' }),
    goal: z
      .string()
      .trim()
      .regex(/^([1-9]\.[1-9])?$/, 'Choose an operational goal from the list.')
      .transform((value) => (value === '' ? null : value))
      .prefault(''),
    body: optionalText(300, 'The responsible body'),
    due_on: isoDate.prefault(''),
    description: optionalText(5_000, 'The description'),
  })
  .strict()
  .refine((action) => action.goal === null || action.goal.startsWith(action.target.slice(2)), {
    path: ['goal'],
    message: 'The operational goal must belong to the chosen policy target.',
  });


const percent = z
  .string()
  .trim()
  .regex(/^(\d{1,3})?$/, 'Enter the percentage as a whole number from 0 to 100.')
  .transform((value) => (value === '' ? null : Number(value)))
  .refine((value) => value === null || value <= 100, 'Enter the percentage as a whole number from 0 to 100.');

export const updatesSchema = z
  .object({
    version,
    updates: z
      .record(
        // Keys are "a" + the action id: a bare number would make the body parser build an array.
        z.string().regex(/^a\d{1,9}$/, 'Unknown action.'),
        z
          .object({
            status: z.enum(REPORTED_STATUSES, { message: 'Choose a status.' }).or(z.literal('').transform(() => null)),
            percent: percent.prefault(''),
            narrative: optionalText(5_000, 'The progress narrative'),
          })
          .strict()
          .refine((update) => update.status !== 'completed' || update.percent === null || update.percent === 100, {
            path: ['percent'],
            message: 'A completed action is 100% complete.',
          }),
      )
      .default({}),
  })
  .strict();

export const withdrawSchema = z
  .object({
    version,
    reason: z.string({ message: 'Give the reason.' }).trim().min(1, 'Give the reason for withdrawing the action.').max(2_000, 'The reason must be 2,000 characters or fewer.'),
  })
  .strict();

export const indicatorsSchema = z
  .object({
    version,
    indicators: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]*$/, 'Unknown indicator.'),
        z
          .object({
            value: z
              .string()
              .trim()
              .regex(/^(\d{1,12}(\.\d{1,2})?)?$/, 'Enter a number of 0 or more, with at most two decimals.')
              .transform((value) => (value === '' ? null : Number(value))),
            note: optionalText(1_000, 'The note'),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

export const versionOnlySchema = z.object({ version }).strict();

/** The language of the report's texts; '' is "not stated". */
export const textLanguageSchema = z
  .object({
    version,
    text_language: z
      .enum(['', ...TEXT_LANGUAGES], { message: 'Choose a language from the list, or “Not stated”.' })
      .default('')
      .transform((value) => (value === '' ? null : value)),
  })
  .strict();
