import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { allow, signedIn } from '../auth/guards';
import { can, homePath } from '../auth/policy';
import { forgetUnsavedForm, unsavedForm } from '../auth/unsaved';
import { isCountryCode, isCycleSlug, TARGET_CODES } from '../domain';
import { countryName, formatNumber } from '../i18n';
import { handleForm, type Redisplay } from '../web/forms';
import { notFound } from '../web/errors';
import { checkParams, isId } from '../web/params';
import { missingUpdatePath, progressPages, progressPath, PLEDGES_PER_PAGE, sectionPath, sectionsOf } from './sections';
import { ALL_PLEDGES, type PledgesShown, type ReportService } from './service';
import {
  aboutSchema,
  actionSchema,
  answerSchema,
  baselineSchema,
  indicatorsSchema,
  PLEDGE_KEY,
  pledgeOfKey,
  submitSchema,
  summariesSchema,
  updatesSchema,
  versionOnlySchema,
  withdrawSchema,
} from './validation';
import { keptReportPages } from './kept-pages';
import { reportView } from './view-model';
import { paginate } from '../web/pagination';

// The delegate's workspace: a task list per report, each section its own page with one
// form, confirmation pages for what cannot be undone in one click, and "check your
// answers" before submitting. A form's page and the address it posts to share their
// path where they can, so a form kept after the idle timeout comes back to its page.

const ctx = (req: Request) => ({ ipAddress: req.ip ?? null });

/** The country code and cycle slug of a report URL, checked by checkParams. */
export const reportParams = (req: Request) => ({ code: String(req.params.code), cycle: String(req.params.cycle) });

type Page = Awaited<ReturnType<ReportService['reportPage']>>;
/** What else a page shows, from the report's view model (with what was typed). */
type Extra = (model: ReturnType<typeof reportView>) => object;

/** A page that shows no earlier pledge. */
const NO_PLEDGE: PledgesShown = () => 'none';
/** A page number of the progress section, as written in its address (`progress/2`). */
const isPageNumber = (value: string) => /^[1-9]\d{0,5}$/.test(value);

