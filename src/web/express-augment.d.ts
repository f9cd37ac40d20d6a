import 'express-session';
import type { CurrentUser } from '../auth/current-user';

declare module 'express-session' {
  interface SessionData {
    userId: number;
    /** Epoch milliseconds of the sign-in, for the absolute timeout. */
    signedInAt: number;
    /** A one-off message shown on the next page (post/redirect/get). */
    flash: { kind: 'success' | 'info'; text: string; detail?: string };
  }
}

declare global {
  namespace Express {
    interface Request {
      /** The signed-in user, loaded fresh from the database on every request. */
      user?: CurrentUser;
    }
  }
}
