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
