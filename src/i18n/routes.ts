import { Router } from 'express';
import { notFound } from '../web/errors';
import { isLanguage, LANGUAGE_COOKIE } from './index';

const COOKIE_MAX_AGE_MS = 365 * 24 * 3600_000;

/** A path on this site to go back to; anything else (another site, "//host") is the overview. */
const localPath = (value: unknown) =>
  typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\') ? value : '/';

/**
 * GET /language/:code?back=/path — the switch. It only sets a preference cookie (no
 * session, so public pages stay cacheable) and returns to the page the reader was on.
 */
export function languageRoutes(options: { production: boolean }): Router {
  const router = Router();
  router.get('/language/:code', (req, res) => {
    const code = req.params.code;
    if (!isLanguage(code)) throw notFound('language');
    res.cookie(LANGUAGE_COOKIE, code, {
      maxAge: COOKIE_MAX_AGE_MS,
      sameSite: 'lax',
      secure: options.production,
      httpOnly: true,
      path: '/',
    });
    res.set('Cache-Control', 'no-store');
    res.redirect(303, localPath(req.query.back));
  });
  return router;
}
