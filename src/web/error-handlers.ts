import type { ErrorRequestHandler, RequestHandler } from 'express';
import { translator, type Language } from '../i18n';
import { errorMessage } from './error-messages';
import { AppError, notFound } from './errors';

/** Errors that mean "the database is not answering right now": worth a 503, not a 500. */
function isDatabaseUnavailable(error: unknown): boolean {
  // Duck-typed: errors from node's sockets may come from another realm (vm, workers).
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return (
    name === 'KnexTimeoutError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '57014', '53300'].includes(String(code)) ||
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|^timeout expired$/i.test(String(message))
  );
}

function classify(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) {
    return new AppError(503, 'service_unavailable', 'msg.service_busy_database_not_answering_please');
  }
  // Errors raised by Express' own body parsers carry a 4xx status.
  const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
  if (status === 404) return notFound();
  if ((error as { code?: string }).code === 'EBADCSRFTOKEN') {
    return new AppError(403, 'csrf_token_invalid', 'msg.form_has_expired_was_not_sent');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return status === 413
      ? new AppError(413, 'too_large', 'msg.what_sent_too_large')
      : new AppError(status, 'bad_request', 'msg.request_could_not_understood');
  }
  return new AppError(500, 'internal_error', 'msg.something_went_wrong_our_side_has');
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(notFound());
};

/** The one error handler: logs with the request id, renders a friendly page, never a stack trace. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  // A download whose reader went away, or was cut off for reading nothing, ends here with
  // the error that stopped it: the client's doing, not a failure of ours to alert on.
  if (res.headersSent && req.socket.destroyed) {
    req.log.info({ reason: error instanceof Error ? error.message : String(error) }, 'the client went away');
    return;
  }
  const appError = classify(error);
  if (appError.status >= 500) req.log.error({ err: error, code: appError.code }, 'request failed');
  else req.log.info({ code: appError.code }, appError.message);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(appError.status).set('Cache-Control', 'no-store');
  // A refusal before the body was read (an upload refused by the CSRF or role check): close
  // the connection rather than read and discard the rest of the body.
  if (!req.complete) res.set('Connection', 'close');
  if (appError.status === 503) res.set('Retry-After', '30');
  if (appError.status === 429) res.set('Retry-After', '10');
  // An error before useLanguage ran (none expected) is told in English.
  const language = (req.language as Language | undefined) ?? 'en';
  const t = translator(language);
  res.render('error', {
    title: t(appError.status === 404 ? 'error.notFoundTitle' : appError.status >= 500 ? 'error.serverTitle' : 'error.requestTitle'),
    status: appError.status,
    message: errorMessage(appError, language),
    requestId: typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : '',
  });
};
