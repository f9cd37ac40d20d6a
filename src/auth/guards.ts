import type { RequestHandler } from 'express';
import { authorize, roleAllows, type PolicyAction } from './policy';

/**
 * A route guard from the access policy: anonymous visitors are sent to sign in (and come
 * back here afterwards), a role the policy refuses gets 403. Country-scoped actions are
 * checked again, with the country, by the service.
 */
export const allow =
  (action: PolicyAction): RequestHandler =>
  (req, res, next) => {
    if (!req.user) {
      const back = req.method === 'GET' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
      return res.redirect(303, `/login${back}`);
    }
    if (!roleAllows(req.user, action)) authorize(req.user, action);
    next();
  };

/** Only relative paths on this site are followed after sign-in (no open redirect). */
export function safeNextPath(next: unknown): string | null {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : null;
}
