import type { RequestHandler } from 'express';
import type { Role } from '../users/queries';
import { AppError } from '../web/errors';

/** Anonymous visitors are sent to sign in, and come back here afterwards. */
export const requireSignIn: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  const back = req.method === 'GET' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
  res.redirect(303, `/login${back}`);
};

/** A signed-in user without one of these roles gets 403. */
export const requireRole =
  (...roles: Role[]): RequestHandler =>
  (req, res, next) => {
    if (!req.user) return requireSignIn(req, res, next);
    if (!roles.includes(req.user.role)) throw new AppError(403, 'forbidden', 'Your account does not give you access to this page.');
    next();
  };

/** Only relative paths on this site are followed after sign-in (no open redirect). */
export function safeNextPath(next: unknown): string | null {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : null;
}
