import type { DataVersion } from '../db/data-version';
import type { CurrentUserLookup } from './current-user';

/**
 * The signed-in users an instance has looked up, kept while the users version stands:
 * every change to what a lookup reads (a name, email, role, country, deactivation or
 * deletion) moves it and is announced the moment it commits (migration
 * ...001300_users_version), and then every kept user is read afresh. While no listening
 * connection vouches for the version (starting, lost, reconnecting), every request reads
 * its user from the database, as before. A signed-in page so costs one query less (the
 * session row is still read per request) without a stale role or a deactivated account
 * outliving the notification.
 */
export function keptUsers(version: DataVersion, find: CurrentUserLookup): CurrentUserLookup {
  let kept = { version: -1, users: new Map<number, ReturnType<CurrentUserLookup>>() };
  let listening = false;
  return (id) => {
    const current = version.known();
    if (current === undefined) {
      // The first lookup starts the listening connection.
      if (!listening) {
        listening = true;
        version.current().catch(() => undefined);
      }
      return find(id);
    }
    if (kept.version !== current) kept = { version: current, users: new Map() };
    const users = kept.users;
    let user = users.get(id);
    if (!user) {
      users.set(id, (user = find(id)));
      user.catch(() => users.delete(id));
    }
    return user;
  };
}
