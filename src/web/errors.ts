import { translateMessage } from '../i18n';

/** Values a message fills in: a `date` (YYYY-MM-DD or ISO instant) is formatted for the reader, a `what` named in their language. */
export type MessageParams = Record<string, string | number>;

/**
 * The one error type services throw. `status` is the HTTP status to answer with; `code`
 * is stable, for tests and logs; `key` names the sentence in the locale files (by default
 * error.<code>) and `params` its values, so each page says it in its reader's language.
 * `message` is the English, for logs and the command line.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly key: string = `error.${code}`,
    readonly params: MessageParams = {},
  ) {
    super(translateMessage('en', key, params));
    this.name = 'AppError';
  }
}

export const notFound = (
  what:
    | 'page'
    | 'member'
    | 'policy target'
    | 'reporting cycle'
    | 'report'
    | 'language'
    | 'action'
    | 'user'
    | 'export'
    | 'dataset'
    | 'indicator' = 'page',
) => new AppError(404, 'not_found', 'error.not_found', { what });
