import 'express-session';
import type { CurrentUser } from '../auth/current-user';
import type { Language, Translate } from '../i18n';

declare module 'express-session' {
  interface SessionData {
    userId: number;
    /** Epoch milliseconds of the sign-in, for the absolute timeout. */
    signedInAt: number;
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
