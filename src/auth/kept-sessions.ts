import session, { type SessionData } from 'express-session';
import { createListener, type Listener } from '../db/listener';
import type { Logger } from '../logger';

/** Sessions kept at most; past that, the instance starts afresh (each is read again once). */
const KEPT_AT_MOST = 10_000;

type Callback = (error?: unknown) => void;

/**
 * The sessions an instance has read, kept while a listening connection vouches that none
 * of them changed: the database announces every update and delete of a session when it
 * commits (migration ...20261128000100_announce_session_changes), and the instance drops
 * that session. So a signed-in page does not read its session on every request (a third
 * of what PostgreSQL did for a kept page), yet a sign-out, a sign-in or a deactivated
 * user's sessions deleted by another instance end here the moment they commit.
 *
 * While no connection listens (starting, lost, reconnecting), every request reads its
 * session, as without this store. A read is kept only if no announcement (of any session)
 * and no write by this instance came while it ran, so a read that raced a change is never
 * kept. Kept as JSON and parsed for each request: express-session's request changes the
 * objects it is given.
 */
export class KeptSessionStore extends session.Store {
  readonly #stored: session.Store;
  readonly #listener: Listener;
  readonly #listen: boolean;
  #kept = new Map<string, { json: string; expiresAt: number }>();
  #live = false;
  /** Moves with every announcement, write and listener change: a read kept only if it did not move meanwhile. */
  #changes = 0;

  constructor(stored: session.Store, options: { connectionString: string; listen: boolean; logger?: Logger; retryMs?: number }) {
    super();
    this.#stored = stored;
    this.#listen = options.listen;
    this.#listener = createListener({
      connectionString: options.connectionString,
      channel: 'sessions_changed',
      applicationName: 'alliance-tracker-sessions-listener',
      logger: options.logger,
      retryMs: options.retryMs,
      onMessage: (sid) => {
        this.#changes++;
        if (sid === '*') this.#kept.clear();
        else this.#kept.delete(sid);
      },
      read: async (connection) => {
        await connection.query('select 1');
      },
      onRead: (_, first) => {
        if (!first) return;
        this.#changes++;
        this.#kept.clear();
        this.#live = true;
      },
      onLost: () => {
        this.#changes++;
        this.#live = false;
        this.#kept.clear();
      },
    });
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    const kept = this.#live ? this.#kept.get(sid) : undefined;
    if (kept && kept.expiresAt > Date.now()) {
      callback(null, JSON.parse(kept.json) as SessionData);
      return;
    }
    if (this.#listen) this.#listener.start();
    const changes = this.#changes;
    this.#stored.get(sid, (error, stored) => {
      if (!error && stored && this.#live && this.#changes === changes) {
        if (this.#kept.size >= KEPT_AT_MOST) this.#kept.clear();
        // As the store reads it: until the cookie's expiry, else until the next change. (The
        // stored cookie's expiry is what express-session wrote from maxAge, read here as data.)
        const { expires } = stored.cookie as { expires?: string | Date | null };
        const expiresAt = expires ? new Date(expires).getTime() : Infinity;
        this.#kept.set(sid, { json: JSON.stringify(stored), expiresAt });
      }
      callback(error, stored);
    });
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    this.#forget(sid);
    this.#stored.set(sid, data, (error?: unknown) => {
      this.#forget(sid);
      callback?.(error);
    });
  }

  override destroy(sid: string, callback?: Callback): void {
    this.#forget(sid);
    this.#stored.destroy(sid, (error?: unknown) => {
      this.#forget(sid);
      callback?.(error);
    });
  }

  override touch(sid: string, data: SessionData, callback?: () => void): void {
    if (this.#stored.touch) this.#stored.touch(sid, data, callback);
    else callback?.();
  }

  async close(): Promise<void> {
    await this.#listener.close();
    await (this.#stored as session.Store & { close?: () => Promise<void> }).close?.();
  }

  /** A write of this instance's own: its read of the session, if in flight, is not kept either. */
  #forget(sid: string): void {
    this.#changes++;
    this.#kept.delete(sid);
  }
}
