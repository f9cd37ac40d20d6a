import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { allow, signedIn } from '../auth/guards';
import { can, homePath } from '../auth/policy';
import { isCountryCode, isCycleSlug } from '../domain';
import { countryName } from '../i18n';
import { handleForm, type Redisplay } from '../web/forms';
import { checkParams, isId } from '../web/params';
import type { ReportService } from './service';
import {
  actionSchema,
  answerSchema,
  baselineSchema,
  indicatorsSchema,
  textLanguageSchema,
  updatesSchema,
  versionOnlySchema,
  withdrawSchema,
} from './validation';
import { reportView } from './view-model';

const ctx = (req: Request) => ({ ipAddress: req.ip ?? null });

/** The country code and cycle slug of a report URL, checked by checkParams. */
export const reportParams = (req: Request) => ({ code: String(req.params.code), cycle: String(req.params.cycle) });

export function reportRoutes(reports: ReportService): Router {
  const router = Router();
  checkParams(router, {
    code: [isCountryCode, 'report'],
    cycle: [isCycleSlug, 'report'],
    actionId: [isId, 'action'],
    questionId: [isId, 'report'],
  });
  router.use('/reports', allow('report.view'));

  const actionId = (req: Request) => Number(req.params.actionId);
  const editUrl = (req: Request) => `/reports/${String(req.params.code)}/${String(req.params.cycle)}/edit`;
  const pageTitle = (req: Request, page: Awaited<ReturnType<ReportService['reportPage']>>) =>
    `${countryName(page.country.code, page.country.name, req.language)}: ${page.cycle.title}`;

  router.get('/reports', async (req, res) => {
    if (!can(req.user, 'reports.list')) {
      res.redirect(303, homePath(signedIn(req)));
      return;
    }
    res.render('reports/list', { title: req.t('msg.your_country_reports'), ...(await reports.listForDelegate(signedIn(req))) });
  });

  async function renderEdit(req: Request, res: Response, status: number, redisplay?: Redisplay) {
    const { code, cycle } = reportParams(req);
    const page = await reports.reportPage(signedIn(req), code, cycle);
    // The secretariat's questions, each with its answer form (and what was typed, if it was refused).
    const questions = page.questions.map((question) => {
      const form = `question-${question.id}`;
      const typed = redisplay?.form === form ? redisplay : undefined;
      return {
        ...question,
        form,
        typed: typeof typed?.values.answer === 'string' ? typed.values.answer : (question.answer ?? ''),
        error: typed?.errors.find((error) => error.field === `${form}-answer`),
      };
    });
    res.status(status).render('reports/edit', { title: pageTitle(req, page), ...reportView(page, req.language, redisplay), questions });
  }

  router.get('/reports/:code/:cycle', async (req, res) => {
    const { code, cycle } = reportParams(req);
    const page = await reports.reportPage(signedIn(req), code, cycle);
    res.render('reports/show', { title: pageTitle(req, page), ...reportView(page, req.language) });
  });

  router.get('/reports/:code/:cycle/edit', (req, res) => renderEdit(req, res, 200));

  /**
   * One section's form on the edit page: saved, it goes back to that section; refused,
   * the page is shown again (422, or 409 for a stale version) with what was typed.
   * The baseline, updates and indicators forms name their fields after their own name.
   */
  function save<S extends z.ZodType>(
    form: (req: Request) => string,
    schema: S,
    run: (req: Request, input: z.output<S>) => Promise<unknown>,
    anchor: (req: Request) => string,
  ) {
    return handleForm({
      form,
      prefix: (req) => (['baseline', 'updates', 'indicators'].includes(form(req)) ? '' : `${form(req)}-`),
      schema,
      run,
      redisplay: renderEdit,
      done: (req) => ({ url: `${editUrl(req)}#${anchor(req)}`, flash: { kind: 'success', text: 'msg.saved' } }),
    });
  }

  const on = (req: Request) => [signedIn(req), String(req.params.code), String(req.params.cycle)] as const;

  router.post(
    '/reports/:code/:cycle/language',
    save(
      () => 'language',
      textLanguageSchema,
      (req, input) => reports.saveTextLanguage(...on(req), input, ctx(req)),
      () => 'language',
    ),
  );
  router.post(
    '/reports/:code/:cycle/baseline',
    save(
      () => 'baseline',
      baselineSchema,
      (req, input) => reports.saveBaseline(...on(req), input, ctx(req)),
      () => 'baseline',
    ),
  );
  router.post(
    '/reports/:code/:cycle/actions',
    save(
      () => 'new-action',
      actionSchema,
      (req, input) => reports.addAction(...on(req), input, ctx(req)),
      () => 'actions',
    ),
  );
  router.post(
    '/reports/:code/:cycle/actions/:actionId',
    save(
      (req) => `action-${actionId(req)}`,
      actionSchema,
      (req, input) => reports.updateAction(...on(req), actionId(req), input, ctx(req)),
      (req) => `action-${actionId(req)}`,
    ),
  );
  router.post(
    '/reports/:code/:cycle/actions/:actionId/remove',
    save(
      (req) => `remove-${actionId(req)}`,
      versionOnlySchema,
      (req, input) => reports.removeAction(...on(req), actionId(req), input.version, ctx(req)),
      () => 'actions',
    ),
  );
  router.post(
    '/reports/:code/:cycle/updates',
    save(
      () => 'updates',
      updatesSchema,
      (req, input) => reports.saveUpdates(...on(req), input, ctx(req)),
      () => 'updates',
    ),
  );
  router.post(
    '/reports/:code/:cycle/actions/:actionId/withdraw',
    save(
      (req) => `withdraw-${actionId(req)}`,
      withdrawSchema,
      (req, input) => reports.withdrawAction(...on(req), actionId(req), input, ctx(req)),
      (req) => `carried-${actionId(req)}`,
    ),
  );
  router.post(
    '/reports/:code/:cycle/actions/:actionId/reinstate',
    save(
      (req) => `reinstate-${actionId(req)}`,
      versionOnlySchema,
      (req, input) => reports.undoWithdrawal(...on(req), actionId(req), input.version, ctx(req)),
      (req) => `carried-${actionId(req)}`,
    ),
  );
  router.post(
    '/reports/:code/:cycle/indicators',
    save(
      () => 'indicators',
      indicatorsSchema,
      (req, input) => reports.saveIndicators(...on(req), input, ctx(req)),
      () => 'indicators',
    ),
  );

  router.post(
    '/reports/:code/:cycle/questions/:questionId',
    save(
      (req) => `question-${String(req.params.questionId)}`,
      answerSchema,
      (req, input) => reports.answerQuestion(...on(req), Number(req.params.questionId), input.answer, ctx(req)),
      (req) => `question-${String(req.params.questionId)}`,
    ),
  );

  router.post(
    '/reports/:code/:cycle/submit',
    handleForm({
      form: () => 'submit',
      schema: versionOnlySchema,
      run: (req, input) => reports.submit(...on(req), input.version, ctx(req)),
      redisplay: renderEdit,
      done: (req) => ({
        url: `/reports/${String(req.params.code)}/${String(req.params.cycle)}`,
        flash: { kind: 'success', text: 'msg.report_has_been_submitted_secretariat_will' },
      }),
    }),
  );

  return router;
}
