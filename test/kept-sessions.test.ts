import session, { type SessionData } from 'express-session';
import request from 'supertest';
import type { Express } from 'express';
import { KeptSessionStore } from '../src/auth/kept-sessions';
import { buildTestApp } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeCountry, makeUser } from './helpers/factories';
import { csrfTokenIn, signIn } from './helpers/session';
import { waitFor } from './helpers/wait';

// Sessions kept by each instance (src/auth/kept-sessions.ts) while its listening connection
// vouches for them: read once, dropped the moment the database announces a change, read on
// every request while nothing listens.

describe('sessions kept by instances that listen', () => {
  const database = useTestDatabase();
  const LISTENER = 'alliance-tracker-sessions-listener';

  /** The sessions listeners of this test's database that have listened and read. */
  const listeners = async () =>
    (
      await database.db.raw<{ rows: Array<{ pid: number }> }>(
        "select pid from pg_stat_activity where datname = ? and application_name = ? and query = 'select 1'",
        [database.name, LISTENER],
      )
    ).rows;

  /** Two instances whose session listeners run, and a delegate signed in on the first. */
  async function signedInOnTwoInstances() {
    const before = (await listeners()).length;
    const [instanceA, instanceB] = [buildTestApp(database, { listen: true }), buildTestApp(database, { listen: true })];
    const country = await makeCountry(database.db);
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: country.code, name: 'Kept Delegate' });
    const agent = await signIn(instanceA, delegate.email);
    const cookie = (await agent.get('/reports')).request.cookies;
    const onA = () => request(instanceA).get('/reports').set('Cookie', cookie);
    const onB = () => request(instanceB).get('/reports').set('Cookie', cookie);
    // A session read starts each instance's listener; the reads after it are kept.
    await onB();
    await waitFor(async () => (await listeners()).length >= before + 2, 5000, 20);
    expect((await onA()).text).toContain('Kept Delegate');
    expect((await onB()).text).toContain('Kept Delegate');
    return { instanceA, instanceB, onA, onB, cookie, delegate };
  }

  /** Deletes the session rows with the trigger off, so no instance hears of it. */
  const deleteSessionsUnannounced = async (userId: number) => {
    await database.db.raw('alter table sessions disable trigger sessions_announce_change');
    try {
      await database.db('sessions').whereRaw("(sess ->> 'userId')::integer = ?", [userId]).delete();
    } finally {
      await database.db.raw('alter table sessions enable trigger sessions_announce_change');
    }
  };

  it('serves a signed-in request from the session it kept: a row deleted unannounced still signs in', async () => {
    const { onA, onB, delegate } = await signedInOnTwoInstances();
    await deleteSessionsUnannounced(delegate.id);
    expect((await onA()).text).toContain('Kept Delegate');
    expect((await onB()).text).toContain('Kept Delegate');
  });

  it('ends a sign-out made on one instance on the other as soon as it commits', async () => {
    const { instanceB, onA, onB, cookie } = await signedInOnTwoInstances();
    const page = await onB();
    const signOut = await request(instanceB)
      .post('/logout')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrfTokenIn(page.text) });
    expect(signOut.status).toBe(303);
    await waitFor(async () => (await onA()).status !== 200, 2000, 10);
    expect((await onA()).headers.location).toMatch(/^\/login/);
    expect((await onB()).headers.location).toMatch(/^\/login/);
  });

  it('ends the sessions a deactivation deletes on every instance', async () => {
    const { onA, onB, delegate } = await signedInOnTwoInstances();
    await database.db('sessions').whereRaw("(sess ->> 'userId')::integer = ?", [delegate.id]).delete();
    await waitFor(async () => (await onA()).status !== 200 && (await onB()).status !== 200, 2000, 10);
  });

  it('reads every session afresh once its listener is lost, and until it is back', async () => {
    const { onA, onB, delegate } = await signedInOnTwoInstances();
    const lost = (await listeners()).map((row) => row.pid);
    await database.db.raw('select pg_terminate_backend(pid) from unnest(?::int[]) pid', [lost]);
    await waitFor(
      async () =>
        (await database.db.raw<{ rows: unknown[] }>('select 1 from pg_stat_activity where pid = any(?::int[])', [lost])).rows.length === 0,
      5000,
      10,
    );
    // Nothing announces this; only a read of the table can see it.
    await deleteSessionsUnannounced(delegate.id);
    await waitFor(async () => (await onA()).status !== 200, 500, 10);
    expect((await onB()).headers.location).toMatch(/^\/login/);
  });
});

describe('sessions on an instance that does not listen', () => {
  const database = useTestDatabase();

  it('reads the session on every request', async () => {
    const app: Express = buildTestApp(database);
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: (await makeCountry(database.db)).code });
    const agent = await signIn(app, delegate.email);
    expect((await agent.get('/reports')).status).toBe(200);
    await database.db.raw('alter table sessions disable trigger sessions_announce_change');
    await database.db('sessions').delete();
    expect((await agent.get('/reports')).headers.location).toMatch(/^\/login/);
  });
});

describe('KeptSessionStore', () => {
  const database = useTestDatabase();

  it('does not keep a read that a write overtook', async () => {
    const stored = { cookie: { originalMaxAge: 60_000 }, userId: 1 } as unknown as SessionData;
    const pending: Array<() => void> = [];
    let reads = 0;
    const slowStore = Object.assign(new session.MemoryStore(), {
      get(_sid: string, callback: (error: unknown, data?: SessionData | null) => void) {
        reads++;
        pending.push(() => {
          callback(null, stored);
        });
      },
      set(_sid: string, _data: SessionData, callback?: (error?: unknown) => void) {
        callback?.();
      },
    });
    const store = new KeptSessionStore(slowStore, { connectionString: database.url, listen: true });
    const get = () =>
      new Promise<void>((resolve) => {
        store.get('sid', () => {
          resolve();
        });
        pending.shift()?.();
      });
    try {
      // Listening once a read keeps the session for the next.
      await waitFor(
        async () => {
          const before = reads;
          await get();
          await get();
          return reads === before + 1;
        },
        5000,
        20,
      );
      // A read in flight when this instance writes the session is not kept.
      const inFlight = new Promise<void>((resolve) => {
        store.get('other', () => {
          resolve();
        });
      });
      store.set('other', stored);
      pending.shift()!();
      await inFlight;
      const before = reads;
      store.get('other', () => undefined);
      expect(reads).toBe(before + 1);
    } finally {
      await store.close();
    }
  });
});
