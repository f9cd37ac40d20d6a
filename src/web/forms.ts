import type { Request } from 'express';
import type { z } from 'zod';

export type FormError = { field: string; message: string };

/** zod issues as the error summary lists them: the field's id and a message. */
export function formErrors(error: z.ZodError, prefix = ''): FormError[] {
  return error.issues.map((issue) => ({ field: `${prefix}${issue.path.join('-') || 'form'}`, message: issue.message }));
}

/** The first message per field, for the message shown beside each field. */
export function fieldErrors(errors: FormError[]): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const error of errors) byField[error.field] ??= error.message;
  return byField;
}

/** A single text field from a parsed body: strings only; anything else counts as absent. */
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A real calendar day written YYYY-MM-DD (not 2031-02-30). */
export function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** The fields a form posted, without its CSRF token (an empty object when there is no body). */
export function formFields(req: Request): Record<string, unknown> {
  const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
  const { _csrf: _token, ...fields } = body;
  return fields;
}
