import { recordAuditEvent } from '../audit/queries';
import type { Database } from '../db/knex';
import { DEMO_LABEL, demoActions, demoBaselines, demoCountries } from '../../seeds/demo-data';

const COMMITMENTS = '2013-commitments';
const PROGRESS = '2014-progress';
/** An open progress cycle to practise in: every earlier accepted pledge is carried into it. */
export const PRACTICE_CYCLE = 'demo-practice-progress';

// Deterministic variety: the n-th action of the n-th country gets these.
const progressPattern = [
  { status: 'completed', percent: 100 },
  { status: 'in_progress', percent: 60 },
  { status: 'delayed', percent: 25 },
  { status: 'in_progress', percent: 40 },
  { status: 'completed', percent: 100 },
  { status: 'not_started', percent: 0 },
  { status: 'in_progress', percent: 75 },
] as const;

const demoText = (text: string) => `[Demo] ${text}`;

/**
 * Loads the demo reports into the seeded cycles, in one transaction. Countries that
 * already have a report in the commitments cycle are left alone, so running it twice
 * adds nothing. Returns the codes of the countries it filled.
 */
export async function loadDemoData(db: Database): Promise<string[]> {
  return db.transaction(async (trx) => {
    const cycles = await trx('cycles').whereIn('slug', [COMMITMENTS, PROGRESS]).select('id', 'slug');
    const commitmentsId = cycles.find((cycle) => cycle.slug === COMMITMENTS)?.id as number | undefined;
    const progressId = cycles.find((cycle) => cycle.slug === PROGRESS)?.id as number | undefined;
    if (!commitmentsId || !progressId) throw new Error('The reference cycles are missing: run the seed first.');

    const filled: string[] = [];
    for (const [countryIndex, plan] of demoCountries.entries()) {
      const existing = await trx('reports').where({ country_code: plan.code, cycle_id: commitmentsId }).first('id');
      if (existing) continue;

      // Every third country submitted its commitments late.
      const commitmentsSubmitted =
        countryIndex % 3 === 2 ? '2013-05-21T10:00:00Z' : `2013-04-${String(10 + countryIndex).padStart(2, '0')}T10:00:00Z`;
      const commitments = await insertReport(trx, plan.code, commitmentsId, plan.commitments, commitmentsSubmitted, '2013-06-14T09:00:00Z');
      for (const [target, baseline] of Object.entries(demoBaselines)) {
        await trx('stocktaking_entries').insert({
          report_id: commitments,
          target_code: target,
          existing_measures: demoText(baseline.existing),
          gaps: baseline.gaps,
        });
      }
      // Each country pledges eight of the twelve demo actions, a different eight each.
      const chosen = demoActions.filter((_, actionIndex) => (actionIndex + countryIndex) % 3 !== 0);
      const actionIds: number[] = [];
      for (const action of chosen) {
        const [row] = await trx('actions')
          .insert({
            country_code: plan.code,
            target_code: action.target,
            goal_code: action.goal,
            title: action.title,
            description: demoText(action.description),
            responsible_body: action.body,
            due_on: `${2014 + (actionIds.length % 3)}-12-31`,
            pledged_in_report_id: commitments,
          })
          .returning('id');
        actionIds.push(row.id as number);
      }
      await insertIndicators(trx, commitments, countryIndex, 0);

      if (plan.progress) {
        const progress = await insertReport(
          trx,
          plan.code,
          progressId,
          plan.progress,
          `2014-07-${String(14 + countryIndex).padStart(2, '0')}T10:00:00Z`,
          '2014-08-20T09:00:00Z',
        );
        for (const [actionIndex, actionId] of actionIds.entries()) {
          const pattern = progressPattern[(actionIndex + countryIndex) % progressPattern.length] ?? progressPattern[0];
          await trx('action_updates').insert({
            report_id: progress,
            action_id: actionId,
            country_code: plan.code,
            status: pattern.status,
            percent_complete: pattern.percent,
            narrative: demoText(`Progress in 2014: ${pattern.status.replace('_', ' ')}, about ${pattern.percent}% of the work done.`),
          });
        }
        if (countryIndex === 1) {
          // One withdrawal, so the public pages show what that looks like.
          await trx('actions')
            .where({ id: actionIds[actionIds.length - 1] })
            .update({
              withdrawn_in_report_id: progress,
              withdrawal_reason: demoText('Merged into the national strategy adopted in 2014.'),
            });
        }
        await insertIndicators(trx, progress, countryIndex, 1);
      }
      filled.push(plan.code);
    }
    const practice = await openPracticeCycle(trx);
    await recordAuditEvent(trx, {
      actorUserId: null,
      actorLabel: 'cli',
      verb: 'demo.loaded',
      entity: 'demo',
      details: { countries: filled, label: DEMO_LABEL, ...(practice ? { opened: PRACTICE_CYCLE } : {}) },
    });
    return filled;
  });
}

/**
 * Adds the practice cycle, open from a week ago until three months from today, so that
 * a delegate can file a progress report at once. Nothing happens when it already exists.
 * Returns whether it was added.
 */
async function openPracticeCycle(trx: Database): Promise<boolean> {
  const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
  const added = await trx('cycles')
    .insert({
      slug: PRACTICE_CYCLE,
      title: demoText('Progress reports, practice cycle'),
      kind: 'progress',
      opens_on: day(-7),
      due_on: day(60),
      closes_on: day(90),
      state: 'open',
    })
    .onConflict('slug')
    .ignore()
    .returning('id');
  return added.length > 0;
}

async function insertReport(
  trx: Database,
  countryCode: string,
  cycleId: number,
  state: string,
  submittedAt: string,
  reviewedAt: string,
): Promise<number> {
  const submitted = state !== 'draft';
  const reviewed = state === 'accepted' || state === 'returned';
  const [row] = await trx('reports')
    .insert({
      country_code: countryCode,
      cycle_id: cycleId,
      state,
      submitted_at: submitted ? submittedAt : null,
      reviewed_at: reviewed ? reviewedAt : null,
      review_comment: state === 'returned' ? demoText('Please add a narrative for each delayed action.') : null,
      // The demo texts are written in English.
      text_language: 'en',
    })
    .returning('id');
  return row.id as number;
}

async function insertIndicators(trx: Database, reportId: number, countryIndex: number, year: number): Promise<void> {
  const victimsBase = 40 + countryIndex * 17;
  await trx('indicator_values').insert([
    {
      report_id: reportId,
      indicator_code: 'victims_identified',
      value: Math.round(victimsBase * (1 + 0.12 * year)),
      note: demoText('National police figures.'),
    },
    {
      report_id: reportId,
      indicator_code: 'takedown_median_hours',
      value: 96 - year * (20 + countryIndex),
      note: demoText('Hotline statistics.'),
    },
  ]);
}
