import { z } from 'zod';
import { REPORTED_STATUSES, TARGET_CODES } from '../domain';
import type { Language } from '../i18n';
import { parseLocalNumber } from '../i18n/numbers';
import { TEXT_LANGUAGES } from '../i18n/text-languages';
import { isRealDate, isVisibleText } from '../web/forms';

// Form schemas for the report pages. Every schema is strict: a field the form does not
// have (country, state, role, version of another report...) is refused, never used.

const version = z.coerce.number({ error: 'msg.form_out_date_reload_page' }).int().min(0);

/** Optional text of at most `max` characters; `field` names its messages (msg.not_text.<field>, msg.too_long.<field>). */
const optionalText = (max: number, field: string) =>
  z
    .string({ error: `msg.not_text.${field}` })
    .trim()
    .max(max, `msg.too_long.${field}`)
    .default('');

const isoDate = z
  .string()
  .trim()
  .refine((value) => value === '' || isRealDate(value), {
    error: 'msg.enter_real_date_example_2014_12',
  })
  .transform((value) => (value === '' ? null : value));

export const baselineSchema = z
  .object({
    version,
    baseline: z
      .partialRecord(
        z.enum(TARGET_CODES, { error: 'msg.unknown_policy_target' }),
        z
          .object({
            existing: optionalText(10_000, 'existing'),
            gaps: optionalText(10_000, 'gaps'),
            // "No new action under this target", and why; only the target's own page has it.
            no_action_reason: optionalText(2_000, 'no_action_reason'),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

export const actionSchema = z
  .object({
    version,
    title: z.string({ error: 'msg.enter_a_title' }).trim().min(1, 'msg.enter_title_action').max(300, 'msg.title_must_300_characters_fewer'),
    target: z.enum(TARGET_CODES, { error: 'msg.choose_policy_target_action_serves' }),
    goal: z
      .string()
      .trim()
      .regex(/^([1-9]\.[1-9])?$/, 'msg.choose_operational_goal_from_list')
      .transform((value) => (value === '' ? null : value))
      .prefault(''),
    body: optionalText(300, 'body'),
    due_on: isoDate.prefault(''),
    description: optionalText(5_000, 'description'),
  })
  .strict()
  .refine((action) => action.goal === null || action.goal.startsWith(action.target.slice(2)), {
    path: ['goal'],
    error: 'msg.operational_goal_must_belong_chosen_policy',
  });

const percent = z
  .string()
  .trim()
  .regex(/^(\d{1,3})?$/, 'msg.enter_percentage_whole_number_from_0')
  .transform((value) => (value === '' ? null : Number(value)))
  .refine((value) => value === null || value <= 100, 'msg.enter_percentage_whole_number_from_0');

/** A pledge's key in the progress section's form: "a" + the action id (a bare number would make the body parser build an array). */
export const PLEDGE_KEY = /^a\d{1,9}$/;

/** The action id of a key of the progress section's form (PLEDGE_KEY). */
export const pledgeOfKey = (key: string) => Number(key.slice(1));

export const updatesSchema = z
  .object({
    version,
    updates: z
      .record(
        z.string().regex(PLEDGE_KEY, 'msg.unknown_action'),
        z
          .object({
            status: z.enum(REPORTED_STATUSES, { error: 'msg.choose_status_2' }).or(z.literal('').transform(() => null)),
            percent: percent.prefault(''),
            narrative: optionalText(5_000, 'narrative'),
          })
          .strict()
          .refine((update) => update.status !== 'completed' || update.percent === null || update.percent === 100, {
            path: ['percent'],
            error: 'msg.completed_action_100_complete',
          }),
      )
      .default({}),
  })
  .strict();

export const withdrawSchema = z
  .object({
    version,
    reason: z
      .string({ error: 'msg.give_the_reason' })
      .trim()
      .min(1, 'msg.give_reason_withdrawing_action')
      .max(2_000, 'msg.reason_must_2_000_characters_fewer'),
  })
  .strict();

/**
 * Each indicator: a value written the interface language's way ("12,5", "1 250" in
 * French), or "not available" with the reason as its note; both empty is no answer yet.
 */
export const indicatorsSchema = (language: Language) =>
  z
    .object({
      version,
      indicators: z
        .record(
          z.string().regex(/^[a-z][a-z0-9_]*$/, 'msg.unknown_indicator'),
          z
            .object({
              value: z
                .string()
                .trim()
                .max(40, 'msg.workspace.number_format')
                .transform((value, context) => {
                  if (value === '') return null;
                  const number = parseLocalNumber(value, language);
                  if (number === null || number >= 1e12) {
                    context.addIssue({ code: 'custom', message: 'msg.workspace.number_format' });
                    return z.NEVER;
                  }
                  return number;
                })
                .prefault(''),
              unavailable: z
                .literal('yes', { error: 'msg.workspace.unavailable_yes' })
                .optional()
                .transform((value) => value === 'yes'),
              note: optionalText(1_000, 'note'),
            })
            .strict()
            .superRefine((entry, context) => {
              if (entry.unavailable && entry.value !== null)
                context.addIssue({ code: 'custom', path: ['value'], message: 'msg.workspace.value_or_unavailable' });
              if (entry.unavailable && !entry.note)
                context.addIssue({ code: 'custom', path: ['note'], message: 'msg.workspace.unavailable_reason' });
            }),
        )
        .default({}),
    })
    .strict();

export type IndicatorsInput = z.output<ReturnType<typeof indicatorsSchema>>;

/** A progress report's summary of progress under each policy target. */
export const summariesSchema = z
  .object({
    version,
    summaries: z.partialRecord(z.enum(TARGET_CODES, { error: 'msg.unknown_policy_target' }), optionalText(10_000, 'summary')).default({}),
  })
  .strict();

export const versionOnlySchema = z.object({ version }).strict();

/** Submitting: the version the delegate checked, and the declaration that it is filed on the member's behalf. */
export const submitSchema = z
  .object({
    version,
    declaration: z.literal('yes', { error: 'msg.workspace.confirm_declaration' }),
  })
  .strict();

/** A delegate's answer to the secretariat's question on one item. */
export const answerSchema = z
  .object({
    answer: z
      .string({ error: 'msg.question.write_answer' })
      .trim()
      .max(5_000, 'msg.question.answer_too_long')
      .refine(isVisibleText, 'msg.question.write_answer'),
  })
  .strict();

/** About this report: the language of its texts ('' is "not stated") and who contributed. */
export const aboutSchema = z
  .object({
    version,
    text_language: z
      .enum(['', ...TEXT_LANGUAGES], { error: 'msg.choose_language_from_list_not_stated' })
      .default('')
      .transform((value) => (value === '' ? null : value)),
    contributors: optionalText(2_000, 'contributors'),
  })
  .strict();
