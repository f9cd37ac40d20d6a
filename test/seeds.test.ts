import { seedReferenceData } from '../src/db/seed';
import { useTestDatabase } from './helpers/database';

const FOUNDERS = [
  'AT',
  'BE',
  'BG',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'GB',
  'AL',
  'AU',
  'KH',
  'HR',
  'GE',
  'GH',
  'JP',
  'MD',
  'ME',
  'NZ',
  'NG',
  'NO',
  'PH',
  'KR',
  'RS',
  'CH',
  'TH',
  'TR',
  'UA',
  'US',
  'VN',
];
const LATER = ['AM', 'BA', 'CA', 'CR', 'IL', 'XK', 'MX'];

describe('reference data seed', () => {
  const database = useTestDatabase();

  it('holds the 48 founding participants, joined at the launch, 27 of them EU member states', async () => {
    const founders = await database.db('countries').where({ joined_on: '2012-12-05' }).orderBy('code');
    expect(founders.map((country) => country.code).sort()).toEqual([...FOUNDERS].sort());
    expect(founders.filter((country) => country.eu_member)).toHaveLength(27);
    expect(founders.find((country) => country.code === 'HR')).toMatchObject({ name: 'Croatia', eu_member: false });
  });

  it('holds the later participants with unknown joining dates, Kosovo as XK', async () => {
    const later = await database.db('countries').whereIn('code', LATER);
    expect(later).toHaveLength(LATER.length);
    expect(later.every((country) => country.joined_on === null && !country.eu_member)).toBe(true);
    expect(later.find((country) => country.code === 'XK')?.name).toBe('Kosovo');
  });

  it('holds the four policy targets, their seven goals, the indicators and two cycles', async () => {
    expect((await database.db('policy_targets').orderBy('position')).map((target) => target.code)).toEqual(['PT1', 'PT2', 'PT3', 'PT4']);
    const goals = await database.db('operational_goals').orderBy('code');
    expect(goals.map((goal) => `${goal.target_code}:${goal.code}`)).toEqual([
      'PT1:1.1',
      'PT2:2.1',
      'PT2:2.2',
      'PT3:3.1',
      'PT3:3.2',
      'PT4:4.1',
      'PT4:4.2',
    ]);
    expect(goals.find((goal) => goal.code === '1.1')?.text).toMatch(/at least 10% yearly/);
    expect(await database.db('indicators').pluck('code')).toEqual(expect.arrayContaining(['victims_identified', 'takedown_median_hours']));
    const cycles = await database.db('cycles').orderBy('opens_on');
    expect(cycles.map((cycle) => [cycle.slug, cycle.kind])).toEqual([
      ['2013-commitments', 'commitments'],
      ['2014-progress', 'progress'],
    ]);
  });

  it('changes nothing when run again, and keeps an admin rename', async () => {
    await database.db('countries').where({ code: 'TR' }).update({ name: 'Türkiye' });
    const snapshot = async () => ({
      countries: await database.db('countries').orderBy('code'),
      targets: await database.db('policy_targets').orderBy('code'),
      goals: await database.db('operational_goals').orderBy('code'),
      indicators: await database.db('indicators').orderBy('code'),
      cycles: await database.db('cycles').orderBy('slug'),
    });
    const before = await snapshot();

    const result = await seedReferenceData(database.db);

    expect(result).toEqual({ countries: 0, policy_targets: 0, operational_goals: 0, indicators: 0, cycles: 0 });
    expect(await snapshot()).toEqual(before);
    expect((await database.db('countries').where({ code: 'TR' }).first()).name).toBe('Türkiye');
  });
});
