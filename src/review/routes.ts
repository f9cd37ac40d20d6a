import { Router, type Request, type Response } from 'express';
import { allow, signedIn } from '../auth/guards';
import { isCountryCode, isCycleSlug } from '../domain';
import { countryName } from '../i18n';
import type { ReportService } from '../reports/service';
import { reportParams } from '../reports/routes';
import { reportView } from '../reports/view-model';
import { fieldErrors, handleForm, type Redisplay } from '../web/forms';
import { checkParams } from '../web/params';
import { acceptSchema, returnSchema, type ReviewService } from './service';

export function reviewRoutes(review: ReviewService, reports: ReportService): Router {
  const router = Router();
  checkParams(router, { code: [isCountryCode, 'report'], cycle: [isCycleSlug, 'report'] });
  router.use('/review', allow('review.decide'));

  router.get('/review', async (req, res) => {
    const slug = isCycleSlug(req.query.cycle) ? req.query.cycle : undefined;
    res.render('review/queue', { title: req.t('msg.review'), ...(await review.queue(signedIn(req), slug)) });
  });

  async function renderReport(req: Request, res: Response, status: number, redisplay?: Redisplay) {
    const { code, cycle } = reportParams(req);
    const [page, comparison] = await Promise.all([
      reports.reportPage(signedIn(req), code, cycle),
      review.comparison(signedIn(req), code, cycle, req.language),
    ]);
    const errors = redisplay?.errors ?? [];
    res.status(status).render('review/report', {
      title: req.t('review.pageTitle', {
        country: countryName(page.country.code, page.country.name, req.language),
        cycle: page.cycle.title,
      }),
      ...reportView(page, req.language),
      comparison,
      comment: redisplay?.form === 'return' && typeof redisplay.values.comment === 'string' ? redisplay.values.comment : '',
      errors,
      fieldErrors: fieldErrors(errors),
    });
  }

  router.get('/review/:code/:cycle', (req, res) => renderReport(req, res, 200));

  const context = (req: Request) => ({ ipAddress: req.ip ?? null });
  const backToQueue = (req: Request) => `/review?cycle=${String(req.params.cycle)}`;

  router.post(
    '/review/:code/:cycle/accept',
    handleForm({
      form: () => 'accept',
      schema: acceptSchema,
      run: (req, input) => review.accept(signedIn(req), String(req.params.code), String(req.params.cycle), input.version, context(req)),
      redisplay: renderReport,
      done: (req) => ({ url: backToQueue(req), flash: { kind: 'success', text: 'msg.report_accepted_now_published_public_pages' } }),
    }),
  );

  router.post(
    '/review/:code/:cycle/return',
    handleForm({
      form: () => 'return',
      schema: returnSchema,
      run: (req, input) =>
        review.returnReport(signedIn(req), String(req.params.code), String(req.params.cycle), input.version, input.comment, context(req)),
      redisplay: renderReport,
      done: (req) => ({ url: backToQueue(req), flash: { kind: 'success', text: 'msg.report_returned_country_comment' } }),
    }),
  );

  return router;
}
