import { z } from 'zod';
import { recordAuditEvent } from '../audit/queries';
import { noticeDecision } from '../mail/notices';
import type { CurrentUser } from '../auth/current-user';
import { authorize } from '../auth/policy';
import type { CycleRow, ReportRow } from '../db/rows';
import { readerFor, transactorFor } from '../db/transaction';
import type { Database } from '../db/knex';
import type { CarriedPledges } from '../reports/carried';
import { createReportQueries, type ReportQueries } from '../reports/queries';
import type { SubmissionContent } from '../reports/submission';
import { loadContent, reportedCarried, snapshot, stageLabel, StaleVersionError, type RequestContext } from '../reports/service';
import { labelsFor } from '../i18n/labels';
import type { Language } from '../i18n';
import { compareVersions, itemsOf } from './compare';
import { createQuestionQueries } from './questions';
import { FieldError, isVisibleText } from '../web/forms';
import { blockedBy, blockedError, moveReport } from '../reports/workflow';
import { notFound } from '../web/errors';
import { createReviewQueries } from './queries';
import { listsBy } from '../group-by';
import type { Reference, ReferenceData } from '../reports/reference';
import type { ReportService } from '../reports/service';

/** The report a page has loaded already (ReportService.reportPage), compared here rather than read twice. */
type Loaded = Awaited<ReturnType<ReportService['reportPage']>>['loaded'];

// The secretariat's side: who has reported in a cycle, on time or late, and the decision
// on a submitted report. Accepting publishes (the public views read accepted reports);
// returning needs a comment the delegates will see.

export const returnSchema = z
  .object({
    version: z.coerce.number().int().min(0),
    comment: z
      .string({ error: 'msg.explain_what_country_must_change' })
      .trim()
      .max(5_000, 'msg.comment_must_5_000_characters_fewer')
      .refine(isVisibleText, 'msg.explain_what_country_must_change'),
  })
  .strict();

export const acceptSchema = z.object({ version: z.coerce.number().int().min(0) }).strict();

export const questionSchema = z
  .object({
    item: z.string({ error: 'msg.question.choose_item' }).max(120).min(1, 'msg.question.choose_item'),
    question: z
      .string({ error: 'msg.question.write_it' })
      .trim()
      .max(2_000, 'msg.question.too_long')
      .refine(isVisibleText, 'msg.question.write_it'),
  })
  .strict();

/** What the queue shows: one state (else all), in one order. */
export type QueueView = { state?: QueueState; sort?: QueueSort };
export const QUEUE_STATES = ['submitted', 'returned', 'draft', 'not_started', 'accepted'] as const;
type QueueState = (typeof QUEUE_STATES)[number];
export const QUEUE_SORTS = ['attention', 'name', 'submitted'] as const;
type QueueSort = (typeof QUEUE_SORTS)[number];

type QueueMember = { name: string; state: string; late: boolean | null; submittedAt: Date | null };

/** Needs the secretariat first: overdue, then waiting longest for review, returned, drafts, not started, accepted. */
const ATTENTION = ['submitted', 'returned', 'draft', 'not_started', 'accepted'];
const byName = (a: QueueMember, b: QueueMember) => a.name.localeCompare(b.name);
const QUEUE_ORDER: Record<QueueSort, (a: QueueMember, b: QueueMember) => number> = {
  attention: (a, b) => {
    const overdue = (member: QueueMember) => (member.late && member.state !== 'submitted' && member.state !== 'accepted' ? 0 : 1);
    return (
      overdue(a) - overdue(b) ||
      ATTENTION.indexOf(a.state) - ATTENTION.indexOf(b.state) ||
      (a.submittedAt?.getTime() ?? 0) - (b.submittedAt?.getTime() ?? 0) ||
      byName(a, b)
    );
  },
  name: byName,
  submitted: (a, b) => (a.submittedAt?.getTime() ?? Infinity) - (b.submittedAt?.getTime() ?? Infinity) || byName(a, b),
};

const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** The cycle a queue shows: the one named, else the open one, else the newest. */
const queueCycle = (cycles: Reference['cycles'], slug: string | undefined) =>
  slug ? cycles.find((row) => row.slug === slug) : (cycles.find((row) => row.state === 'open') ?? cycles[0]);

