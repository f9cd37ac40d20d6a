import type { Request, RequestHandler } from 'express';
import type { CurrentUser } from './current-user';
import { authorize, roleAllows, type PolicyAction } from './policy';
import { keepUnsavedForm } from './unsaved';
import { redirectWithSession } from '../web/forms';

/**
 * A route guard from the access policy: anonymous visitors are sent to sign in (and come
 * back here afterwards), a role the policy refuses gets 403. Country-scoped actions are
 * checked again, with the country, by the service. A form posted after the idle timeout
 * is kept for its user, who comes back to it after signing in again.
 */
export const allow =
  (action: PolicyAction): RequestHandler =>
  async (req, res, next) => {
    if (!req.user) {
      const back = req.method === 'GET' ? { path: req.originalUrl, kept: false } : keepUnsavedForm(req);
      const url = back ? `/login?next=${encodeURIComponent(back.path)}${back.kept ? '&kept=1' : ''}` : '/login';
      // The sign-in page says the form is kept: it is, before the browser gets there.
      if (back?.kept) await redirectWithSession(req, res, url);
      else res.redirect(303, url);
      return;
    }
    if (!roleAllows(req.user, action)) authorize(req.user, action);
    next();
  };

/** The signed-in user of a request that passed `allow`; a route without that guard is a bug, answered 500. */
export function signedIn(req: Request): CurrentUser {
  if (!req.user) throw new Error(`${req.method} ${req.path} needs allow(…) before it reads the user`);
  return req.user;
}

/** Only relative paths on this site are followed after sign-in (no open redirect). */
export function safeNextPath(next: unknown): string | null {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : null;
}
