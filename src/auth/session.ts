import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import type { RequestHandler } from 'express';

import type { Logger } from '../logger';
import { ABSOLUTE_SESSION_HOURS } from './current-user';
import { KeptSessionStore } from './kept-sessions';

export const SESSION_COOKIE = 'alliance.sid';

export type SessionStore = session.Store & { close?: () => void | Promise<void> };

/**
 * Sessions live in PostgreSQL (table `sessions`), so any instance can serve any user; each
 * instance keeps those it has read until the database announces a change (./kept-sessions).
 * @param options.listen false: read the session on every request (tests that change
 * sessions in the database and request at once, before the announcement could arrive).
 */
export function createSessionStore(
  connectionString: string,
  options: { pruneExpired: boolean; listen: boolean; logger?: Logger },
): SessionStore {
  const PgStore = connectPgSimple(session);
  const stored = new PgStore({
    conObject: { connectionString, max: 4, connectionTimeoutMillis: 5000 },
    tableName: 'sessions',
    createTableIfMissing: false,
    pruneSessionInterval: options.pruneExpired ? 15 * 60 : false,
    // No write per request just to push the expiry on: a signed-in session is saved (and its
    // expiry moved) when it changes, which the sign-in's "last seen" does once a minute
    // (./current-user.ts). A visitor's session (a CSRF token) lasts from when it was made.
    disableTouch: true,
  });
  return new KeptSessionStore(stored, { connectionString, listen: options.listen, logger: options.logger });
}

/**
 * The session cookie: HttpOnly, SameSite=Lax, Secure in production. It lasts as long as
 * a sign-in may from when the session was last saved, as the stored session does; the idle
 * timeout ends the sign-in, not the session, so a form posted after it is kept (./unsaved).
 * Nothing is stored for a visitor until something needs to be (a CSRF token, a sign-in).
 *
 * Not rolling: the stored session's expiry moves only when it is saved (no touch), which a
 * signed-in reader's "last seen" does once a minute, so a cookie sent again with every page
 * outlived nothing; it cost a signature and a header a request (a signed-in page's rate
 * +5 %, side by side).
 */
export function sessionMiddleware(store: SessionStore, secret: string, production: boolean): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    store,
    secret,
    resave: false,
    saveUninitialized: false,
    // Whether the connection is HTTPS comes from Express' one trust proxy setting (req.secure),
    // so X-Forwarded-Proto counts only from a trusted proxy.
    cookie: { httpOnly: true, sameSite: 'lax', secure: production, maxAge: ABSOLUTE_SESSION_HOURS * 3600_000, path: '/' },
  });
}