/**
 * @param options.versionsStamp the counters whose moves change what the queue shows besides
 * the cycle's reports: the public data version (members, cycles) and the users version
 * (reviewers' names), as one stamp (`stampOf`).
 */
export function createReviewService(
  database: Database,
  reference: ReferenceData,
  options: { publicUrl: string; versionsStamp: () => Promise<string>; carriedPledges: CarriedPledges },
) {
  const transaction = transactorFor(database);
  const read = readerFor(database);
  return {
    /**
     * A stamp that changes whenever anything `queue` shows for the cycle may have changed
     * (../reports/kept-pages). Waiting days and "overdue" count from now, so a kept queue is
     * at most a minute behind the clock; never behind a report.
     */
    async queueStamp(user: CurrentUser, cycleSlug: string | undefined): Promise<string> {
      authorize(user, 'review.decide');
      const versions = await options.versionsStamp();
      const cycle = queueCycle((await reference()).cycles, cycleSlug);
      if (!cycle) throw notFound('reporting cycle');
      const reports = await read((db) => createReviewQueries(db).queueStamp(cycle.id));
      return `${versions}:${reports}:${Math.floor(Date.now() / 60_000)}`;
    },

    /** Per cycle: every member's state, on time or late, and the reporting and on-time rates. */
    async queue(user: CurrentUser, cycleSlug: string | undefined, view: QueueView = {}) {
      authorize(user, 'review.decide');
      const { cycles } = await reference();
      return read(async (db) => {
        const cycle = queueCycle(cycles, cycleSlug);
        if (!cycle) throw notFound('reporting cycle');
        const rows = await createReviewQueries(db).listQueue(cycle);
        const today = dayOf(new Date());
        const members = rows.map((row) => {
          const state = row.state ?? 'not_started';
          const firstSubmitted = row.first_submitted_at;
          const onTime = firstSubmitted ? dayOf(firstSubmitted) <= cycle.due_on : null;
          // A member not expected in this cycle (joined later, date unknown, or left) is
          // never overdue; it is listed only because it has a report anyway.
          const overdue = row.expected && today > cycle.due_on;
          return {
            code: row.code,
            name: row.name,
            state,
            stateLabel: stageLabel(state),
            submittedAt: row.submitted_at,
            firstSubmittedAt: firstSubmitted,
            expected: row.expected,
            timeliness: firstSubmitted
              ? onTime
                ? 'msg.on_time'
                : 'msg.late'
              : !row.expected
                ? 'msg.not_expected_cycle'
                : overdue
                  ? 'msg.overdue'
                  : 'msg.not_due_yet',
            late: firstSubmitted ? !onTime : overdue,
            reviewedAt: row.reviewed_at,
            reviewerName: row.reviewer_name,
            awaitingReview: state === 'submitted',
            /** Whole days a submitted report has waited for review. */
            waitingDays:
              state === 'submitted' && row.submitted_at ? Math.floor((Date.now() - row.submitted_at.getTime()) / 86_400_000) : null,
          };
        });
        // The rates count the members expected to report.
        const expected = members.filter((member) => member.expected);
        const submitted = expected.filter((member) => member.firstSubmittedAt);
        const onTime = submitted.filter((member) => !member.late);
        const count = (state: string) => members.filter((member) => member.state === state).length;
        const shown = members.filter((member) => !view.state || member.state === view.state).sort(QUEUE_ORDER[view.sort ?? 'attention']);
        return {
          cycles: cycles.map((row) => ({ slug: row.slug, title: row.title, selected: row.slug === cycle.slug })),
          cycle: { slug: cycle.slug, title: cycle.title, state: cycle.state, dueOn: cycle.due_on },
          view: { state: view.state ?? null, sort: view.sort ?? 'attention' },
          total: members.length,
          members: shown,
          counts: {
            expected: expected.length,
            notStarted: count('not_started'),
            draft: count('draft'),
            submitted: count('submitted'),
            returned: count('returned'),
            accepted: count('accepted'),
          },
          reportingRate: share(submitted.length, expected.length),
          onTimeRate: share(onTime.length, submitted.length),
        };
      });
    },

    /**
     * The report beside what came before: the version the secretariat returned, if this
     * is a resubmission, else the country's previous accepted report.
     */
    async comparison(user: CurrentUser, countryCode: string, cycleSlug: string, language: Language, loaded: Loaded) {
      authorize(user, 'review.decide');
      const known = await reference();
      const cycle = known.cycle(cycleSlug);
      if (!cycle || !loaded) throw notFound('report');
      const { report, content: current } = loaded;
      return read(async (db) => {
        const reports = createReportQueries(db);
        const returned = await createReviewQueries(db).findLastReturnedSubmission(report.id);
        let previous: SubmissionContent | null = returned?.content ?? null;
        let previousLabel: { message: string; params: Record<string, string | number> } | null = returned
          ? { message: 'msg.compared.returned_version', params: { number: returned.number } }
          : null;
        if (!previous) {
          const accepted = await reports.findPreviousAccepted(countryCode, cycle);
          const acceptedCycle = accepted && known.cycles.find((row) => row.id === accepted.cycle_id);
          if (accepted && acceptedCycle) {
            previous = await contentOf(reports, countryCode, acceptedCycle, accepted, options.carriedPledges);
            previousLabel = { message: 'msg.compared.previous_accepted', params: { cycle: accepted.cycle_title } };
          }
        }
        const indicatorNames = indicatorNamesIn(known.indicators, language);
        const questions = await createQuestionQueries(db).list(report.id);
        const threadOf = listsBy(questions, (question) => question.item_key);
        // Written out whole: a spread with a property added is V8's slow path, and a report
        // of twenty years compares some 800 items (docs/performance.md).
        const items = compareVersions(current, previous, indicatorNames).map(({ id, heading, state, facts, texts, flags }) => ({
          id,
          heading,
          state,
          facts,
          texts,
          flags,
          thread: threadOf(id),
        }));
        const askable = itemsOf(current, indicatorNames);
        const askableById = new Map(askable.map((entry) => [entry.id, entry]));
        return {
          previousLabel,
          // An item asked about is shown with its thread even when it did not change.
          changed: items.filter((entry) => entry.state !== 'unchanged' || entry.thread.length > 0),
          unchanged: items.filter((entry) => entry.state === 'unchanged' && entry.thread.length === 0),
          askable,
          questions: questions.map((question) => ({
            ...question,
            heading: askableById.get(question.item_key)?.heading ?? { message: 'msg.question.item_gone', params: {} },
          })),
          flagged: items.flatMap((entry) => entry.flags.map((flag) => ({ flag, id: entry.id, heading: entry.heading }))),
          reviewable: report.state === 'submitted',
          version: report.version,
        };
      });
    },

    /** Drafts a question on one item of a submitted report; it is sent when the report is returned. */
    async addQuestion(
      user: CurrentUser,
      countryCode: string,
      cycleSlug: string,
      input: z.output<typeof questionSchema>,
      context: RequestContext,
    ) {
      authorize(user, 'review.decide');
      await transaction(async (trx) => {
        const reports = createReportQueries(trx);
        const cycle = await reports.findCycle(cycleSlug);
        const report = cycle && (await reports.findReport(countryCode, cycle.id, { forUpdate: true }));
        if (!cycle || !report) throw notFound('report');
        const blocked = blockedBy('return', { cycle, report });
        if (blocked) throw blockedError(blocked);
        const current = await contentOf(reports, countryCode, cycle, report);
        if (!itemsOf(current, new Map()).some((entry) => entry.id === input.item))
          throw new FieldError(422, 'unknown_item', 'item', 'msg.question.choose_item');
        const id = await createQuestionQueries(trx).add({
          report_id: report.id,
          item_key: input.item,
          question: input.question,
          asked_by: user.id,
        });
        await recordAuditEvent(trx, {
          actorUserId: user.id,
          actorLabel: user.email,
          verb: 'question.drafted',
          entity: 'report',
          entityId: report.id,
          countryCode,
          ipAddress: context.ipAddress,
          details: { cycle: cycleSlug, question_id: id, item: input.item },
        });
      });
    },

    /** Removes a question not sent yet. */
    async removeQuestion(user: CurrentUser, countryCode: string, cycleSlug: string, questionId: number, context: RequestContext) {
      authorize(user, 'review.decide');
      await transaction(async (trx) => {
        const reports = createReportQueries(trx);
        const cycle = await reports.findCycle(cycleSlug);
        const report = cycle && (await reports.findReport(countryCode, cycle.id, { forUpdate: true }));
        if (!cycle || !report || !(await createQuestionQueries(trx).removeDraft(report.id, questionId))) throw notFound('report');
        await recordAuditEvent(trx, {
          actorUserId: user.id,
          actorLabel: user.email,
          verb: 'question.removed',
          entity: 'report',
          entityId: report.id,
          countryCode,
          ipAddress: context.ipAddress,
          details: { cycle: cycleSlug, question_id: questionId },
        });
      });
    },

    async accept(user: CurrentUser, countryCode: string, cycleSlug: string, expectedVersion: number, context: RequestContext) {
      return decide(user, countryCode, cycleSlug, expectedVersion, context, { outcome: 'accepted', comment: null });
    },

    async returnReport(
      user: CurrentUser,
      countryCode: string,
      cycleSlug: string,
      expectedVersion: number,
      comment: string,
      context: RequestContext,
    ) {
      return decide(user, countryCode, cycleSlug, expectedVersion, context, { outcome: 'returned', comment });
    },
  };

  /** One review decision: only on a submitted report, only once (the row is locked). */
  async function decide(
    user: CurrentUser,
    countryCode: string,
    cycleSlug: string,
    expectedVersion: number,
    context: RequestContext,
    decision: { outcome: 'accepted' | 'returned'; comment: string | null },
  ) {
    const transition = decision.outcome === 'accepted' ? 'accept' : 'return';
    authorize(user, 'review.decide');
    return transaction(async (trx) => {
      const reports = createReportQueries(trx);
      const cycle = await reports.findCycle(cycleSlug);
      const report = cycle && (await reports.findReport(countryCode, cycle.id, { forUpdate: true }));
      if (!cycle || !report) throw notFound('report');
      const blocked = blockedBy(transition, { cycle, report });
      if (blocked) throw blockedError(blocked);
      if (report.version !== expectedVersion) throw new StaleVersionError('msg.report_changed_while_were_reading_check');
      const now = new Date();
      const updated = await moveReport(reports, report, transition, {
        reviewed_at: now,
        reviewed_by: user.id,
        review_comment: decision.comment,
      });
      await reports.recordReviewOfLatestSubmission(report.id, {
        outcome: decision.outcome,
        reviewed_at: now,
        reviewed_by: user.id,
        review_comment: decision.comment,
      });
      await recordAuditEvent(trx, {
        actorUserId: user.id,
        actorLabel: user.email,
        verb: decision.outcome === 'accepted' ? 'report.accepted' : 'report.returned',
        entity: 'report',
        entityId: report.id,
        countryCode,
        ipAddress: context.ipAddress,
        details: { cycle: cycleSlug, version: updated.version, ...(decision.comment ? { comment: decision.comment } : {}) },
      });
      const questionQueries = createQuestionQueries(trx);
      const sent = decision.outcome === 'returned' ? await questionQueries.sendDrafts(report.id, updated.version) : [];
      if (decision.outcome === 'accepted') await questionQueries.dropDrafts(report.id);
      const current = await contentOf(reports, countryCode, cycle, report);
      // Indicators named in the tracker's own (English) wording: the mail goes to each delegate in their language.
      const headings = new Map(
        itemsOf(current, indicatorNamesIn(await reports.listIndicators(), 'en')).map((entry) => [entry.id, entry.heading]),
      );
      await noticeDecision(
        trx,
        {
          ...decision,
          countryCode,
          cycle,
          questions: sent.map((question) => ({ heading: headings.get(question.item_key), question: question.question })),
        },
        options.publicUrl,
      );
      return updated;
    });
  }
}

/** Indicator names by code, in a language (what the comparison and the questions call them). */
function indicatorNamesIn(indicators: Reference['indicators'], language: Language): Map<string, string> {
  const labels = labelsFor(language);
  return new Map(indicators.map((indicator) => [indicator.code, labels.indicatorName(indicator.code, indicator.name)]));
}

/**
 * A report's content as a submission would freeze it, with the earlier pledges it carries
 * (read through `reports` unless `pledgesOf` is given: the pages' reads, kept per data version).
 */
async function contentOf(reports: ReportQueries, countryCode: string, cycle: CycleRow, report: ReportRow, pledgesOf?: CarriedPledges) {
  const content = await loadContent(reports, countryCode, cycle, report, 'all', pledgesOf);
  return { ...snapshot(content), carried: reportedCarried(content.carried) };
}

export type ReviewService = ReturnType<typeof createReviewService>;