/** @param keptEntries how many pages' contents the workspace keeps (./kept-pages; default 500) */
export function reportRoutes(reports: ReportService, keptEntries?: number): Router {
  const router = Router();
  const sendPage = keptReportPages(keptEntries);
  checkParams(router, {
    code: [isCountryCode, 'report'],
    cycle: [isCycleSlug, 'report'],
    actionId: [isId, 'action'],
    questionId: [isId, 'report'],
    target: [(value: unknown) => (TARGET_CODES as readonly unknown[]).includes(value), 'report'],
    // The progress section's pages after the first (which is /progress itself).
    page: [isPageNumber, 'report'],
  });
  router.use('/reports', allow('report.view'));

  const actionId = (req: Request) => Number(req.params.actionId);
  const baseOf = (req: Request) => `/reports/${String(req.params.code)}/${String(req.params.cycle)}`;
  const pageTitle = (req: Request, page: Pick<Page, 'country' | 'cycle'>, section?: string) =>
    `${section ? `${req.t(section)} – ` : ''}${req.t('ui.partials_report_header.heading', { country: countryName(page.country.code, page.country.name, req.language), cycle: page.cycle.title })}`;
  const on = (req: Request) => [signedIn(req), String(req.params.code), String(req.params.cycle)] as const;
  const pathOf = (req: Request) => req.originalUrl.split('?')[0] ?? req.originalUrl;

  router.get('/reports', async (req, res) => {
    if (!can(req.user, 'reports.list')) {
      res.redirect(303, homePath(signedIn(req)));
      return;
    }
    res.render('reports/list', { title: req.t('msg.your_country_reports'), ...(await reports.listForDelegate(signedIn(req))) });
  });

  /** The secretariat's questions, each with its answer form (and what was typed, if it was refused). */
  const questionsOf = (req: Request, page: Page, redisplay?: Redisplay) =>
    page.questions.map((question) => {
      const form = `question-${question.id}`;
      const typed = redisplay?.form === form ? redisplay : undefined;
      return {
        ...question,
        form,
        // Where the item is: its section's page and the field.
        href: question.anchor ? `${baseOf(req)}/${question.anchor}` : null,
        typed: typeof typed?.values.answer === 'string' ? typed.values.answer : (question.answer ?? ''),
        error: typed?.errors.find((error) => error.field === `${form}-answer`),
      };
    });

  /**
   * Renders one workspace page. With nothing refused, a form this user posted after
   * their sign-in ended is shown again as they typed it, marked "not saved yet". A page
   * with nothing typed in it is the same for every reader with the same rights: its
   * content is kept until the report's stamp moves.
   */
  async function renderWorkspace(
    req: Request,
    res: Response,
    view: string,
    options: {
      status?: number;
      redisplay?: Redisplay;
      form?: string;
      title?: string;
      extra?: Extra;
      /** The earlier pledges the page shows (default: none; a report may carry hundreds). */
      carried?: PledgesShown;
    } = {},
  ) {
    const { code, cycle } = reportParams(req);
    const kept = !options.redisplay && options.form ? unsavedForm(req, pathOf(req)) : undefined;
    const redisplay = options.redisplay ?? (kept && options.form ? { form: options.form, values: kept, errors: [] } : undefined);
    await sendPage(
      req,
      res,
      { keepable: !redisplay, status: options.status, stamp: () => reports.pageStamp(signedIn(req), code, cycle) },
      async () => {
        const page = await reports.reportPage(signedIn(req), code, cycle, options.carried ?? NO_PLEDGE);
        if (!page.editable && view !== 'reports/questions') return { redirect: baseOf(req) };
        const model = reportView(page, req.language, redisplay);
        return {
          view,
          locals: {
            title: pageTitle(req, page, options.title),
            ...model,
            questions: questionsOf(req, page, redisplay),
            restored: Boolean(kept),
            numberExample: formatNumber(1250.5, req.language),
            ...options.extra?.(model),
          },
        };
      },
    );
  }

  router.get('/reports/:code/:cycle', async (req, res) => {
    const { code, cycle } = reportParams(req);
    await sendPage(req, res, { keepable: true, stamp: () => reports.pageStamp(signedIn(req), code, cycle) }, async () => {
      // The task list shows no pledge; the report as submitted (to whoever may not edit it) all.
      const page = await reports.reportPage(signedIn(req), code, cycle, (editable) => (editable ? 'none' : 'all'));
      const view = reportView(page, req.language);
      if (!page.editable) return { view: 'reports/show', locals: { title: pageTitle(req, page), ...view } };
      return {
        view: 'reports/task-list',
        locals: {
          title: pageTitle(req, page),
          ...view,
          questions: questionsOf(req, page),
          unanswered: page.questions.filter((question) => !question.answer).length,
          completedCount: page.sections.filter((section) => ['completed', 'optional'].includes(section.status)).length,
        },
      };
    });
  });

  // The single edit page of earlier versions: its bookmarks lead to the task list.
  router.get('/reports/:code/:cycle/edit', (req, res) => {
    res.redirect(301, baseOf(req));
  });

  /**
   * Where a saved section goes: "Save and continue" names the next page (a section's path,
   * or check), anything else goes back to the task list.
   */
  const NEXT_PAGES = new Set([...sectionsOf('commitments'), ...sectionsOf('progress')].map(sectionPath).concat('check'));
  const isNextPage = (then: unknown): then is string =>
    typeof then === 'string' && (NEXT_PAGES.has(then) || (then.startsWith('progress/') && isPageNumber(then.slice('progress/'.length))));
  const nextPage = (req: Request, res: Response) => (isNextPage(res.locals.then) ? `${baseOf(req)}/${res.locals.then}` : baseOf(req));

  /**
   * One section form: saved, it goes on (to the next section, or the task list) with
   * "Saved." at the top; refused, its page is shown again (422, or 409 when the same
   * section changed meanwhile) with what was typed.
   */
  function save<S extends z.ZodType>(spec: {
    form: (req: Request) => string;
    prefix?: string;
    schema: S | ((req: Request) => S);
    run: (req: Request, input: z.output<S>) => Promise<unknown>;
    view: string;
    title: string;
    /** What else the page shows, when it is shown again: the action, the target. */
    extra?: (req: Request) => Extra;
    /** The earlier pledges the page shows, when it is shown again (default: none). */
    carried?: (req: Request) => PledgesShown;
    done?: (req: Request) => string | Promise<string>;
  }) {
    const { prefix } = spec;
    const handler = handleForm({
      form: spec.form,
      ...(prefix === undefined ? {} : { prefix: () => prefix }),
      schema: spec.schema,
      run: spec.run,
      redisplay: (req, res, status, redisplay) =>
        renderWorkspace(req, res, spec.view, {
          status,
          redisplay,
          title: spec.title,
          ...(spec.extra ? { extra: spec.extra(req) } : {}),
          ...(spec.carried ? { carried: spec.carried(req) } : {}),
        }),
      done: async (req, _result, res) => {
        forgetUnsavedForm(req, refererPath(req) || pathOf(req));
        return { url: spec.done ? await spec.done(req) : nextPage(req, res), flash: { kind: 'success', text: 'msg.saved' } };
      },
    });
    return (req: Request, res: Response) => {
      // Which button was pressed ("Save and continue" names the next page) is not a field of the form.
      const body = req.body as Record<string, unknown> | undefined;
      res.locals.then = body?.then;
      if (body) delete body.then;
      return handler(req, res, () => undefined);
    };
  }
  const refererPath = (req: Request) => {
    try {
      const url = new URL(req.get('Referer') ?? '');
      return url.host === req.get('Host') ? url.pathname : '';
    } catch {
      return '';
    }
  };

  // About this report
  router.get('/reports/:code/:cycle/about', (req, res) =>
    renderWorkspace(req, res, 'reports/about', { form: 'about', title: 'ui.workspace.section.about' }),
  );
  router.post(
    '/reports/:code/:cycle/about',
    save({
      form: () => 'about',
      schema: aboutSchema,
      run: (req, input) => reports.saveAbout(...on(req), input, ctx(req)),
      view: 'reports/about',
      title: 'ui.workspace.section.about',
    }),
  );

  // Stocktaking, one policy target a page (commitments cycle); the form posts to /baseline.
  /** The target of a stocktaking page: from its address, or from the form it sent. */
  const targetExtra = (req: Request) => (model: ReturnType<typeof reportView>) => {
    const baseline = (req.body as Record<string, unknown> | undefined)?.baseline;
    const sent = baseline && typeof baseline === 'object' ? Object.keys(baseline)[0] : undefined;
    const code = typeof req.params.target === 'string' ? req.params.target : sent;
    const target = model.baseline.find((entry) => entry.code === code);
    if (!target) throw notFound('report');
    return { target, nextTarget: TARGET_CODES[TARGET_CODES.indexOf(target.code) + 1] ?? null };
  };
  router.get('/reports/:code/:cycle/stocktaking/:target', (req, res) =>
    renderWorkspace(req, res, 'reports/stocktaking', {
      form: 'baseline',
      title: 'ui.workspace.section.stocktaking',
      extra: targetExtra(req),
    }),
  );
  router.post(
    '/reports/:code/:cycle/baseline',
    save({
      form: () => 'baseline',
      prefix: '',
      schema: baselineSchema,
      run: (req, input) => reports.saveBaseline(...on(req), input, ctx(req)),
      view: 'reports/stocktaking',
      title: 'ui.workspace.section.stocktaking',
      extra: targetExtra,
    }),
  );

  // Pledged actions: the list, a page to add one, a page to change one, a page to confirm removing one.
  router.get('/reports/:code/:cycle/actions', (req, res) =>
    renderWorkspace(req, res, 'reports/actions', { title: 'ui.workspace.section.actions' }),
  );
  router.get('/reports/:code/:cycle/actions/new', (req, res) => {
    // "Add an action under PT2" comes with its target chosen.
    const target = TARGET_CODES.find((code) => code === req.query.target);
    return renderWorkspace(req, res, 'reports/action', {
      form: 'new-action',
      title: 'ui.workspace.add_action',
      ...(target && !unsavedForm(req, pathOf(req)) ? { redisplay: { form: 'new-action', values: { target }, errors: [] } } : {}),
      extra: () => ({ isNew: true }),
    });
  });
  router.post(
    '/reports/:code/:cycle/actions',
    save({
      form: () => 'new-action',
      schema: actionSchema,
      run: (req, input) => reports.addAction(...on(req), input, ctx(req)),
      view: 'reports/action',
      title: 'ui.workspace.add_action',
      extra: () => () => ({ isNew: true }),
      done: (req) => `${baseOf(req)}/actions`,
    }),
  );
  /** The action a page is about: pledged in this report, or carried into it. */
  const actionExtra = (req: Request) => (model: ReturnType<typeof reportView>) => {
    const action = [...model.pledged, ...model.carried].find((row) => row.id === actionId(req));
    if (!action) throw notFound('action');
    return { action };
  };
  /** A page about one action builds no other carried pledge. */
  const thisPledge =
    (req: Request): PledgesShown =>
    () => ({ ids: [actionId(req)] });
  const actionPage = (view: string, form: (req: Request) => string, title: string) => (req: Request, res: Response) =>
    renderWorkspace(req, res, view, { form: form(req), title, extra: actionExtra(req), carried: thisPledge(req) });
  router.get(
    '/reports/:code/:cycle/actions/:actionId',
    actionPage('reports/action', (req) => `action-${actionId(req)}`, 'ui.workspace.change_action'),
  );
  router.post(
    '/reports/:code/:cycle/actions/:actionId',
    save({
      form: (req) => `action-${actionId(req)}`,
      schema: actionSchema,
      run: (req, input) => reports.updateAction(...on(req), actionId(req), input, ctx(req)),
      view: 'reports/action',
      title: 'ui.workspace.change_action',
      extra: actionExtra,
      done: (req) => `${baseOf(req)}/actions#action-${actionId(req)}`,
    }),
  );

  /** A confirmation page: removing a pledge, undoing a withdrawal, reopening a closed pledge. */
  const confirmation = (kind: 'remove' | 'reinstate' | 'reopen', done: (req: Request) => string | Promise<string>) => {
    const form = (req: Request) => `${kind}-${actionId(req)}`;
    router.get(`/reports/:code/:cycle/actions/:actionId/${kind}`, (req, res, next) => {
      renderWorkspace(req, res, 'reports/confirm', {
        form: form(req),
        title: `ui.workspace.confirm.${kind}.title`,
        extra: (model) => ({ ...actionExtra(req)(model), kind }),
        carried: thisPledge(req),
      }).catch(next);
    });
    router.post(
      `/reports/:code/:cycle/actions/:actionId/${kind}`,
      save({
        form,
        schema: versionOnlySchema,
        run: (req, input) =>
          kind === 'remove'
            ? reports.removeAction(...on(req), actionId(req), input.version, ctx(req))
            : kind === 'reinstate'
              ? reports.undoWithdrawal(...on(req), actionId(req), input.version, ctx(req))
              : reports.reopenAction(...on(req), actionId(req), input.version, ctx(req)),
        view: 'reports/confirm',
        title: `ui.workspace.confirm.${kind}.title`,
        extra: (req) => (model) => ({ ...actionExtra(req)(model), kind }),
        carried: thisPledge,
        done,
      }),
    );
  };
  /** Back to the pledge on its page of the progress section, after a change to it. */
  const carriedPage = async (req: Request) => `${baseOf(req)}/${await reports.carriedPath(...on(req), actionId(req))}`;
  confirmation('remove', (req) => `${baseOf(req)}/actions`);
  confirmation('reinstate', carriedPage);
  confirmation('reopen', carriedPage);

  // Progress on earlier pledges (progress cycle): a page of ten at a time, in the report's
  // order; each page's form saves its own open pledges. A refused save shows the page of the
  // pledges it sent again.
  /** Which page of the progress section a request shows: by its address, or the page of the first pledge a save sent. */
  const progressPledges =
    (req: Request): PledgesShown =>
    () => {
      if (req.method === 'GET') return { page: req.params.page === undefined ? 1 : Number(req.params.page) };
      const updates = (req.body as Record<string, unknown> | undefined)?.updates;
      const first = updates && typeof updates === 'object' ? Object.keys(updates)[0] : undefined;
      return first && PLEDGE_KEY.test(first) ? { pageOf: pledgeOfKey(first) } : { page: 1 };
    };
  /** Where the page is among the section's pages, and the next pledge elsewhere still without an update. */
  const progressExtra = (req: Request) => (model: ReturnType<typeof reportView>) => {
    const { tally, page } = model.content;
    const number = page ?? 1;
    const total = tally.carried;
    const pages = progressPages(total);
    if (number > pages) throw notFound('report');
    const elsewhere = tally.missing - model.content.carried.filter((action) => action.missing).length;
    // The first after this page, or else the first before it.
    const next = tally.next_missing ?? (elsewhere > 0 ? tally.first_missing : null);
    const section = req.t('ui.workspace.section.progress');
    return {
      ...(pages > 1
        ? { title: `${section} (${req.t('ui.workspace.progress.page', { page: number, pages })}) – ${pageTitle(req, model)}` }
        : {}),
      pageNumber: pages > 1 ? { page: number, pages } : null,
      range: { from: (number - 1) * PLEDGES_PER_PAGE + 1, to: Math.min(total, number * PLEDGES_PER_PAGE), total },
      pagination: paginate(number, pages, (to) => `${model.base}/${progressPath(to)}`),
      elsewhere,
      nextMissing: next ? { title: next.title, href: `${model.base}/${missingUpdatePath(next.id, next.position)}` } : null,
      next: number < pages ? progressPath(number + 1) : 'summaries',
    };
  };
  const progressOptions = (req: Request) => ({
    form: 'updates',
    title: 'ui.workspace.section.progress',
    carried: progressPledges(req),
    extra: progressExtra(req),
  });
  router.get('/reports/:code/:cycle/progress', (req, res) => renderWorkspace(req, res, 'reports/progress', progressOptions(req)));
  // Page 1 has the section's own address.
  router.get('/reports/:code/:cycle/progress/1', (req, res) => {
    res.redirect(301, `${baseOf(req)}/progress`);
  });
  router.get('/reports/:code/:cycle/progress/:page', (req, res) => renderWorkspace(req, res, 'reports/progress', progressOptions(req)));
  router.post(
    '/reports/:code/:cycle/updates',
    save({
      form: () => 'updates',
      prefix: '',
      schema: updatesSchema,
      run: (req, input) => reports.saveUpdates(...on(req), input, ctx(req)),
      view: 'reports/progress',
      title: 'ui.workspace.section.progress',
      extra: progressExtra,
      carried: progressPledges,
    }),
  );
  router.get(
    '/reports/:code/:cycle/actions/:actionId/withdraw',
    actionPage('reports/withdraw', (req) => `withdraw-${actionId(req)}`, 'ui.workspace.withdraw_title'),
  );
  router.post(
    '/reports/:code/:cycle/actions/:actionId/withdraw',
    save({
      form: (req) => `withdraw-${actionId(req)}`,
      schema: withdrawSchema,
      run: (req, input) => reports.withdrawAction(...on(req), actionId(req), input, ctx(req)),
      view: 'reports/withdraw',
      title: 'ui.workspace.withdraw_title',
      extra: actionExtra,
      carried: thisPledge,
      done: carriedPage,
    }),
  );

  // Progress summaries, one per policy target (progress cycle).
  router.get('/reports/:code/:cycle/summaries', (req, res) =>
    renderWorkspace(req, res, 'reports/summaries', { form: 'summaries', title: 'ui.workspace.section.summaries' }),
  );
  router.post(
    '/reports/:code/:cycle/summaries',
    save({
      form: () => 'summaries',
      prefix: '',
      schema: summariesSchema,
      run: (req, input) => reports.saveSummaries(...on(req), input, ctx(req)),
      view: 'reports/summaries',
      title: 'ui.workspace.section.summaries',
    }),
  );

  // Indicators: a value written the interface language's way, or "not available" and why.
  router.get('/reports/:code/:cycle/indicators', (req, res) =>
    renderWorkspace(req, res, 'reports/indicators', { form: 'indicators', title: 'ui.workspace.section.indicators' }),
  );
  router.post(
    '/reports/:code/:cycle/indicators',
    save({
      form: () => 'indicators',
      prefix: '',
      schema: (req: Request) => indicatorsSchema(req.language),
      run: (req, input) => reports.saveIndicators(...on(req), input, ctx(req)),
      view: 'reports/indicators',
      title: 'ui.workspace.section.indicators',
    }),
  );

  // The secretariat's questions on single items of a returned report, and the answers.
  router.get('/reports/:code/:cycle/questions', (req, res) =>
    renderWorkspace(req, res, 'reports/questions', { title: 'ui.workspace.section.questions' }),
  );
  router.post(
    '/reports/:code/:cycle/questions/:questionId',
    save({
      form: (req) => `question-${String(req.params.questionId)}`,
      schema: answerSchema,
      run: (req, input) => reports.answerQuestion(...on(req), Number(req.params.questionId), input.answer, ctx(req)),
      view: 'reports/questions',
      title: 'ui.workspace.section.questions',
      done: (req) => `${baseOf(req)}/questions#question-${String(req.params.questionId)}`,
    }),
  );

  // Check your answers, then submit with the declaration.
  /** The declaration's own message, when the submission was refused for it. */
  const declarationExtra: Extra = (model) => ({ declarationError: model.errors.find((error) => error.field === 'submit-declaration') });
  /** Check your answers shows every pledge. */
  const checkOptions = { title: 'ui.workspace.check.title', extra: declarationExtra, carried: ALL_PLEDGES };
  router.get('/reports/:code/:cycle/check', (req, res) => renderWorkspace(req, res, 'reports/check', { form: 'submit', ...checkOptions }));
  router.post(
    '/reports/:code/:cycle/submit',
    handleForm({
      form: () => 'submit',
      schema: submitSchema,
      run: (req, input) => reports.submit(...on(req), input.version, ctx(req)),
      redisplay: (req, res, status, redisplay) => renderWorkspace(req, res, 'reports/check', { status, redisplay, ...checkOptions }),
      done: (req) => ({
        url: baseOf(req),
        flash: { kind: 'success', text: 'msg.report_has_been_submitted_secretariat_will' },
      }),
    }),
  );

  return router;
}
