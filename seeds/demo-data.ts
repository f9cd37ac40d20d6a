// Demonstration content for a local run (`npm run cli -- demo`): invented, plausible
// reports so that every public page has something to show. Every text says it is a demo.

export const DEMO_LABEL = 'Demonstration data, not a real report.';

export type DemoAction = {
  target: 'PT1' | 'PT2' | 'PT3' | 'PT4';
  goal: string | null;
  title: string;
  body: string;
  description: string;
};

export const demoActions: DemoAction[] = [
  {
    target: 'PT1',
    goal: '1.1',
    title: "Connect the national police to Interpol's ICSE database",
    body: 'National police',
    description: 'Give the victim identification unit direct access to the ICSE database and upload all new series.',
  },
  {
    target: 'PT1',
    goal: '1.1',
    title: 'Set up a dedicated victim identification team',
    body: 'National police',
    description: 'Six specialists working full time on identifying children depicted in seized material.',
  },
  {
    target: 'PT1',
    goal: null,
    title: 'Guarantee specialised support for identified victims',
    body: 'Ministry of Social Affairs',
    description: 'Refer every identified child to a specialised support centre within 48 hours.',
  },
  {
    target: 'PT2',
    goal: '2.1',
    title: 'Criminalise online grooming',
    body: 'Ministry of Justice',
    description: 'Amend the criminal code so that soliciting a child online for sexual purposes is an offence.',
  },
  {
    target: 'PT2',
    goal: '2.2',
    title: 'Join joint investigation teams with Europol and Interpol',
    body: 'National police',
    description: 'Take part in at least two international operations a year.',
  },
  {
    target: 'PT2',
    goal: '2.1',
    title: 'Train prosecutors and judges in online child abuse cases',
    body: 'Judicial training academy',
    description: 'A yearly course on digital evidence and victim-friendly procedures.',
  },
  {
    target: 'PT3',
    goal: '3.1',
    title: 'National awareness campaign on online grooming',
    body: 'Ministry of Education',
    description: 'A campaign aimed at parents and children aged 9 to 14, on television, online and in schools.',
  },
  {
    target: 'PT3',
    goal: '3.2',
    title: 'Share campaign material with other Alliance members',
    body: 'Ministry of the Interior',
    description: 'Publish campaign material under an open licence and present it at the ministerial conference.',
  },
  {
    target: 'PT3',
    goal: '3.1',
    title: 'Online safety in the school curriculum',
    body: 'Ministry of Education',
    description: 'Teach the risks of self-produced images in every secondary school.',
  },
  {
    target: 'PT4',
    goal: '4.1',
    title: 'Notice and takedown agreement with internet service providers',
    body: 'National regulator',
    description: 'A code of conduct signed by the main hosting and access providers.',
  },
  {
    target: 'PT4',
    goal: '4.2',
    title: 'Fund the national hotline for reporting abuse material',
    body: 'National hotline',
    description: 'Secure multi-year funding so reports are handled within 24 hours.',
  },
  {
    target: 'PT4',
    goal: '4.2',
    title: 'Shorten takedown times for reported material',
    body: 'National hotline',
    description: 'Bring the median time from notice to takedown under 72 hours.',
  },
];

export const demoBaselines: Record<DemoAction['target'], { existing: string; gaps: string }> = {
  PT1: {
    existing: 'A police unit reviews seized material; victim identification is done case by case.',
    gaps: 'No full-time identification team; no systematic use of the ICSE database.',
  },
  PT2: {
    existing: 'Possession and distribution of abuse material are criminal offences; a cybercrime unit exists.',
    gaps: 'Online grooming is not yet a distinct offence; few specialised prosecutors.',
  },
  PT3: {
    existing: 'Occasional school sessions run by non-governmental organisations.',
    gaps: 'No national campaign; little material for parents.',
  },
  PT4: {
    existing: 'A hotline receives reports from the public and forwards them to the police.',
    gaps: 'No agreement with providers; takedown can take weeks.',
  },
};

/** The countries that get demo reports, and how far each got in the two seeded cycles. */
export const demoCountries: Array<{
  code: string;
  commitments: 'accepted' | 'submitted' | 'draft';
  progress: 'accepted' | 'submitted' | 'returned' | 'draft' | null;
}> = [
  { code: 'FR', commitments: 'accepted', progress: 'accepted' },
  { code: 'DE', commitments: 'accepted', progress: 'accepted' },
  { code: 'US', commitments: 'accepted', progress: 'accepted' },
  { code: 'NO', commitments: 'accepted', progress: 'accepted' },
  { code: 'PH', commitments: 'accepted', progress: 'accepted' },
  { code: 'GH', commitments: 'accepted', progress: 'submitted' },
  { code: 'JP', commitments: 'accepted', progress: 'returned' },
  { code: 'AU', commitments: 'accepted', progress: 'draft' },
  { code: 'RO', commitments: 'submitted', progress: null },
  { code: 'MD', commitments: 'draft', progress: null },
];
