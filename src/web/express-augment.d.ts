import 'express-session';
import type { CurrentUser } from '../auth/current-user';
import type { Language, Translate } from '../i18n';

declare module 'express-session' {
  interface SessionData {
    userId: number;
    /** Epoch milliseconds of the sign-in, for the absolute timeout. */
    signedInAt: number;
    /** Epoch milliseconds of the signed-in user's last request, for the idle timeout. */
    lastSeenAt: number;
    /** Who was signed in when the idle timeout ended the sign-in (the session itself lives on). */
    formerUserId: number;
    /** A form that arrived after the sign-in ended: kept for that user only (auth/unsaved.ts). */
    unsaved: { userId: number; path: string; values: Record<string, unknown>; at: number };
    /** A one-off message shown on the next page (post/redirect/get). */
    flash: { kind: 'success' | 'info'; text: string; params?: Record<string, string | number>; detail?: string };
  }
}

declare global {
  namespace Express {
    interface Request {
      /** The signed-in user, loaded fresh from the database on every request. */
      user?: CurrentUser;
      /** The reader's language (see useLanguage) and its phrases. */
      language: Language;
      t: Translate;
    }
  }
}
