import type { Request } from 'express';
import { formFields } from '../web/forms';
import { safeNextPath } from './guards';

// Nothing typed is lost when a sign-in ends. The session outlives the sign-in: after
// IDLE_TIMEOUT_MINUTES without a request the user is signed out but the session (and its
// CSRF token) stays, remembering who was signed in. A form posted then is kept in the
// session, which lives server-side in PostgreSQL, bound to that user; the sign-in page
// sends them back to the form's page, which shows what they typed, marked "not saved
// yet". Anyone else signing in on that browser gets a new session without it.

/** Minutes without a request after which a user is signed out. */
export const IDLE_TIMEOUT_MINUTES = 30;
/** How long a kept form waits for its user to sign in again. */
const UNSAVED_KEPT_MINUTES = 120;

/** The page a form was on: its Referer when that is a path of this site, else the address it posted to. */
function formPage(req: Request): string {
  const referer = req.get('Referer');
  if (referer) {
    try {
      const url = new URL(referer);
      if (url.host === req.get('Host')) {
        // The page itself: the kept values replace whatever its query string would preset.
        const path = safeNextPath(url.pathname);
        if (path) return path;
      }
    } catch {
      // Not a URL: fall back to the form's own address.
    }
  }
  // originalUrl, not path: under a mounted router path is relative to the mount point.
  return req.originalUrl.split('?')[0] ?? '/';
}

/** The forms whose pages show a kept form again: the delegate's workspace. */
const KEEPS_FORMS = /^\/reports\/[A-Z]{2}\/[a-z0-9-]+\//;

/**
 * For a form posted after the idle timeout: where to return after signing in again (null
 * when nobody was signed in), and whether what was typed is kept (workspace forms, for the
 * user who was signed in).
 */
export function keepUnsavedForm(req: Request): { path: string; kept: boolean } | null {
  const userId = req.session.formerUserId;
  if (userId === undefined) return null;
  const path = formPage(req);
  if (!KEEPS_FORMS.test(req.originalUrl)) return { path, kept: false };
  req.session.unsaved = { userId, path, values: formFields(req), at: Date.now() };
  return { path, kept: true };
}

/** What this user typed on this page before their sign-in ended, if it is still kept. */
export function unsavedForm(req: Request, path: string): Record<string, unknown> | undefined {
  const kept = req.session.unsaved;
  if (!kept || kept.userId !== req.user?.id || kept.path !== path) return undefined;
  if (Date.now() - kept.at > UNSAVED_KEPT_MINUTES * 60_000) {
    delete req.session.unsaved;
    return undefined;
  }
  return kept.values;
}

/** Forgets the kept form of this page, once it is saved. */
export function forgetUnsavedForm(req: Request, path: string) {
  if (req.session.unsaved?.path === path) delete req.session.unsaved;
}

/** The kept form to carry into the new session at sign-in: only the same user's. */
export const unsavedFor = (req: Request, userId: number) => (req.session.unsaved?.userId === userId ? req.session.unsaved : undefined);
