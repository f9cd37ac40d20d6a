import request from 'supertest';
import type { Express } from 'express';
import { keptUsers } from '../src/auth/kept-users';
import type { CurrentUser } from '../src/auth/current-user';
import type { DataVersion } from '../src/db/data-version';
import { buildTestApp, servicesOf } from './helpers/app';
import { useTestDatabase } from './helpers/database';
import { makeCountry, makeUser } from './helpers/factories';
import { signIn } from './helpers/session';
import { waitFor } from './helpers/wait';

// Signed-in users kept per users version: a lookup per user and version while a listening
// connection vouches for the version, a lookup per request otherwise, and every change
// that matters seen by every instance as soon as its notification arrives.

describe('keptUsers', () => {
  const user: CurrentUser = { id: 7, email: 'a@example.org', name: 'A', role: 'delegate', countryCode: 'FR' };
  let known: number | undefined;
  const version: DataVersion = { known: () => known, current: () => Promise.resolve(known ?? 0), close: () => Promise.resolve() };
  let lookups: number[];
  const find = (id: number) => {
    lookups.push(id);
    return Promise.resolve(id === user.id ? user : undefined);
  };
  beforeEach(() => {
    lookups = [];
    known = undefined;
  });

  it('reads the user on every request while the version is unknown', async () => {
    const lookup = keptUsers(version, find);
    await lookup(7);
    await lookup(7);
    expect(lookups).toEqual([7, 7]);
  });

  it('reads each user once per version, and afresh when the version moves', async () => {
    const lookup = keptUsers(version, find);
    known = 3;
    expect(await lookup(7)).toEqual(user);
    expect(await lookup(7)).toEqual(user);
    expect(await lookup(8)).toBeUndefined();
    expect(await lookup(8)).toBeUndefined();
    expect(lookups).toEqual([7, 8]);
    known = 4;
    await lookup(7);
    expect(lookups).toEqual([7, 8, 7]);
    // Lost connection: unknown again, so read per request.
    known = undefined;
    await lookup(7);
    await lookup(7);
    expect(lookups).toEqual([7, 8, 7, 7, 7]);
  });

  it('does not keep a failed lookup', async () => {
    known = 1;
    let fail = true;
    const lookup = keptUsers(version, (id) => {
      lookups.push(id);
      return fail ? Promise.reject(new Error('connection lost')) : Promise.resolve(user);
    });
    await expect(lookup(7)).rejects.toThrow('connection lost');
    fail = false;
    expect(await lookup(7)).toEqual(user);
    expect(lookups).toEqual([7, 7]);
  });
});

describe('signed-in users on instances that listen', () => {
  const database = useTestDatabase();
  const storedVersion = async () => Number((await database.db('users_version').first('version'))!.version);

  const listening = async () => {
    const app = buildTestApp(database, { listen: true });
    await request(app).get('/login');
    return app;
  };
  /** Until the instance has heard of every users change committed so far. */
  const settled = async (app: Express) => {
    const stored = await storedVersion();
    await waitFor(() => servicesOf(app).usersVersion.known() === stored, 5000, 5);
  };

  it('shows a new name, and ends a deactivated sign-in, on every instance as soon as the change commits', async () => {
    const [instanceA, instanceB] = [await listening(), await listening()];
    const country = await makeCountry(database.db);
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: country.code, name: 'Ana Before' });
    const agent = await signIn(instanceA, delegate.email);
    const cookie = (await agent.get('/reports')).request.cookies;
    const onB = () => request(instanceB).get('/reports').set('Cookie', cookie);
    // A first request on each instance starts its listener; then both keep the user.
    await onB();
    await Promise.all([settled(instanceA), settled(instanceB)]);
    expect((await agent.get('/reports')).text).toContain('Ana Before');
    expect((await onB()).text).toContain('Ana Before');

    await database.db('users').where({ id: delegate.id }).update({ name: 'Ana After' });
    await waitFor(async () => (await agent.get('/reports')).text.includes('Ana After'), 2000, 10);
    await waitFor(async () => (await onB()).text.includes('Ana After'), 2000, 10);

    await database.db('users').where({ id: delegate.id }).update({ active: false });
    await waitFor(async () => (await agent.get('/reports')).status !== 200, 2000, 10);
    const signedOut = await onB();
    expect(signedOut.status).not.toBe(200);
    expect(signedOut.headers.location).toMatch(/^\/login/);
  });

  it('moves the users version for what a lookup reads, not for a sign-in', async () => {
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: (await makeCountry(database.db)).code });
    const app = buildTestApp(database);
    const before = await storedVersion();
    await signIn(app, delegate.email);
    expect(await storedVersion()).toBe(before);
    await database.db('users').where({ id: delegate.id }).update({ role: 'secretariat', country_code: null });
    expect(await storedVersion()).toBe(before + 1);
    const neverSignedIn = await makeUser(database.db, { role: 'secretariat', country_code: null });
    expect(await storedVersion()).toBe(before + 1);
    await database.db('users').where({ id: neverSignedIn.id }).delete();
    expect(await storedVersion()).toBe(before + 2);
  });
});
