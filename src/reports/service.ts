import type { z } from 'zod';
import { recordAuditEvent } from '../audit/queries';
import type { CurrentUser } from '../auth/current-user';
import { authorize, can } from '../auth/policy';
import type { ActionRow, CycleRow, ReportRow } from '../db/rows';
import { isUniqueViolation } from '../db/pg-errors';
import { readerFor, sequentially, transactorFor } from '../db/transaction';
import type { Database } from '../db/knex';
import { targetCode, type ReportStage, type UpdateStatus } from '../domain';
import { AppError, notFound } from '../web/errors';
import { FormRefusal } from '../web/forms';
import { createReportQueries, type ReportQueries } from './queries';
import { carriedInFull, NO_MARKS, NOTHING_CARRIED, placeCarried, tallyOf, type CarriedPledges, type PlacedPledge } from './carried';
import type { ReferenceData } from './reference';
import type { SubmissionContent } from './submission';
import {
  pledgeOfKey,
  type aboutSchema,
  type actionSchema,
  type baselineSchema,
  type IndicatorsInput,
  type summariesSchema,
  type updatesSchema,
  type withdrawSchema,
} from './validation';
import {
  carriedPath,
  carriedPaths,
  missingItems,
  needsUpdate,
  PLEDGES_PER_PAGE,
  progressPageAt,
  sectionsOf,
  sectionStatus,
  type MissingItem,
  type SectionKey,
} from './sections';
import { itemsOf, pledgeOfItem } from '../review/compare';
import { createQuestionQueries } from '../review/questions';
import { authorizeMove, blockedBy, blockedError, blockedMessage, moveReport, type Blocked } from './workflow';

// Delegates' reports: what a report holds, what makes it complete, and each change to it.
// Who may is the access policy's (auth/policy); when a report may change is the
// workflow's (./workflow). Every change runs in one transaction that locks the report
// row, checks its version (optimistic locking across requests), moves its state through
// the workflow (which bumps the version), and writes an audit event.

export type RequestContext = { ipAddress: string | null };

/** The locale key that names a report's stage: "Draft", "Submitted, waiting for review"… */
export const stageLabel = (stage: ReportStage) => `msg.stage.${stage}`;

/** The locale key that names an action's status: "In progress"… */
export const statusLabel = (status: UpdateStatus) => `status.${status}`;

/** A save or a decision on a version of the report that is no longer the latest: nothing was written. */
export class StaleVersionError extends FormRefusal {
  constructor(key = 'msg.someone_else_saved_report_after_opened') {
    super(409, 'stale_version', [{ field: 'form', message: key }], { conflict: true });
  }
}

/** Why a report cannot be edited now, or null when it can: the workflow's word on a save. */
const lockReason = (cycle: CycleRow, report: ReportRow | undefined): Blocked | null => blockedBy('save', { cycle, report });

export type ReportContent = Awaited<ReturnType<typeof loadContent>>;

/**
 * Which earlier pledges a page shows, of those a progress report carries in its order: all
 * (check your answers, the report as submitted, the review), none, a page of the progress
 * section (by number, or the one holding a pledge), or some by id. A report may carry
 * hundreds; a page reads in full only those it shows, and counts the rest (./carried).
 */
export type CarriedFilter = 'all' | 'none' | { page: number } | { pageOf: number } | { ids: number[] };

/** What the counts look up besides: the pledge whose page is shown, or where the next one without an update is looked for from. */
function tallyOptions(shown: CarriedFilter): { locate?: number; after?: number } {
  if (typeof shown !== 'object') return {};
  if ('pageOf' in shown) return { locate: shown.pageOf };
  if ('page' in shown) return { after: shown.page * PLEDGES_PER_PAGE };
  return {};
}

/** The progress section's page a filter shows, when it names one (the pledge's, by where the counts located it). */
function pageShown(shown: CarriedFilter, located: number | null): number | null {
  if (typeof shown !== 'object' || 'ids' in shown) return null;
  return 'page' in shown ? shown.page : progressPageAt(located ?? 0);
}

