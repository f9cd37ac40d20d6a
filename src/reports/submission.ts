import { z } from 'zod';
import { targetCode, UPDATE_STATUSES } from '../domain';

// A submitted version of a report, frozen as jsonb in report_submissions. One schema for
// the writer (submit) and every reader (the review's comparison): what is read back is
// parsed with it, so a snapshot that no longer fits fails loudly instead of showing blanks.

const baselineEntry = z.object({ target_code: targetCode, existing_measures: z.string(), gaps: z.string() });

const pledgedAction = z.object({
  id: z.number().int(),
  title: z.string(),
  target_code: targetCode,
  goal_code: z.string().nullable(),
  responsible_body: z.string(),
  due_on: z.string().nullable(),
  description: z.string(),
});

const update = z.object({
  action_id: z.number().int(),
  status: z.enum(UPDATE_STATUSES),
  percent_complete: z.number().nullable(),
  narrative: z.string(),
});

/** A value, or null for "not available" (the note says why). */
const indicatorValue = z.object({ indicator_code: z.string(), value: z.coerce.number().nullable(), note: z.string() });

const targetSummary = z.object({ target_code: targetCode, summary: z.string() });

export const submissionContentSchema = z.object({
  baseline: z.array(baselineEntry),
  pledged: z.array(pledgedAction),
  withdrawn: z.array(z.object({ id: z.number().int(), reason: z.string().nullable() })),
  updates: z.array(update),
  indicators: z.array(indicatorValue),
  // Versions submitted before progress summaries existed have none.
  summaries: z.array(targetSummary).default([]),
});

export type SubmissionContent = z.infer<typeof submissionContentSchema>;
