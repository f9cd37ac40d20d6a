import { placeCarried, tallyOf } from '../src/reports/carried';
import type { CarriedPledge } from '../src/reports/queries';
import { carriedState } from '../src/reports/sections';

// A progress report's carried pledges: each one's state from what accepted reports left and
// what the report does to it, and the figures every page of the report shows. The pages
// (workspace.test.ts) show the same through PostgreSQL; here every case is written out.

describe('a carried pledge’s state', () => {
  const earlier = (withdrawnEarlier: boolean, completedEarlier: boolean) => ({ withdrawnEarlier, completedEarlier });
  const here = (updated: boolean, withdrawn: boolean) => ({ updated, withdrawn });

  it.each([
    // accepted reports left it…           this report…           state
    [earlier(false, false), here(false, false), 'open'],
    [earlier(false, false), here(true, false), 'open'],
    [earlier(false, true), here(false, false), 'completed'],
    [earlier(false, true), here(true, false), 'reopened'],
    [earlier(true, false), here(false, false), 'withdrawn_earlier'],
    [earlier(true, true), here(true, false), 'withdrawn_earlier'],
    // A withdrawal in this report comes first, even of a pledge withdrawn or completed before
    // (the report read after it was accepted, whose withdrawal the kept status now holds).
    [earlier(false, false), here(false, true), 'withdrawn_here'],
    [earlier(true, false), here(false, true), 'withdrawn_here'],
    [earlier(false, true), here(true, true), 'withdrawn_here'],
  ])('%o and %o: %s', (pledge, report, state) => {
    expect(carriedState(pledge, report)).toBe(state);
  });
});

describe('a report’s carried pledges in figures', () => {
  /** Pledges 1…n in the report's order: each open unless listed as completed or withdrawn earlier. */
  const pledges = (count: number, closed: { completed?: number[]; withdrawn?: number[] } = {}): CarriedPledge[] =>
    Array.from({ length: count }, (_, index) => ({
      id: index + 1,
      title: `Pledge ${index + 1}`,
      withdrawnEarlier: closed.withdrawn?.includes(index + 1) ?? false,
      completedEarlier: closed.completed?.includes(index + 1) ?? false,
    }));

  it('places each pledge by its index and says which still lack their update', () => {
    const placed = placeCarried(pledges(4, { completed: [2], withdrawn: [3] }), { updated: [2, 4], withdrawn: [] });
    expect(placed.map(({ id, position, state, missing }) => [id, position, state, missing])).toEqual([
      [1, 0, 'open', true],
      [2, 1, 'reopened', false],
      [3, 2, 'withdrawn_earlier', false],
      [4, 3, 'open', false],
    ]);
  });

  it('counts the pledges, the missing updates, the report’s updates and withdrawals, and finds the first missing', () => {
    const marks = { updated: [1, 3, 99], withdrawn: [2] };
    const tally = tallyOf(placeCarried(pledges(25, { completed: [5] }), marks), marks);
    // 25 carried: 1 and 3 updated, 2 withdrawn here, 5 completed earlier; 21 missing, the first 4.
    expect(tally).toEqual({
      carried: 25,
      missing: 21,
      updates: 3,
      withdrawn_here: 1,
      located: null,
      first_missing: { id: 4, title: 'Pledge 4', position: 3 },
      // With no pledge located, the next missing one is looked for from the second page (place 10).
      next_missing: { id: 11, title: 'Pledge 11', position: 10 },
    });
  });

  it('locates a pledge and looks for the next missing one after its page, or from a given place', () => {
    const none = { updated: [], withdrawn: [] };
    const placed = placeCarried(pledges(30), none);
    // Pledge 14 is on the second page (places 10–19): the next missing is the first of the third.
    expect(tallyOf(placed, none, { locate: 14 })).toMatchObject({ located: 13, next_missing: { id: 21, position: 20 } });
    // A pledge the report does not carry is not located: its page is taken as the first.
    expect(tallyOf(placed, none, { locate: 999 })).toMatchObject({ located: null, next_missing: { id: 11 } });
    expect(tallyOf(placed, none, { after: 29 })).toMatchObject({ next_missing: { id: 30, position: 29 } });
    // After the last page there is no next one (the page then offers the first missing).
    expect(tallyOf(placed, none, { after: 30 })).toMatchObject({ next_missing: null, first_missing: { id: 1 } });
  });

  it('a report that carries nothing has nothing missing', () => {
    const none = { updated: [], withdrawn: [] };
    expect(tallyOf(placeCarried([], none), none)).toMatchObject({ carried: 0, missing: 0, first_missing: null, next_missing: null });
  });
});
