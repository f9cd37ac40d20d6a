/**
 * The one error type services throw. `status` is the HTTP status to answer with;
 * `code` is stable, for tests and logs; `message` is the English, safe to show. Pages
 * show it in the reader's language: the phrase error.<code> of the locale files, or
 * `template` (an English message with {{placeholders}}) from the messages catalogue,
 * filled in with `params`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly params: Record<string, string> = {},
    readonly template?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what = 'page') => new AppError(404, 'not_found', `We could not find that ${what}.`, { what });

/** A rule broken by one field of a form (a taken e-mail address, a duplicate code): shown beside that field. */
export class FieldError extends AppError {
  constructor(
    status: number,
    code: string,
    readonly field: string,
    message: string,
    params: Record<string, string> = {},
    template?: string,
  ) {
    super(status, code, message, params, template);
  }
}