/** The carried pledges a filter shows, of all of them placed; `page` is the progress section's page it shows. */
function shownOf(placed: PlacedPledge[], shown: CarriedFilter, page: number | null): PlacedPledge[] {
  if (shown === 'all') return placed;
  if (shown === 'none') return [];
  if ('ids' in shown) return placedWith(placed, shown.ids);
  const from = ((page ?? 1) - 1) * PLEDGES_PER_PAGE;
  return placed.slice(from, from + PLEDGES_PER_PAGE);
}

/** Those of the placed pledges whose ids are given. */
const placedWith = (placed: PlacedPledge[], ids: number[]) => placed.filter((pledge) => ids.includes(pledge.id));

/**
 * Everything a report holds now, and the earlier pledges a progress report carries: those
 * the filter names in full (with their updates), the others in figures (`tally`); `placed`
 * has each one's place and state. `page` is the progress section's page shown, when the
 * filter names one. The carried pledges are read through `queries` unless `pledgesOf` is
 * given (the pages' reads, kept per data version).
 */
export async function loadContent(
  queries: ReportQueries,
  countryCode: string,
  cycle: CycleRow,
  report: ReportRow | undefined,
  shown: CarriedFilter = 'all',
  pledgesOf: CarriedPledges = (code, carrying) => queries.carriedPledges(code, carrying),
) {
  const reportId = report?.id ?? null;
  const carries = cycle.kind === 'progress';
  const [stocktaking, pledged, pledges, marks, indicatorValues, summaries] = await sequentially(
    async () => (reportId ? queries.listStocktaking(reportId) : []),
    async () => (reportId ? queries.listActionsPledgedIn(reportId) : []),
    async () => (carries ? pledgesOf(countryCode, cycle) : []),
    async () => (carries && reportId ? queries.draftMarks(reportId) : NO_MARKS),
    async () => (reportId ? queries.listIndicatorValues(reportId) : []),
    async () => (reportId ? queries.listSummaries(reportId) : []),
  );
  const placed = placeCarried(pledges, marks);
  const tally = carries ? tallyOf(placed, marks, tallyOptions(shown)) : NOTHING_CARRIED;
  const page = pageShown(shown, tally.located);
  const carried = await carriedInFull(queries, cycle, shownOf(placed, shown, page));
  const shownIds = shown === 'all' ? null : carried.map((action) => action.id);
  const updates = reportId && (shownIds === null || shownIds.length > 0) ? await queries.listUpdates(reportId, shownIds) : [];
  const unfilled = shown === 'all' ? carried.filter((action) => action.missing) : tally.first_missing ? [tally.first_missing] : [];
  return { reportId, stocktaking, pledged, placed, carried, tally, page, unfilled, updates, indicatorValues, summaries };
}

/** What the completeness rules read (./sections). */
const sectionContent = (
  cycle: CycleRow,
  report: ReportRow | undefined,
  content: ReportContent,
  indicators: ReadonlyArray<{ code: string; name: string }>,
) => ({
  kind: cycle.kind,
  textLanguage: report?.text_language ?? null,
  stocktaking: content.stocktaking,
  pledged: content.pledged,
  progress: {
    missing: content.tally.missing,
    updates: content.tally.updates,
    withdrawnHere: content.tally.withdrawn_here,
    unfilled: content.unfilled,
  },
  indicatorValues: content.indicatorValues,
  summaries: content.summaries,
  indicators,
});

/** The report as it is submitted: frozen into report_submissions, never edited. */
export function snapshot(content: ReportContent): SubmissionContent {
  return {
    baseline: content.stocktaking.map(({ target_code, existing_measures, gaps }) => ({ target_code, existing_measures, gaps })),
    pledged: content.pledged.map(actionFields),
    withdrawn: content.carried
      .filter((action) => action.state === 'withdrawn_here')
      .map((action) => ({ id: action.id, reason: action.withdrawal_reason })),
    updates: content.updates,
    indicators: content.indicatorValues,
    summaries: content.summaries.map(({ target_code, summary }) => ({ target_code: targetCode.parse(target_code), summary })),
  };
}

/** The pledges a progress report speaks of: open, reopened, or withdrawn in it (not those closed earlier). */
export const reportedCarried = (carried: ReportContent['carried']) =>
  carried
    .filter((action) => needsUpdate(action.state) || action.state === 'withdrawn_here')
    .map((action) => ({ id: action.id, title: action.title, withdrawn: action.state === 'withdrawn_here' }));

