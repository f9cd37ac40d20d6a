import { can, homePath, isCountryBound, navigationFor, POLICY_ACTIONS, refusal, type Actor, type PolicyAction } from '../src/auth/policy';

// The access policy written out by hand: every action for every kind of user. The access
// matrix (access-matrix.test.ts) then proves that every route answers as the policy says.

const delegate: Actor = { role: 'delegate', countryCode: 'FR' };
const secretariat: Actor = { role: 'secretariat', countryCode: null };
const admin: Actor = { role: 'admin', countryCode: null };
const own = { countryCode: 'FR' };
const other = { countryCode: 'DE' };

type Row = [PolicyAction, { delegateOwn: string | null; delegateOther: string | null; secretariat: string | null; admin: string | null }];
const TABLE: Row[] = [
  ['reports.list', { delegateOwn: null, delegateOther: null, secretariat: 'forbidden', admin: 'forbidden' }],
  ['report.view', { delegateOwn: null, delegateOther: 'not_found', secretariat: null, admin: null }],
  ['report.edit', { delegateOwn: null, delegateOther: 'not_found', secretariat: null, admin: null }],
  ['report.submit', { delegateOwn: null, delegateOther: 'not_found', secretariat: 'forbidden', admin: 'forbidden' }],
  ['review.decide', { delegateOwn: 'forbidden', delegateOther: 'forbidden', secretariat: null, admin: null }],
  ['data.export', { delegateOwn: 'forbidden', delegateOther: 'forbidden', secretariat: null, admin: null }],
  ['data.import', { delegateOwn: 'forbidden', delegateOther: 'forbidden', secretariat: null, admin: null }],
  ['audit.read', { delegateOwn: 'forbidden', delegateOther: 'forbidden', secretariat: null, admin: null }],
  ['cycles.manage', { delegateOwn: 'forbidden', delegateOther: 'forbidden', secretariat: null, admin: null }],
  ['users.manage', { delegateOwn: 'forbidden', delegateOther: 'forbidden', secretariat: 'forbidden', admin: null }],
  ['countries.manage', { delegateOwn: 'forbidden', delegateOther: 'forbidden', secretariat: 'forbidden', admin: null }],
  ['indicators.manage', { delegateOwn: 'forbidden', delegateOther: 'forbidden', secretariat: 'forbidden', admin: null }],
  ['mail.read', { delegateOwn: 'forbidden', delegateOther: 'forbidden', secretariat: 'forbidden', admin: null }],
];

describe('the access policy', () => {
  it('lists every action in this table', () => {
    expect(TABLE.map(([action]) => action).sort()).toEqual([...POLICY_ACTIONS].sort());
  });

  it.each(TABLE)('%s', (action, expected) => {
    expect(refusal(delegate, action, own)).toBe(expected.delegateOwn);
    expect(refusal(delegate, action, other)).toBe(expected.delegateOther);
    expect(refusal(secretariat, action, other)).toBe(expected.secretariat);
    expect(refusal(admin, action, other)).toBe(expected.admin);
    expect(refusal(undefined, action, own)).toBe('sign_in');
  });

  it('refuses a delegate without a country everything, and a country-scoped action without its country', () => {
    const stray: Actor = { role: 'delegate', countryCode: null };
    expect(POLICY_ACTIONS.filter((action) => can(stray, action, own))).toEqual([]);
    expect(refusal(delegate, 'report.view')).toBe('not_found');
  });

  it('sends each user home and shows the secretariat every page it may use, cycles included', () => {
    expect(homePath(delegate)).toBe('/reports');
    expect(homePath(secretariat)).toBe('/review');
    expect(navigationFor(secretariat)).toEqual({
      reports: false,
      review: true,
      exports: true,
      audit: true,
      users: false,
      outbox: false,
      cycles: true,
      countries: false,
      indicators: false,
    });
    expect(navigationFor(admin)).toEqual({
      reports: false,
      review: true,
      exports: true,
      audit: true,
      users: true,
      outbox: true,
      cycles: true,
      countries: true,
      indicators: true,
    });
    expect(navigationFor(delegate)).toEqual({
      reports: true,
      review: false,
      exports: false,
      audit: false,
      users: false,
      outbox: false,
      cycles: false,
      countries: false,
      indicators: false,
    });
  });

  it('binds delegates, and only delegates, to a country', () => {
    expect([isCountryBound('delegate'), isCountryBound('secretariat'), isCountryBound('admin')]).toEqual([true, false, false]);
  });
});
