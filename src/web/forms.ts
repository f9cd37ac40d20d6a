import { promisify } from 'node:util';
import type { Request, RequestHandler, Response } from 'express';
import type { SessionData } from 'express-session';
import { z } from 'zod';
import { AppError, type MessageParams } from './errors';
import { nulPath, withoutNul } from './nul';

// The one way a form post is handled: parse the fields with the form's zod schema, call
// the service, then either redirect with a flash message (post/redirect/get) or show the
// page again with the error summary, the message beside each field and what was typed.

/** A message about one field: its id on the page, the message's key and values. */
export type FormError = { field: string; message: string; params?: MessageParams };

/** The page shown again: which form, what was typed, and what is wrong (or, for a check, what it found). */
export type Redisplay = { form: string; values: Record<string, unknown>; errors: FormError[]; conflict?: boolean; result?: unknown };

/** Where a form goes when the service call worked: another page, or (a dry run) the same page with what was found. */
type Outcome = { url: string; flash?: Flash } | { status: number; result: unknown };

/**
 * An error a service throws about the form itself, to be shown beside its fields rather
 * than on an error page. Field ids are the form's own (`email`); `absolute` ones are ids
 * on the page as they stand (`baseline-PT1-existing`).
 */
/** Something a person can read: not only spaces, zero-width or other invisible characters. */
export const isVisibleText = (text: string) => text.replace(/[\p{Cf}\p{Z}\s]/gu, '').length > 0;

export class FormRefusal extends AppError {
  constructor(
    status: number,
    code: string,
    readonly fields: FormError[],
    readonly options: { absolute?: boolean; conflict?: boolean } = {},
  ) {
    super(status, code, fields[0]?.message, fields[0]?.params);
  }
}

/** A rule broken by one field of a form (a taken e-mail address, a duplicate code). */
export class FieldError extends FormRefusal {
  constructor(status: number, code: string, field: string, key = `error.${code}`, params: MessageParams = {}) {
    super(status, code, [{ field, message: key, params }]);
  }
}

/** zod issues as the error summary lists them: the field's id and a message key. */
function formErrors(error: z.ZodError, prefix = ''): FormError[] {
  return error.issues.map((issue) => ({
    field: `${prefix}${issue.path.join('-') || 'form'}`,
    message: issue.message,
    ...(issue.code === 'custom' && issue.params ? { params: issue.params as MessageParams } : {}),
  }));
}

/** The first message per field, for the message shown beside each field. */
export function fieldErrors(errors: FormError[]): Record<string, FormError> {
  const byField: Record<string, FormError> = {};
  for (const error of errors) byField[error.field] ??= error;
  return byField;
}

/** A form whose button is all there is (sign out, deactivate). */
export const noFields = z.object({}).strict();

/** A value as a form field shows it: text as it is, a number or boolean written out, anything else empty. */
export const fieldText = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';

/**
 * Text with every line break a line feed. Browsers send a textarea's line breaks as CR LF;
 * text from an import or the demo has LF: compared, they are the same text.
 */
export const withLineFeeds = (text: string) => text.replace(/\r\n?/g, '\n');

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

type Flash = SessionData['flash'];

export type FormSpec<S extends z.ZodType, R> = {
  /** The form's name: it prefixes the ids of its fields (`invite-email`), unless `prefix` says otherwise. */
  form: (req: Request) => string;
  /** What to put before a field's name to make its id; by default `<form>-`. */
  prefix?: (req: Request) => string;
  /** The fields' schema, or one made for the request (numbers as its language writes them). */
  schema: S | ((req: Request) => S);
  /** The one service call. */
  run: (req: Request, input: z.output<S>) => Promise<R>;
  /** Shows the page again, with the status, what was typed and the errors. */
  redisplay: (req: Request, res: Response, status: number, redisplay: Redisplay) => unknown;
  /** Where to go when it worked, and what to say there. */
  done: (req: Request, result: R, res: Response) => Outcome | Promise<Outcome>;
};

export function handleForm<S extends z.ZodType, R>(spec: FormSpec<S, R>): RequestHandler {
  return async (req, res) => {
    const values = formFields(req);
    const form = spec.form(req);
    const prefix = spec.prefix ? spec.prefix(req) : `${form}-`;
    const nul = nulPath(values);
    if (nul !== null) {
      // Shown again without the NUL characters, everything else as typed.
      return spec.redisplay(req, res, 422, {
        form,
        values: withoutNul(values) as Record<string, unknown>,
        errors: [{ field: `${prefix}${nul || 'form'}`, message: 'msg.nul_in_field' }],
      });
    }
    const schema = typeof spec.schema === 'function' ? spec.schema(req) : spec.schema;
    const parsed = schema.safeParse(values);
    if (!parsed.success) return spec.redisplay(req, res, 422, { form, values, errors: formErrors(parsed.error, prefix) });
    let result: R;
    try {
      result = await spec.run(req, parsed.data);
    } catch (error) {
      if (!(error instanceof FormRefusal)) throw error;
      const errors = error.fields.map((field) => ({ ...field, field: error.options.absolute ? field.field : `${prefix}${field.field}` }));
      return spec.redisplay(req, res, error.status, { form, values, errors, conflict: error.options.conflict });
    }
    const outcome = await spec.done(req, result, res);
    if ('result' in outcome) return spec.redisplay(req, res, outcome.status, { form, values, errors: [], result: outcome.result });
    if (!outcome.flash) {
      res.redirect(303, outcome.url);
      return;
    }
    req.session.flash = outcome.flash;
    await redirectWithSession(req, res, outcome.url);
  };
}

/**
 * Redirects (303) once the session is saved, for a page that reads what was just put in
 * it. express-session sends a response's headers before it saves a changed session (it
 * holds back only the body's last byte), and a browser follows a 303 on its headers: under
 * load the next page read the session from before the change ("Saved." went missing).
 */
export async function redirectWithSession(req: Request, res: Response, url: string): Promise<void> {
  await promisify(req.session.save.bind(req.session))();
  res.redirect(303, url);
}
