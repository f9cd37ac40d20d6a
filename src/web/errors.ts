/**
 * The one error type services throw. `status` is the HTTP status to answer with;
 * `code` is stable, for tests and logs; `message` is safe to show to the user.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what = 'page') => new AppError(404, 'not_found', `We could not find that ${what}.`);

/** A rule broken by one field of a form (a taken e-mail address, a duplicate code): shown beside that field. */
export class FieldError extends AppError {
  constructor(
    status: number,
    code: string,
    readonly field: string,
    message: string,
  ) {
    super(status, code, message);
  }
}
