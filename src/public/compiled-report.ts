import type { CycleRow, TargetRow } from '../db/rows';
import { shareOfPercent } from '../i18n';
import type { Labels } from '../i18n/labels';
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
  const byMember =
    <T extends { country_code: string }>(rows: T[]) =>
    (member: Member) =>
      rows.filter((row) => row.country_code === member.code);
  const statusOf = (status: string) => ({ code: status, label: labels.status(status) });

  const action = (row: CycleContent['pledged'][number]) => ({
    id: row.id,
    title: row.title,
    description: row.description,
    responsibleBody: row.responsible_body,
    dueOn: row.due_on,
    goal: row.goal_code,
  });
  const update = (row: CycleContent['updates'][number]) => ({
    id: row.action_id,
    title: row.title,
    dueOn: row.due_on,
    status: statusOf(row.status),
    share: shareOfPercent(row.percent_complete),
    narrative: row.narrative,
  });

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
      const pledged = content.pledged.filter((row) => row.target_code === target.code);
      const updates = content.updates.filter((row) => row.target_code === target.code);
      const rows = members
        .map((member) => {
          const own = updates.filter((row) => row.country_code === member.code);
          return {
            member,
            pledged: pledged.filter((row) => row.country_code === member.code).length,
            counts: COUNTED.map((status) => own.filter((row) => row.status === status).length),
          };
        })
        .filter((row) => row.pledged > 0 || row.counts.some((count) => count > 0));
      return {
        code: target.code,
        title: labels.targetTitle(target.code, target.title),
        rows,
        totals: { pledged: pledged.length, counts: COUNTED.map((status) => updates.filter((row) => row.status === status).length) },
        pledged: pledged.map((row) => ({
          ...action(row),
          member: nameOf.get(row.country_code) ?? row.country_code,
          lang: languageOf.get(row.country_code),
        })),
        updates: updates.map((row) => ({
          ...update(row),
          member: nameOf.get(row.country_code) ?? row.country_code,
          lang: languageOf.get(row.country_code),
        })),
      };
    }),
    statusColumns: COUNTED.map((status) => labels.status(status)),
    members: members.map((member) => ({
      ...member,
      lang: languageOf.get(member.code),
      baseline: byMember(content.baseline)(member).map((row) => ({
        target: row.target_code,
        existing: row.existing_measures,
        gaps: row.gaps,
      })),
      pledged: byMember(content.pledged)(member).map(action),
      updates: byMember(content.updates)(member).map(update),
      withdrawn: byMember(content.withdrawn)(member).map((row) => ({ title: row.title, reason: row.withdrawal_reason })),
      indicators: byMember(content.indicators)(member).map((row) => ({
        name: labels.indicatorName(row.indicator_code, row.indicator_name),
        unit: labels.indicatorUnit(row.indicator_code, row.unit),
        value: row.value,
        note: row.note,
      })),
    })),
  };
}
