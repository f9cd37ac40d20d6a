// Reference data from public sources (see shared domain notes): the Alliance's members,
// the four policy targets of the Declaration, their operational goals, the indicators
// reported as numbers and the first two reporting cycles. The seed only inserts what is
// missing, so an admin's later edits (a renamed country, moved dates) are never undone.

export type CountrySeed = {
  code: string;
  name: string;
  region: 'Africa' | 'Americas' | 'Asia-Pacific' | 'Europe' | 'Middle East';
  eu_member: boolean;
  joined_on: string | null;
};

const LAUNCH_DATE = '2012-12-05';

const euMembersAtLaunch: Array<[code: string, name: string]> = [
  ['AT', 'Austria'],
  ['BE', 'Belgium'],
  ['BG', 'Bulgaria'],
  ['CY', 'Cyprus'],
  ['CZ', 'Czech Republic'],
  ['DK', 'Denmark'],
  ['EE', 'Estonia'],
  ['FI', 'Finland'],
  ['FR', 'France'],
  ['DE', 'Germany'],
  ['GR', 'Greece'],
  ['HU', 'Hungary'],
  ['IE', 'Ireland'],
  ['IT', 'Italy'],
  ['LV', 'Latvia'],
  ['LT', 'Lithuania'],
  ['LU', 'Luxembourg'],
  ['MT', 'Malta'],
  ['NL', 'Netherlands'],
  ['PL', 'Poland'],
  ['PT', 'Portugal'],
  ['RO', 'Romania'],
  ['SK', 'Slovakia'],
  ['SI', 'Slovenia'],
  ['ES', 'Spain'],
  ['SE', 'Sweden'],
  ['GB', 'United Kingdom'],
];

const otherFounders: Array<[code: string, name: string, region: CountrySeed['region']]> = [
  ['AL', 'Albania', 'Europe'],
  ['AU', 'Australia', 'Asia-Pacific'],
  ['KH', 'Cambodia', 'Asia-Pacific'],
  ['HR', 'Croatia', 'Europe'],
  ['GE', 'Georgia', 'Europe'],
  ['GH', 'Ghana', 'Africa'],
  ['JP', 'Japan', 'Asia-Pacific'],
  ['MD', 'Moldova', 'Europe'],
  ['ME', 'Montenegro', 'Europe'],
  ['NZ', 'New Zealand', 'Asia-Pacific'],
  ['NG', 'Nigeria', 'Africa'],
  ['NO', 'Norway', 'Europe'],
  ['PH', 'Philippines', 'Asia-Pacific'],
  ['KR', 'Republic of Korea', 'Asia-Pacific'],
  ['RS', 'Serbia', 'Europe'],
  ['CH', 'Switzerland', 'Europe'],
  ['TH', 'Thailand', 'Asia-Pacific'],
  ['TR', 'Turkey', 'Europe'],
  ['UA', 'Ukraine', 'Europe'],
  ['US', 'United States', 'Americas'],
  ['VN', 'Vietnam', 'Asia-Pacific'],
];

// Joined after the launch; the exact dates were not found, so they stay unknown.
const laterMembers: Array<[code: string, name: string, region: CountrySeed['region']]> = [
  ['AM', 'Armenia', 'Europe'],
  ['BA', 'Bosnia and Herzegovina', 'Europe'],
  ['CA', 'Canada', 'Americas'],
  ['CR', 'Costa Rica', 'Americas'],
  ['IL', 'Israel', 'Middle East'],
  ['XK', 'Kosovo', 'Europe'], // no ISO 3166-1 code: XK is the user-assigned code in common use
  ['MX', 'Mexico', 'Americas'],
];

export const founderCountries: CountrySeed[] = [
  ...euMembersAtLaunch.map(([code, name]) => ({ code, name, region: 'Europe' as const, eu_member: true, joined_on: LAUNCH_DATE })),
  ...otherFounders.map(([code, name, region]) => ({ code, name, region, eu_member: false, joined_on: LAUNCH_DATE })),
];

export const laterCountries: CountrySeed[] = laterMembers.map(([code, name, region]) => ({
  code,
  name,
  region,
  eu_member: false,
  joined_on: null,
}));

