import type { CycleRow, TargetRow } from '../db/rows';
import { shareOfPercent } from '../i18n';
import type { Labels } from '../i18n/labels';
import { listsBy } from '../group-by';
import type { CycleContent } from './queries';

// The compiled report of a cycle: what the Commission produced by hand from the 2013
// reports, made from the accepted reports only — key figures, then per policy target a
// summary table and every member's actions, then a section per member.

type Member = { code: string; name: string };

/** The statuses a progress update counts in, in the order the summary tables show them. */
const COUNTED = ['completed', 'in_progress', 'delayed', 'not_started'] as const;

export function compiledReport(cycle: CycleRow, content: CycleContent, targets: TargetRow[], expectedCount: number, labels: Labels) {
  const members: Member[] = content.reports
    .map((report) => ({ code: report.country_code, name: labels.country(report.country_code, report.country_name) }))
    .sort((a, b) => labels.compareNames(a.name, b.name));
  const languageOf = new Map(content.reports.map((report) => [report.country_code, report.text_language]));
  const nameOf = new Map(members.map((member) => [member.code, member.name]));
  // Each list grouped once: filtered for each member and target, the twentieth cycle of the
  // growth data set (48,000 updates) made 5.8 million tests a render.
  const ofMember = <T extends { country_code: string }>(rows: T[]) => listsBy(rows, (row) => row.country_code);
  const ofTarget = <T extends { target_code: string }>(rows: T[]) => listsBy(rows, (row) => row.target_code);
  const statusOf = (status: string) => ({ code: status, label: labels.status(status) });

  // An item names its member, for the lists under each target. Written out whole: a copy
  // with properties added (`{ ...action(row), member }`) takes V8's slow path, about 0.65 µs
  // a property added, for each of 48,000 updates.
  const action = (row: CycleContent['pledged'][number]) => ({
    id: row.id,
    title: row.title,
    description: row.description,
    responsibleBody: row.responsible_body,
    dueOn: row.due_on,
    goal: row.goal_code,
    member: nameOf.get(row.country_code) ?? row.country_code,
    lang: languageOf.get(row.country_code),
  });
  const update = (row: CycleContent['updates'][number]) => ({
    id: row.action_id,
    title: row.title,
    dueOn: row.due_on,
    status: statusOf(row.status),
    share: shareOfPercent(row.percent_complete),
    narrative: row.narrative,
    member: nameOf.get(row.country_code) ?? row.country_code,
    lang: languageOf.get(row.country_code),
  });
  const pledgedUnder = ofTarget(content.pledged);
  const updatesUnder = ofTarget(content.updates);
  const baselineOf = ofMember(content.baseline);
  const pledgedBy = ofMember(content.pledged);
  const updatesBy = ofMember(content.updates);
  const withdrawnBy = ofMember(content.withdrawn);
  const indicatorsOf = ofMember(content.indicators);

  const completed = content.updates.filter((row) => row.status === 'completed').length;
  return {
    cycle: {
      slug: cycle.slug,
      title: cycle.title,
      kind: labels.cycleKind(cycle.kind),
      isProgress: cycle.kind === 'progress',
      dueOn: cycle.due_on,
    },
    figures: {
      expected: expectedCount,
      published: members.length,
      pledged: content.pledged.length,
      updated: content.updates.length,
      completedShare: content.updates.length === 0 ? null : completed / content.updates.length,
      withdrawn: content.withdrawn.length,
    },
    targets: targets.map((target) => {
      const pledged = pledgedUnder(target.code);
      const updates = updatesUnder(target.code);
      const pledgedHere = ofMember(pledged);
      const updatesHere = ofMember(updates);
      const counted = (rows: typeof updates) => COUNTED.map((status) => rows.filter((row) => row.status === status).length);
      const rows = members
        .map((member) => ({ member, pledged: pledgedHere(member.code).length, counts: counted(updatesHere(member.code)) }))
        .filter((row) => row.pledged > 0 || row.counts.some((count) => count > 0));
      return {
        code: target.code,
        title: labels.targetTitle(target.code, target.title),
        rows,
        totals: { pledged: pledged.length, counts: counted(updates) },
        pledged: pledged.map(action),
        updates: updates.map(update),
      };
    }),
    statusColumns: COUNTED.map((status) => labels.status(status)),
    members: members.map((member) => ({
      code: member.code,
      name: member.name,
      lang: languageOf.get(member.code),
      baseline: baselineOf(member.code).map((row) => ({
        target: row.target_code,
        existing: row.existing_measures,
        gaps: row.gaps,
      })),
      pledged: pledgedBy(member.code).map(action),
      updates: updatesBy(member.code).map(update),
      withdrawn: withdrawnBy(member.code).map((row) => ({ title: row.title, reason: row.withdrawal_reason })),
      indicators: indicatorsOf(member.code).map((row) => ({
        name: labels.indicatorName(row.indicator_code, row.indicator_name),
        unit: labels.indicatorUnit(row.indicator_code, row.unit),
        value: row.value,
        note: row.note,
      })),
    })),
  };
}