const actionFields = (action: ActionRow) => ({
  id: action.id,
  title: action.title,
  target_code: action.target_code,
  goal_code: action.goal_code,
  responsible_body: action.responsible_body,
  due_on: action.due_on,
  description: action.description,
});

type EditWork = (context: {
  queries: ReportQueries;
  report: ReportRow;
  cycle: CycleRow;
  countryCode: string;
}) => Promise<{ verb: string; details?: Record<string, unknown>; entityId?: number; sections?: string[] }>;

/**
 * @param versionsStamp the counters whose moves change what a report page shows besides the
 * report itself: the public data version (reference data, earlier accepted reports) and the
 * users version (names of who saved and who answered), as one stamp (`stampOf`).
 * @param carriedPledges the pledges a progress report carries, as the pages read them (kept
 * per data version, ./carried); saves and decisions read them in their own transaction.
 */
export function createReportService(
  database: Database,
  reference: ReferenceData,
  versionsStamp: () => Promise<string>,
  carriedPledges: CarriedPledges,
) {
  const transaction = transactorFor(database);
  const read = readerFor(database);
  /** The member and cycle a page shows, with what its report is filed against; 404 when either is unknown. */
  async function located(countryCode: string, cycleSlug: string) {
    const known = await reference();
    const country = known.country(countryCode);
    const cycle = known.cycle(cycleSlug);
    if (!country || !cycle) throw notFound('report');
    return { ...known, country, cycle };
  }

  /** Loads country, cycle and report for a user, or throws 404 when they may not see it. */
  async function locate(
    queries: ReportQueries,
    user: CurrentUser,
    countryCode: string,
    cycleSlug: string,
    options: { forUpdate?: boolean } = {},
  ) {
    authorize(user, 'report.view', { countryCode });
    const [country, cycle] = await sequentially(
      () => queries.findCountry(countryCode),
      () => queries.findCycle(cycleSlug),
    );
    if (!country || !cycle) throw notFound('report');
    const report = await queries.findReport(countryCode, cycle.id, options);
    return { country, cycle, report };
  }

  /**
   * One change to a report's content: checks the lock and the version, creates the
   * report on its first save, returns a returned report to draft, bumps the version,
   * records who saved which sections and writes the audit event, all in one transaction.
   *
   * A form carries the report version it was loaded at. When the report moved on since,
   * the save still goes through unless one of the sections it `checks` was saved after
   * that version: two people editing different sections both save, and a save over a
   * changed section is refused with what was typed (409).
   */
  async function edit(
    user: CurrentUser,
    countryCode: string,
    cycleSlug: string,
    expectedVersion: number,
    context: RequestContext,
    sections: { checks: string[]; records: string[] },
    work: EditWork,
  ): Promise<ReportRow> {
    return transaction(async (trx) => {
      const queries = createReportQueries(trx);
      authorizeMove(user, 'save', countryCode);
      const located = await locate(queries, user, countryCode, cycleSlug, { forUpdate: true });
      const reason = blockedBy('save', located);
      if (reason) throw blockedError(reason);
      let report = located.report;
      const created = !report;
      if (!report) {
        if (expectedVersion !== 0) throw new StaleVersionError();
        // Two first saves at once: the unique (country, cycle) index lets one through.
        report = await queries.insertReport(countryCode, located.cycle.id).catch((error: unknown) => {
          if (isUniqueViolation(error)) throw new StaleVersionError();
          throw error;
        });
      } else if (expectedVersion > report.version) {
        throw new StaleVersionError();
      } else if (report.version !== expectedVersion) {
        if ((await queries.sectionsSavedSince(report.id, expectedVersion, sections.checks)).length > 0) throw new StaleVersionError();
      }
      const change = await work({ queries, report, cycle: located.cycle, countryCode });
      // A report created by this save starts at version 1; any later save bumps it.
      const updated = created ? report : await moveReport(queries, report, 'save');
      await queries.recordSections(report.id, [...sections.records, ...(change.sections ?? [])], updated.version, user.id);
      await recordAuditEvent(trx, {
        actorUserId: user.id,
        actorLabel: user.email,
        verb: change.verb,
        entity: change.entityId ? 'action' : 'report',
        entityId: change.entityId ?? report.id,
        countryCode,
        ipAddress: context.ipAddress,
        details: { cycle: cycleSlug, report_id: report.id, version: updated.version, ...change.details },
      });
      return updated;
    });
  }

  /** An action pledged in this very report, or 404. */
  async function pledgedHere(queries: ReportQueries, report: ReportRow, countryCode: string, actionId: number) {
    const action = await queries.findAction(actionId);
    if (!action || action.country_code !== countryCode || action.pledged_in_report_id !== report.id) throw notFound('action');
    return action;
  }

  /** An earlier pledge this progress report carries, with where it stands, or 404. */
  async function carriedHere(queries: ReportQueries, report: ReportRow, cycle: CycleRow, countryCode: string, actionId: number) {
    if (cycle.kind !== 'progress') throw new AppError(409, 'wrong_cycle', 'msg.actions_are_withdrawn_progress_report');
    const content = await loadContent(queries, countryCode, cycle, report, { ids: [actionId] });
    const action = content.carried.find((row) => row.id === actionId);
    if (!action || action.state === 'withdrawn_earlier') throw notFound('action');
    return action;
  }

  return {
    /** The reports of the user's country, one row per cycle that is not just planned. */
    async listForDelegate(user: CurrentUser) {
      authorize(user, 'reports.list');
      // The policy lists reports only for a delegate bound to a country.
      const countryCode = user.countryCode ?? '';
      const known = await reference();
      const country = known.country(countryCode);
      const cycles = known.cycles;
      return read(async (db) => {
        const reports = await createReportQueries(db).listReportsOfCountry(countryCode);
        return {
          country,
          cycles: cycles.map((cycle) => {
            const report = reports.find((row) => row.cycle_id === cycle.id);
            const state = report?.state ?? 'not_started';
            return {
              slug: cycle.slug,
              title: cycle.title,
              cycleState: cycle.state,
              dueOn: cycle.due_on,
              state,
              stateLabel: stageLabel(state),
              editable: lockReason(cycle, report) === null,
              overdue: cycle.state === 'open' && !report?.submitted_at && new Date().toISOString().slice(0, 10) > cycle.due_on,
            };
          }),
        };
      });
    },

    /**
     * A stamp that changes whenever anything `reportPage` shows may have changed: the
     * workspace's and the review's pages of a report keep their content per stamp (./kept-pages). Checks the user's right to
     * see the report first, as `reportPage` does. Read before the content it vouches for,
     * so kept content is never older than its stamp.
     */
    async pageStamp(user: CurrentUser, countryCode: string, cycleSlug: string): Promise<string> {
      authorize(user, 'report.view', { countryCode });
      const versions = await versionsStamp();
      const { cycle } = await located(countryCode, cycleSlug);
      const report = await read((db) => createReportQueries(db).reportStamp(countryCode, cycle.id));
      return `${versions}:${report}`;
    },

    /** Where the progress section shows an earlier pledge, relative to the report: `progress/3#carried-12`. */
    async carriedPath(user: CurrentUser, countryCode: string, cycleSlug: string, actionId: number): Promise<string> {
      authorize(user, 'report.view', { countryCode });
      const { cycle } = await located(countryCode, cycleSlug);
      if (cycle.kind !== 'progress') return carriedPath(actionId, 0);
      // A pledge's place does not depend on what the report does to it.
      const position = (await carriedPledges(countryCode, cycle)).findIndex((pledge) => pledge.id === actionId);
      return carriedPath(actionId, Math.max(0, position));
    },

    /**
     * Everything the report and edit pages show, for this user.
     * @param pledges which earlier pledges the page shows, given whether the user may edit
     * the report (default: all); only those are read in full, and those the secretariat's
     * questions ask about.
     */
    async reportPage(user: CurrentUser, countryCode: string, cycleSlug: string, pledges: PledgesShown = ALL_PLEDGES) {
      authorize(user, 'report.view', { countryCode });
      const { country, cycle, targets, goals, indicators } = await located(countryCode, cycleSlug);
      return read(async (db) => {
        const queries = createReportQueries(db);
        const report = await queries.findReport(countryCode, cycle.id);
        const reason = lockReason(cycle, report);
        const editable = reason === null && can(user, 'report.edit', { countryCode });
        const shown = pledges(editable);
        const [content, submissions] = await sequentially(
          () => loadContent(queries, countryCode, cycle, report, shown, carriedPledges),
          async () => (report ? queries.listSubmissions(report.id) : []),
        );
        const rules = sectionContent(cycle, report, content, indicators);
        const missing = missingItems(rules);
        const saves = report ? await queries.listSections(report.id) : [];
        const lastSave = (key: SectionKey) => {
          const rows = saves.filter((row) => row.section === key || (key === 'actions' && row.section.startsWith('action-')));
          return rows.sort((a, b) => b.saved_at.getTime() - a.saved_at.getTime())[0] ?? null;
        };
        const sections = sectionsOf(cycle.kind).map((key) => ({ key, ...sectionStatus(key, rules, missing), lastSave: lastSave(key) }));
        // The secretariat's questions on single items, once the report was returned with them:
        // what each is about, and where the workspace shows it. A page that shows some of the
        // earlier pledges reads those asked about besides.
        const sent = report ? await createQuestionQueries(db).list(report.id, { sentOnly: true }) : [];
        const names = new Map(indicators.map((indicator) => [indicator.code, indicator.name]));
        const asked = sent.flatMap((question) => pledgeOfItem(question.item_key) ?? []);
        const askedCarried =
          shown === 'all' || asked.length === 0 || cycle.kind !== 'progress'
            ? content.carried
            : await carriedInFull(queries, cycle, placedWith(content.placed, asked));
        const items =
          report && sent.length > 0
            ? itemsOf({ ...snapshot(content), carried: reportedCarried(askedCarried) }, names, carriedPaths(askedCarried))
            : [];
        // The report as a submission would freeze it: only when every pledge was read.
        const asSubmitted = report && shown === 'all' ? { ...snapshot(content), carried: reportedCarried(content.carried) } : undefined;
        const questions = sent.map((question) => {
          const item = items.find((entry) => entry.id === question.item_key);
          return {
            ...question,
            heading: item?.heading ?? { message: 'msg.question.item_gone', params: {} },
            anchor: item?.anchor ?? null,
          };
        });
        const state = report?.state ?? 'not_started';
        return {
          country,
          cycle: {
            slug: cycle.slug,
            title: cycle.title,
            kind: cycle.kind,
            state: cycle.state,
            dueOn: cycle.due_on,
            closesOn: cycle.closes_on,
            isCommitments: cycle.kind === 'commitments',
          },
          report: {
            exists: Boolean(report),
            state,
            stateLabel: stageLabel(state),
            version: report?.version ?? 0,
            submittedAt: report?.submitted_at ?? null,
            reviewComment: report?.review_comment ?? null,
            textLanguage: report?.text_language ?? null,
            contributors: report?.contributors ?? '',
            // Shown to delegates while they fix a returned report.
            wasReturned: report?.state === 'returned' || (report?.state === 'draft' && submissions[0]?.outcome === 'returned'),
          },
          // Open for changes, and this user may make them (a delegate of the country).
          editable,
          lockReason: reason && blockedMessage(reason),
          maySubmit: can(user, 'report.submit', { countryCode }) && blockedBy('submit', { cycle, report }) === null,
          missing,
          complete: missing.length === 0,
          sections,
          targets,
          goals,
          indicators,
          content,
          submissions,
          questions,
          /** The report row and its content as a submission would freeze it, for the review's comparison. */
          loaded: report && asSubmitted && { report, content: asSubmitted },
        };
      });
    },

    /**
     * A delegate's answer to a question the secretariat sent with a returned report. The
     * report must be editable; an answer can be corrected until the report is submitted.
     */
    async answerQuestion(
      user: CurrentUser,
      countryCode: string,
      cycleSlug: string,
      questionId: number,
      answer: string,
      context: RequestContext,
    ) {
      await transaction(async (trx) => {
        const queries = createReportQueries(trx);
        authorizeMove(user, 'save', countryCode);
        const located = await locate(queries, user, countryCode, cycleSlug, { forUpdate: true });
        const reason = blockedBy('save', located);
        if (reason) throw blockedError(reason);
        if (!located.report || !(await createQuestionQueries(trx).answer(located.report.id, questionId, answer, user.id)))
          throw notFound('report');
        await recordAuditEvent(trx, {
          actorUserId: user.id,
          actorLabel: user.email,
          verb: 'question.answered',
          entity: 'report',
          entityId: located.report.id,
          countryCode,
          ipAddress: context.ipAddress,
          details: { cycle: cycleSlug, question_id: questionId },
        });
      });
    },

    async saveBaseline(user: CurrentUser, code: string, slug: string, input: z.output<typeof baselineSchema>, context: RequestContext) {
      const touched = Object.keys(input.baseline).map((target) => `stocktaking-${target}`);
      return edit(user, code, slug, input.version, context, { checks: touched, records: touched }, async ({ queries, report, cycle }) => {
        if (cycle.kind !== 'commitments') throw new AppError(409, 'wrong_cycle', 'msg.baseline_part_commitments_cycle_only');
        const entries = Object.entries(input.baseline).map(([target, entry]) => ({
          target_code: targetCode.parse(target),
          existing_measures: entry.existing,
          gaps: entry.gaps,
          no_action_reason: entry.no_action_reason,
        }));
        await queries.saveStocktaking(report.id, entries);
        return { verb: 'report.baseline_saved', details: { targets: entries.map((entry) => entry.target_code) } };
      });
    },

    async saveAbout(user: CurrentUser, code: string, slug: string, input: z.output<typeof aboutSchema>, context: RequestContext) {
      return edit(user, code, slug, input.version, context, same('about'), async ({ queries, report }) => {
        await queries.setTextLanguage(report.id, input.text_language);
        await queries.setContributors(report.id, input.contributors);
        return { verb: 'report.about_saved', details: { text_language: input.text_language } };
      });
    },

    async addAction(user: CurrentUser, code: string, slug: string, input: z.output<typeof actionSchema>, context: RequestContext) {
      // Two adds from one loaded page (a double click, a second tab) conflict; nothing else does.
      return edit(user, code, slug, input.version, context, same('actions'), async ({ queries, report, countryCode }) => {
        const action = await queries.insertAction(countryCode, report.id, toActionFields(input));
        return {
          verb: 'action.pledged',
          entityId: action.id,
          details: { title: action.title, target: action.target_code },
          sections: [`action-${action.id}`],
        };
      });
    },

    async updateAction(
      user: CurrentUser,
      code: string,
      slug: string,
      actionId: number,
      input: z.output<typeof actionSchema>,
      context: RequestContext,
    ) {
      const section = [`action-${actionId}`];
      return edit(
        user,
        code,
        slug,
        input.version,
        context,
        { checks: section, records: section },
        async ({ queries, report, countryCode }) => {
          await pledgedHere(queries, report, countryCode, actionId);
          await queries.updateAction(actionId, toActionFields(input));
          return { verb: 'action.updated', entityId: actionId, details: { title: input.title, target: input.target } };
        },
      );
    },

    async removeAction(user: CurrentUser, code: string, slug: string, actionId: number, expectedVersion: number, context: RequestContext) {
      const sections = { checks: [`action-${actionId}`], records: ['actions', `action-${actionId}`] };
      return edit(user, code, slug, expectedVersion, context, sections, async ({ queries, report, countryCode }) => {
        const action = await pledgedHere(queries, report, countryCode, actionId);
        await queries.deleteAction(actionId);
        return { verb: 'action.removed', entityId: actionId, details: { title: action.title } };
      });
    },

    async saveUpdates(user: CurrentUser, code: string, slug: string, input: z.output<typeof updatesSchema>, context: RequestContext) {
      // A page of the progress section sends its own pledges: its save conflicts only with a
      // save of one of them (another tab on another page saves alongside).
      const ids = Object.keys(input.updates).map(pledgeOfKey);
      const sections = { checks: ids.map(pledgeSection), records: ['progress'] };
      return edit(user, code, slug, input.version, context, sections, async ({ queries, report, cycle, countryCode }) => {
        if (cycle.kind !== 'progress') throw new AppError(409, 'wrong_cycle', 'msg.progress_updates_belong_progress_cycle');
        const { carried } = await loadContent(queries, countryCode, cycle, report, { ids });
        const sent: number[] = [];
        const saved: number[] = [];
        for (const [key, update] of Object.entries(input.updates)) {
          const action = carried.find((row) => `a${row.id}` === key);
          if (!action || action.state === 'withdrawn_earlier')
            throw new AppError(422, 'unknown_action', 'msg.form_names_action_not_part_report');
          sent.push(action.id);
          // Closed pledges take no update until reopened (on their own confirmation page).
          if (!needsUpdate(action.state)) continue;
          if (update.status === null) {
            // A reopened pledge keeps its (reopening) update; clearing the status of an open one clears it.
            if (action.state === 'open') await queries.deleteUpdate(report.id, action.id);
            continue;
          }
          const percent = update.status === 'completed' ? 100 : update.percent;
          await queries.saveUpdate(report.id, countryCode, {
            action_id: action.id,
            status: update.status,
            percent_complete: percent,
            narrative: update.narrative,
          });
          saved.push(action.id);
        }
        return { verb: 'report.updates_saved', details: { actions: saved }, sections: sent.map(pledgeSection) };
      });
    },

    async withdrawAction(
      user: CurrentUser,
      code: string,
      slug: string,
      actionId: number,
      input: z.output<typeof withdrawSchema>,
      context: RequestContext,
    ) {
      return edit(user, code, slug, input.version, context, onePledge(actionId), async ({ queries, report, cycle, countryCode }) => {
        const action = await carriedHere(queries, report, cycle, countryCode, actionId);
        if (!needsUpdate(action.state)) throw new AppError(409, 'closed', 'msg.workspace.closed_cannot_withdraw');
        await queries.setWithdrawal(action.id, report.id, input.reason);
        await queries.deleteUpdate(report.id, action.id);
        return { verb: 'action.withdrawn', entityId: action.id, details: { title: action.title, reason: input.reason } };
      });
    },

    async undoWithdrawal(
      user: CurrentUser,
      code: string,
      slug: string,
      actionId: number,
      expectedVersion: number,
      context: RequestContext,
    ) {
      return edit(user, code, slug, expectedVersion, context, onePledge(actionId), async ({ queries, report, cycle, countryCode }) => {
        const action = await carriedHere(queries, report, cycle, countryCode, actionId);
        if (action.state !== 'withdrawn_here') throw new AppError(409, 'not_withdrawn', 'msg.action_not_withdrawn_report');
        await queries.setWithdrawal(action.id, null, null);
        return { verb: 'action.withdrawal_undone', entityId: action.id, details: { title: action.title } };
      });
    },

    /**
     * Reopens a pledge the last accepted report gave as completed: it takes an update in
     * this report again, starting from "in progress" with last year's percentage.
     */
    async reopenAction(user: CurrentUser, code: string, slug: string, actionId: number, expectedVersion: number, context: RequestContext) {
      return edit(user, code, slug, expectedVersion, context, onePledge(actionId), async ({ queries, report, cycle, countryCode }) => {
        const action = await carriedHere(queries, report, cycle, countryCode, actionId);
        if (action.state !== 'completed') throw new AppError(409, 'not_closed', 'msg.workspace.not_closed');
        await queries.saveUpdate(report.id, countryCode, {
          action_id: action.id,
          status: 'in_progress',
          percent_complete: null,
          narrative: '',
        });
        return { verb: 'action.reopened', entityId: action.id, details: { title: action.title } };
      });
    },

    async saveSummaries(user: CurrentUser, code: string, slug: string, input: z.output<typeof summariesSchema>, context: RequestContext) {
      return edit(user, code, slug, input.version, context, same('summaries'), async ({ queries, report, cycle }) => {
        if (cycle.kind !== 'progress') throw new AppError(409, 'wrong_cycle', 'msg.progress_updates_belong_progress_cycle');
        for (const [target, summary] of Object.entries(input.summaries)) await queries.saveSummary(report.id, target, summary);
        return { verb: 'report.summaries_saved', details: { targets: Object.keys(input.summaries) } };
      });
    },

    async saveIndicators(user: CurrentUser, code: string, slug: string, input: IndicatorsInput, context: RequestContext) {
      return edit(user, code, slug, input.version, context, same('indicators'), async ({ queries, report }) => {
        const known = new Set((await queries.listIndicators()).map((indicator) => indicator.code));
        for (const [indicatorCode, entry] of Object.entries(input.indicators)) {
          if (!known.has(indicatorCode)) throw new AppError(422, 'unknown_indicator', 'msg.form_names_unknown_indicator_reload_page');
          const value = entry.unavailable ? null : (entry.value ?? undefined);
          await queries.saveIndicatorValue(report.id, indicatorCode, value, entry.note);
        }
        return { verb: 'report.indicators_saved', details: { indicators: Object.keys(input.indicators) } };
      });
    },

    /**
     * Submits the report for review: only the country's own delegate, only while the cycle
     * is open, only when complete. The submitted content is frozen as a new version.
     */
    async submit(user: CurrentUser, countryCode: string, cycleSlug: string, expectedVersion: number, context: RequestContext) {
      return transaction(async (trx) => {
        const queries = createReportQueries(trx);
        const { cycle, report } = await locate(queries, user, countryCode, cycleSlug, { forUpdate: true });
        authorizeMove(user, 'submit', countryCode);
        const stale = new StaleVersionError('msg.report_changed_since_opened_page_check');
        if (!report) throw stale;
        const reason = blockedBy('submit', { cycle, report });
        if (reason) throw blockedError(reason);
        if (report.version !== expectedVersion) throw stale;
        const content = await loadContent(queries, countryCode, cycle, report);
        const missing = missingItems(sectionContent(cycle, report, content, await queries.listIndicators()));
        if (missing.length > 0) throw new IncompleteReportError(missing);
        const now = new Date();
        const late = now.toISOString().slice(0, 10) > cycle.due_on;
        const updated = await moveReport(queries, report, 'submit', { submitted_at: now, submitted_by: user.id });
        await queries.insertSubmission({
          report_id: report.id,
          submitted_at: now,
          submitted_by: user.id,
          late,
          content: snapshot(content),
        });
        await recordAuditEvent(trx, {
          actorUserId: user.id,
          actorLabel: user.email,
          verb: 'report.submitted',
          entity: 'report',
          entityId: report.id,
          countryCode,
          ipAddress: context.ipAddress,
          details: { cycle: cycleSlug, version: updated.version, late },
        });
        return updated;
      });
    },
  };
}

