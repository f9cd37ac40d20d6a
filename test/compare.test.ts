import { compareVersions, wordDiff, type CurrentContent } from '../src/review/compare';
import type { SubmissionContent } from '../src/reports/submission';

const pledge = (id: number, fields: Partial<SubmissionContent['pledged'][number]> = {}) => ({
  id,
  title: `Action ${id}`,
  target_code: 'PT1' as const,
  goal_code: null,
  responsible_body: 'Ministry of Justice',
  due_on: '2014-06-30',
  description: 'A hotline for reports.',
  ...fields,
});

const empty: SubmissionContent = { baseline: [], pledged: [], withdrawn: [], updates: [], indicators: [], summaries: [] };
const names = new Map([['1.1', 'Victims identified in the ICSE database']]);

describe('what changed between two versions', () => {
  it('marks words, not whole texts', () => {
    expect(wordDiff('The hotline opened in May.', 'The national hotline opened in June.')).toEqual([
      { text: 'The ', change: null },
      { text: 'national ', change: 'added' },
      { text: 'hotline opened in ', change: null },
      { text: 'May', change: 'removed' },
      { text: 'June', change: 'added' },
      { text: '.', change: null },
    ]);
  });

  it('shows a changed narrative without marking a status and percentage that stayed the same', () => {
    const before = {
      ...empty,
      updates: [{ action_id: 7, status: 'completed' as const, percent_complete: 100, narrative: 'Done in May.' }],
    };
    const now: CurrentContent = {
      ...empty,
      updates: [{ action_id: 7, status: 'completed', percent_complete: 100, narrative: 'Done in June.' }],
      carried: [{ id: 7, title: 'Hotline', withdrawn: false }],
    };
    const [item] = compareVersions(now, before, names);
    expect(item).toMatchObject({ id: 'update-7', state: 'changed', facts: [], flags: [] });
    expect(item!.texts).toEqual([
      {
        label: 'msg.compare.narrative',
        segments: [
          { text: 'Done in ', change: null },
          { text: 'May', change: 'removed' },
          { text: 'June', change: 'added' },
          { text: '.', change: null },
        ],
      },
    ]);
  });

  it('counts line breaks written either way as the same: a browser sends CR LF, an import or the demo wrote LF', () => {
    const before = { ...empty, baseline: [{ target_code: 'PT1' as const, existing_measures: 'A unit.\nA hotline.', gaps: 'None.' }] };
    const saved = (existing: string, gaps: string): CurrentContent => ({
      ...empty,
      baseline: [{ target_code: 'PT1', existing_measures: existing, gaps }],
      carried: [],
    });
    expect(compareVersions(saved('A unit.\r\nA hotline.', 'None.'), before, names)).toMatchObject([{ state: 'unchanged', texts: [] }]);
    // Changed elsewhere: only the change is marked, no line break.
    const [item] = compareVersions(saved('A unit.\r\nA new hotline.', 'None.'), before, names);
    expect(item!.texts[0]!.segments).toEqual([
      { text: 'A unit.\nA ', change: null },
      { text: 'new ', change: 'added' },
      { text: 'hotline.', change: null },
    ]);
  });

  it('flags a status going backwards, a share falling, a due date moved later, a withdrawal and an indicator jump', () => {
    const before: SubmissionContent = {
      ...empty,
      pledged: [pledge(1), pledge(2)],
      updates: [
        { action_id: 3, status: 'completed', percent_complete: 100, narrative: 'x' },
        { action_id: 4, status: 'in_progress', percent_complete: 40, narrative: 'y' },
      ],
      indicators: [{ indicator_code: '1.1', value: 200, note: 'From the ICSE database.' }],
    };
    const now: CurrentContent = {
      ...empty,
      pledged: [pledge(1, { due_on: '2015-06-30' }), pledge(2), pledge(9)],
      withdrawn: [{ id: 4, reason: 'Merged into action 3' }],
      updates: [{ action_id: 3, status: 'in_progress', percent_complete: 50, narrative: 'x' }],
      carried: [
        { id: 3, title: 'Hotline', withdrawn: false },
        { id: 4, title: 'Training', withdrawn: true },
      ],
      indicators: [{ indicator_code: '1.1', value: 260, note: 'From the ICSE database.' }],
    };
    const items = Object.fromEntries(compareVersions(now, before, names).map((item) => [item.id, item]));

    expect(items['action-1']).toMatchObject({
      state: 'changed',
      flags: ['due_later'],
      facts: [{ label: 'msg.compare.due', before: '2014-06-30', now: '2015-06-30' }],
    });
    expect(items['action-2']).toMatchObject({ state: 'unchanged', facts: [], texts: [], flags: [] });
    expect(items['action-9']).toMatchObject({ state: 'new' });
    expect(items['update-3']).toMatchObject({
      flags: ['status_backwards', 'percent_fell'],
      facts: [
        { label: 'msg.compare.status', before: 'status.completed', now: 'status.in_progress' },
        { label: 'msg.compare.percent', before: 1, now: 0.5 },
      ],
    });
    expect(items['update-4']).toMatchObject({ flags: ['withdrawn'] });
    expect(items['indicator-1.1']).toMatchObject({
      heading: { message: 'msg.compare.indicator', params: { name: 'Victims identified in the ICSE database' } },
      flags: ['indicator_jump'],
      facts: [{ before: 200, now: 260 }],
      texts: [],
    });
  });

  it('does not flag a move of 25 % or less, and compares nothing without an earlier version', () => {
    const before = { ...empty, indicators: [{ indicator_code: '1.1', value: 200, note: '' }] };
    const now: CurrentContent = { ...empty, carried: [], indicators: [{ indicator_code: '1.1', value: 250, note: 'Revised.' }] };
    const [indicator] = compareVersions(now, before, names);
    expect(indicator!.flags).toEqual([]);
    expect(indicator!.texts[0]!.segments).toEqual([{ text: 'Revised.', change: 'added' }]);
    expect(compareVersions(now, null, names)).toEqual([]);
  });
});
