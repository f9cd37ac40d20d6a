import { Router, type Request, type Response } from 'express';
import { countryName } from '../i18n';
import { allow } from '../auth/guards';
import type { ReportService } from '../reports/service';
import { StaleVersionError } from '../reports/service';
import { reportView } from '../reports/view-model';
import { reportParams } from '../reports/routes';
import { fieldErrors, formErrors, formFields, type FormError } from '../web/forms';
import { acceptSchema, returnSchema, type ReviewService } from './service';


export function reviewRoutes(review: ReviewService, reports: ReportService): Router {
  const router = Router();
  router.use('/review', allow('review.decide'));

  router.get('/review', async (req, res) => {
    const slug = typeof req.query.cycle === 'string' && /^[a-z0-9-]{1,60}$/.test(req.query.cycle) ? req.query.cycle : undefined;
    res.render('review/queue', { title: req.t('msg.review'), ...(await review.queue(req.user!, slug)) });
  });

  async function renderReport(req: Request, res: Response, status: number, form?: { comment: string; errors: FormError[] }) {
    const { code, cycle } = reportParams(req);
    const [page, comparison] = await Promise.all([reports.reportPage(req.user!, code, cycle), review.comparison(req.user!, code, cycle)]);
    const errors = form?.errors ?? [];
    res.status(status).render('review/report', {
      title: req.t('review.pageTitle', { country: countryName(page.country.code, page.country.name, req.language), cycle: page.cycle.title }),
      ...reportView(page, req.language),
      comparison,
      comment: form?.comment ?? '',
      errors,
      fieldErrors: fieldErrors(errors),
    });
  }

  router.get('/review/:code/:cycle', (req, res) => renderReport(req, res, 200));

  router.post('/review/:code/:cycle/accept', async (req, res) => {
    const { code, cycle } = reportParams(req);
    const parsed = acceptSchema.safeParse(formFields(req));
    if (!parsed.success) return renderReport(req, res, 422, { comment: '', errors: formErrors(parsed.error, 'accept-') });
    try {
      await review.accept(req.user!, code, cycle, parsed.data.version, { ipAddress: req.ip ?? null });
    } catch (error) {
      if (error instanceof StaleVersionError) return renderReport(req, res, 409, { comment: '', errors: [{ field: 'decision', message: 'msg.report_changed_while_were_reading_check' }] });
      throw error;
    }
    req.session.flash = { kind: 'success', text: 'msg.report_accepted_now_published_public_pages' };
    res.redirect(303, `/review?cycle=${cycle}`);
  });

  router.post('/review/:code/:cycle/return', async (req, res) => {
    const { code, cycle } = reportParams(req);
    const input = formFields(req);
    const parsed = returnSchema.safeParse(input);
    const typed = typeof input.comment === 'string' ? input.comment : '';
    if (!parsed.success) return renderReport(req, res, 422, { comment: typed, errors: formErrors(parsed.error, 'return-') });
    try {
      await review.returnReport(req.user!, code, cycle, parsed.data.version, parsed.data.comment, { ipAddress: req.ip ?? null });
    } catch (error) {
      if (error instanceof StaleVersionError) return renderReport(req, res, 409, { comment: typed, errors: [{ field: 'decision', message: 'msg.report_changed_while_were_reading_check' }] });
      throw error;
    }
    req.session.flash = { kind: 'success', text: 'msg.report_returned_country_comment' };
    res.redirect(303, `/review?cycle=${cycle}`);
  });

  return router;
}