/** A submission of a report that is not complete: each missing item, linked to the field that fixes it. */
class IncompleteReportError extends FormRefusal {
  constructor(missing: MissingItem[]) {
    super(
      422,
      'incomplete_report',
      missing.map((item) => ({ field: item.field, message: item.message, params: item.params })),
      { absolute: true },
    );
  }
}

function toActionFields(input: z.output<typeof actionSchema>) {
  return {
    title: input.title,
    target_code: input.target,
    goal_code: input.goal,
    responsible_body: input.body,
    due_on: input.due_on,
    description: input.description,
  };
}

/** A save that touches one section, checked and recorded as such. */
function same(section: string) {
  return { checks: [section], records: [section] };
}

/**
 * A change to one carried pledge (withdrawing it, undoing that, reopening it): it conflicts
 * with another change to that pledge only, and counts as a save of the progress section.
 */
const onePledge = (actionId: number) => ({ checks: [pledgeSection(actionId)], records: ['progress', pledgeSection(actionId)] });

/** The section a carried pledge's changes are recorded as (`update-12`), for conflicts per pledge. */
function pledgeSection(actionId: number) {
  return `update-${actionId}`;
}

/** Which carried pledges a report page shows (CarriedFilter), given whether the user may edit the report. */
export type PledgesShown = (editable: boolean) => CarriedFilter;
/** A page that shows every earlier pledge: check your answers, the report as submitted, the review. */
export const ALL_PLEDGES: PledgesShown = () => 'all';

export type ReportService = ReturnType<typeof createReportService>;
