import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { allow } from '../auth/guards';
import { can, homePath } from '../auth/policy';
import { countryName, translateMessage } from '../i18n';
import { errorMessage } from '../web/error-messages';
import { AppError, notFound } from '../web/errors';
import { formErrors, formFields, type FormError } from '../web/forms';
import { IncompleteReportError, StaleVersionError, type ReportService } from './service';
import { actionSchema, baselineSchema, indicatorsSchema, textLanguageSchema, updatesSchema, versionOnlySchema, withdrawSchema } from './validation';
import { reportView, type FormOverride } from './view-model';

/** The country code and cycle slug of a report URL; anything malformed is a 404. */
export function reportParams(req: Request) {
  const code = String(req.params.code);
  const cycle = String(req.params.cycle);
  if (!/^[A-Z]{2}$/.test(code) || !/^[a-z0-9-]{1,60}$/.test(cycle)) throw notFound('report');
  return { code, cycle };
}

const actionId = (req: Request) => {
  const id = String(req.params.actionId);
  if (!/^\d{1,9}$/.test(id)) throw notFound('action');
  return Number(id);
};

export function reportRoutes(reports: ReportService): Router {
  const router = Router();
  router.use('/reports', allow('report.view'));

  router.get('/reports', async (req, res) => {
    if (!can(req.user, 'reports.list')) return res.redirect(303, homePath(req.user!));
    res.render('reports/list', { title: req.t('msg.your_country_reports'), ...(await reports.listForDelegate(req.user!)) });
  });

  const editUrl = (code: string, cycle: string) => `/reports/${code}/${cycle}/edit`;

  async function renderEdit(req: Request, res: Response, status: number, override?: FormOverride) {
    const { code, cycle } = reportParams(req);
    const page = await reports.reportPage(req.user!, code, cycle);
    res.status(status).render('reports/edit', { title: `${countryName(page.country.code, page.country.name, req.language)}: ${page.cycle.title}`, ...reportView(page, req.language, override) });
  }

  router.get('/reports/:code/:cycle', async (req, res) => {
    const { code, cycle } = reportParams(req);
    const page = await reports.reportPage(req.user!, code, cycle);
    res.render('reports/show', { title: `${countryName(page.country.code, page.country.name, req.language)}: ${page.cycle.title}`, ...reportView(page, req.language) });
  });

  router.get('/reports/:code/:cycle/edit', (req, res) => renderEdit(req, res, 200));

  /**
   * One save: validate, call the service, and go back to the edit page. Invalid input
   * (422) and a stale version (409) show the same page again with what the user typed.
   */
  function save<S extends z.ZodType>(form: (req: Request) => string, schema: S, run: (req: Request, input: z.output<S>) => Promise<unknown>, anchor: (req: Request) => string) {
    return async (req: Request, res: Response) => {
      const { code, cycle } = reportParams(req);
      const fields = formFields(req);
      const name = form(req);
      const parsed = schema.safeParse(fields);
      if (!parsed.success) return renderEdit(req, res, 422, { form: name, values: fields, errors: formErrors(parsed.error, ['baseline', 'updates', 'indicators'].includes(name) ? '' : `${name}-`) });
      try {
        await run(req, parsed.data);
      } catch (error) {
        if (error instanceof StaleVersionError) {
          return renderEdit(req, res, 409, { form: name, values: fields, errors: [{ field: `${name}-form`, message: errorMessage(error, req.language) }], conflict: true });
        }
        throw error;
      }
      req.session.flash = { kind: 'success', text: 'msg.saved' };
      res.redirect(303, `${editUrl(code, cycle)}#${anchor(req)}`);
    };
  }

  const ctx = (req: Request) => ({ ipAddress: req.ip ?? null });

  router.post(
    '/reports/:code/:cycle/language',
    save(() => 'language', textLanguageSchema, (req, input) => reports.saveTextLanguage(req.user!, reportParams(req).code, reportParams(req).cycle, input, ctx(req)), () => 'language'),
  );
  router.post(
    '/reports/:code/:cycle/baseline',
    save(() => 'baseline', baselineSchema, (req, input) => reports.saveBaseline(req.user!, reportParams(req).code, reportParams(req).cycle, input, ctx(req)), () => 'baseline'),
  );
  router.post(
    '/reports/:code/:cycle/actions',
    save(() => 'new-action', actionSchema, (req, input) => reports.addAction(req.user!, reportParams(req).code, reportParams(req).cycle, input, ctx(req)), () => 'actions'),
  );
  router.post(
    '/reports/:code/:cycle/actions/:actionId',
    save((req) => `action-${actionId(req)}`, actionSchema, (req, input) => reports.updateAction(req.user!, reportParams(req).code, reportParams(req).cycle, actionId(req), input, ctx(req)), (req) => `action-${actionId(req)}`),
  );
  router.post(
    '/reports/:code/:cycle/actions/:actionId/remove',
    save((req) => `remove-${actionId(req)}`, versionOnlySchema, (req, input) => reports.removeAction(req.user!, reportParams(req).code, reportParams(req).cycle, actionId(req), input.version, ctx(req)), () => 'actions'),
  );
  router.post(
    '/reports/:code/:cycle/updates',
    save(() => 'updates', updatesSchema, (req, input) => reports.saveUpdates(req.user!, reportParams(req).code, reportParams(req).cycle, input, ctx(req)), () => 'updates'),
  );
  router.post(
    '/reports/:code/:cycle/actions/:actionId/withdraw',
    save((req) => `withdraw-${actionId(req)}`, withdrawSchema, (req, input) => reports.withdrawAction(req.user!, reportParams(req).code, reportParams(req).cycle, actionId(req), input, ctx(req)), (req) => `carried-${actionId(req)}`),
  );
  router.post(
    '/reports/:code/:cycle/actions/:actionId/reinstate',
    save((req) => `reinstate-${actionId(req)}`, versionOnlySchema, (req, input) => reports.undoWithdrawal(req.user!, reportParams(req).code, reportParams(req).cycle, actionId(req), input.version, ctx(req)), (req) => `carried-${actionId(req)}`),
  );
  router.post(
    '/reports/:code/:cycle/indicators',
    save(() => 'indicators', indicatorsSchema, (req, input) => reports.saveIndicators(req.user!, reportParams(req).code, reportParams(req).cycle, input, ctx(req)), () => 'indicators'),
  );

  router.post('/reports/:code/:cycle/submit', async (req, res) => {
    const { code, cycle } = reportParams(req);
    const parsed = versionOnlySchema.safeParse(formFields(req));
    if (!parsed.success) throw new AppError(422, 'invalid_form', 'msg.form_out_date_reload_page');
    try {
      await reports.submit(req.user!, code, cycle, parsed.data.version, ctx(req));
    } catch (error) {
      if (error instanceof IncompleteReportError) {
        const errors: FormError[] = error.missing.map((item) => ({ field: item.field, message: translateMessage(req.language, item.message, item.params) }));
        return renderEdit(req, res, 422, { form: 'submit', values: {}, errors });
      }
      if (error instanceof StaleVersionError) {
        return renderEdit(req, res, 409, { form: 'submit', values: {}, errors: [{ field: 'submit-form', message: 'msg.report_changed_since_opened_page_check' }] });
      }
      throw error;
    }
    req.session.flash = { kind: 'success', text: 'msg.report_has_been_submitted_secretariat_will' };
    res.redirect(303, `/reports/${code}/${cycle}`);
  });

  return router;
}
