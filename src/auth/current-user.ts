import type { RequestHandler } from 'express';
import type { Role } from '../domain';
import { navigationFor } from './policy';
import { IDLE_TIMEOUT_MINUTES } from './unsaved';

export type CurrentUser = {
  id: number;
  email: string;
  name: string;
  role: Role;
  countryCode: string | null;
};

export type CurrentUserLookup = (id: number) => Promise<CurrentUser | undefined>;

/**
 * How fresh "last seen" is kept. Saving it on every request was a database write per page
 * (the sessions table); once a minute is one per active user a minute, and the idle timeout
 * may end a sign-in up to that much early.
 */
const LAST_SEEN_PRECISION_MS = 60_000;

/** Hours after sign-in when a session ends however active it is. */
export const ABSOLUTE_SESSION_HOURS = 12;

/**
 * Looks up the signed-in user on every request (kept per users version, see ./kept-users),
 * so a deactivated user or a changed role takes effect at once. Ends the session past the
 * absolute timeout, and the sign-in (not the session: see ./unsaved) after
 * IDLE_TIMEOUT_MINUTES without a request.
 */
export function loadCurrentUser(findActiveUser: CurrentUserLookup): RequestHandler {
  return async (req, res, next) => {
    const { userId, signedInAt } = req.session;
    if (userId === undefined) {
      next();
      return;
    }
    const now = Date.now();
    if (now - (req.session.lastSeenAt ?? signedInAt ?? 0) > IDLE_TIMEOUT_MINUTES * 60_000) {
      delete req.session.userId;
      delete req.session.signedInAt;
      req.session.formerUserId = userId;
      next();
      return;
    }
    const expired = !signedInAt || now - signedInAt > ABSOLUTE_SESSION_HOURS * 3600_000;
    const user = expired ? undefined : await findActiveUser(userId);
    if (!user) {
      await new Promise<void>((resolve) =>
        req.session.regenerate(() => {
          resolve();
        }),
      );
      next();
      return;
    }
    req.user = user;
    if (now - (req.session.lastSeenAt ?? 0) >= LAST_SEEN_PRECISION_MS) req.session.lastSeenAt = now;
    // Without JavaScript the page says when the sign-in ends; with it, a dialog warns first.
    res.locals.sessionEndsAt = new Date((req.session.lastSeenAt ?? now) + IDLE_TIMEOUT_MINUTES * 60_000);
    res.locals.currentUser = user;
    res.locals.nav = navigationFor(user);
    // Pages for a signed-in user are personal: never cache them anywhere.
    res.set('Cache-Control', 'no-store');
    next();
  };
}