export const policyTargets = [
  {
    code: 'PT1',
    position: 1,
    title: 'Identify and protect victims',
    description:
      'Enhancing efforts to identify victims, whose sexual abuse is depicted in child pornography, and ensuring that they receive the necessary assistance, support and protection.',
  },
  {
    code: 'PT2',
    position: 2,
    title: 'Investigate and prosecute offenders',
    description: 'Enhancing efforts to investigate cases of child sexual abuse online and to identify and prosecute offenders.',
  },
  {
    code: 'PT3',
    position: 3,
    title: 'Raise public awareness',
    description:
      "Enhancing efforts to increase public awareness of the risks posed by children's activities online, including grooming and self-production of images that results in the production of new child pornography that may be distributed online.",
  },
  {
    code: 'PT4',
    position: 4,
    title: 'Reduce availability and re-victimisation',
    description:
      'Reducing as much as possible the availability of child pornography online and reducing as much as possible the re-victimization of children whose sexual abuse is depicted.',
  },
];

export const operationalGoals = [
  {
    code: '1.1',
    target_code: 'PT1',
    text_confirmed: true,
    text: 'Increase the number of identified victims in the International Child Sexual Exploitation images database (ICSE database) managed by Interpol by at least 10% yearly.',
  },
  {
    code: '2.1',
    target_code: 'PT2',
    text_confirmed: true,
    text: 'Establish the necessary framework for the criminalization of child sexual abuse online and the effective prosecution of offenders, with the objective of enhancing efforts to investigate and prosecute offenders.',
  },
  {
    code: '2.2',
    target_code: 'PT2',
    text_confirmed: false,
    text: 'Improve the joint efforts of law enforcement authorities across Global Alliance countries to investigate and prosecute child sexual abuse online.',
  },
  {
    code: '3.1',
    target_code: 'PT3',
    text_confirmed: false,
    text: "Develop, improve, or support appropriate public awareness campaigns or other measures which focus on educating parents, children, and others responsible for children regarding the risks that children's online conduct poses.",
  },
  {
    code: '3.2',
    target_code: 'PT3',
    text_confirmed: false,
    text: 'Share best practices among Global Alliance countries for effective strategies to inform the public about the risks posed by online, self-exploitative conduct in order to reduce the production of new child pornography.',
  },
  {
    code: '4.1',
    target_code: 'PT4',
    text_confirmed: false,
    text: 'Encourage participation by the private sector in identifying and removing known child pornography material located in the relevant State.',
  },
  {
    code: '4.2',
    target_code: 'PT4',
    text_confirmed: false,
    text: 'Increase the speed of notice and takedown procedures as much as possible without prejudicing criminal investigation.',
  },
];

export const indicators = [
  {
    code: 'victims_identified',
    name: 'Victims identified in the ICSE database',
    unit: 'victims',
    goal_code: '1.1',
    description: 'Goal 1.1 asks for at least 10% more each year.',
    goal_annual_change: 0.1,
    goal_source:
      'Declaration on Launching the Global Alliance against Child Sexual Abuse Online, Brussels, 5 December 2012: operational goal 1.1',
  },
  { code: 'cases_investigated', name: 'Cases of child sexual abuse online investigated', unit: 'cases', goal_code: '2.2', description: '' },
  { code: 'offenders_prosecuted', name: 'Offenders prosecuted', unit: 'offenders', goal_code: '2.1', description: '' },
  {
    code: 'takedown_median_hours',
    name: 'Median time from notice to takedown',
    unit: 'hours',
    goal_code: '4.2',
    description: 'Hours from a notice of reported material to its removal; lower is better.',
  },
];

export const cycles = [
  {
    slug: '2013-commitments',
    title: 'Stocktaking and commitments 2013',
    kind: 'commitments' as const,
    opens_on: '2013-01-15',
    due_on: '2013-04-30',
    closes_on: '2013-11-30',
    state: 'closed' as const,
  },
  {
    slug: '2014-progress',
    title: 'Progress reports 2014',
    kind: 'progress' as const,
    opens_on: '2014-03-01',
    due_on: '2014-07-31',
    closes_on: '2014-09-15',
    state: 'closed' as const,
  },
];
