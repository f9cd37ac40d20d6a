import { csrfSync } from 'csrf-sync';
import type { Request, RequestHandler } from 'express';
import { IMPORT_PATH } from '../exports/upload';

// Synchroniser tokens kept in the session; every form sends its token as `_csrf`. The
// import's forms send it in their address, so it is checked before their (large) body is
// read; the logs leave it out (see app.ts).
const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req) => {
    const token =
      req.path === IMPORT_PATH ? (req.query as Record<string, unknown>)._csrf : (req.body as Record<string, unknown> | undefined)?._csrf;
    return typeof token === 'string' ? token : undefined;
  },
  errorConfig: { statusCode: 403, message: 'msg.form_has_expired_go_back_reload', code: 'EBADCSRFTOKEN' },
});

/**
 * Refuses any POST whose token is missing or not this session's. Signed-in pages get
 * the token for their forms; anonymous pages ask for one with formToken(), so a visitor
 * who only reads public pages never gets a session (and the pages stay cacheable).
 */
export const csrfProtection: RequestHandler = (req, res, next) => {
  csrfSynchronisedProtection(req, res, (error?: unknown) => {
    if (error) {
      next(error);
      return;
    }
    if (req.session.userId !== undefined) res.locals.csrfToken = generateToken(req);
    next();
  });
};

/** The session's CSRF token, created (with the session) if needed. */
export const formToken = (req: Request): string => generateToken(req);
