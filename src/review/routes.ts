import { Router, type Request, type Response } from 'express';
import { allow, signedIn } from '../auth/guards';
import { isCountryCode, isCycleSlug } from '../domain';
import { countryName } from '../i18n';
import type { ReportService } from '../reports/service';
import { keptReportPages } from '../reports/kept-pages';
import { reportParams } from '../reports/routes';
import { reportView } from '../reports/view-model';
import { fieldErrors, handleForm, noFields, type Redisplay } from '../web/forms';
import { checkParams, isId } from '../web/params';
import { acceptSchema, QUEUE_SORTS, QUEUE_STATES, questionSchema, returnSchema, type ReviewService } from './service';

/** @param keptEntries how many report pages' contents the review keeps (../reports/kept-pages; default 500) */
export function reviewRoutes(review: ReviewService, reports: ReportService, keptEntries?: number): Router {
  const router = Router();
  const sendPage = keptReportPages(keptEntries);
  checkParams(router, { code: [isCountryCode, 'report'], cycle: [isCycleSlug, 'report'], id: [isId, 'report'] });
  router.use('/review', allow('review.decide'));
  const context = (req: Request) => ({ ipAddress: req.ip ?? null });

  router.get('/review', async (req, res) => {
    const slug = isCycleSlug(req.query.cycle) ? req.query.cycle : undefined;
    const state = QUEUE_STATES.find((value) => value === req.query.state);
    const sort = QUEUE_SORTS.find((value) => value === req.query.sort);
    const kept = { keepable: true, variant: [slug, state, sort].join(' '), stamp: () => review.queueStamp(signedIn(req), slug) };
    await sendPage(req, res, kept, async () => {
      const page = await review.queue(signedIn(req), slug, { state, sort });
      const link = (changes: { state?: string | null; sort?: string }) => {
        const query = new URLSearchParams({ cycle: page.cycle.slug });
        const chosenState = changes.state === undefined ? page.view.state : changes.state;
        const chosenSort = changes.sort ?? page.view.sort;
        if (chosenState) query.set('state', chosenState);
        if (chosenSort !== 'attention') query.set('sort', chosenSort);
        return `/review?${query.toString()}`;
      };
      const stateCount: Record<string, number> = {
        submitted: page.counts.submitted,
        returned: page.counts.returned,
        draft: page.counts.draft,
        not_started: page.counts.notStarted,
        accepted: page.counts.accepted,
      };
      return {
        view: 'review/queue',
        locals: {
          title: req.t('msg.review'),
          ...page,
          stateFilters: [
            { label: 'ui.review_queue.all', count: page.total, href: link({ state: null }), current: page.view.state === null },
            ...QUEUE_STATES.map((value) => ({
              label: `msg.stage.${value}`,
              count: stateCount[value],
              href: link({ state: value }),
              current: page.view.state === value,
            })),
          ],
          sorts: QUEUE_SORTS.map((value) => ({
            label: `ui.review_queue.sort.${value}`,
            href: link({ sort: value }),
            current: page.view.sort === value,
          })),
        },
      };
    });
  });

  /** The stamp of a report's page (./kept-pages): its content is kept until it moves. */
  const stampOf = (req: Request) => () => reports.pageStamp(signedIn(req), reportParams(req).code, reportParams(req).cycle);

  async function renderReport(req: Request, res: Response, status = 200, redisplay?: Redisplay) {
    const { code, cycle } = reportParams(req);
    await sendPage(req, res, { keepable: !redisplay, status, stamp: stampOf(req) }, async () => {
      const page = await reports.reportPage(signedIn(req), code, cycle);
      const comparison = await review.comparison(signedIn(req), code, cycle, req.language, page.loaded);
      const typed = redisplay?.form === 'question' ? redisplay.values : {};
      const errors = redisplay?.errors ?? [];
      return {
        view: 'review/report',
        locals: {
          title: req.t('review.pageTitle', {
            country: countryName(page.country.code, page.country.name, req.language),
            cycle: page.cycle.title,
          }),
          ...reportView(page, req.language),
          comparison,
          questionForm: {
            question: typeof typed.question === 'string' ? typed.question : '',
            items: comparison.askable.map((item) => ({ ...item, selected: item.id === typed.item })),
          },
          errors,
          fieldErrors: fieldErrors(errors),
        },
      };
    });
  }

  router.get('/review/:code/:cycle', (req, res) => renderReport(req, res));

  router.post(
    '/review/:code/:cycle/questions',
    handleForm({
      form: () => 'question',
      schema: questionSchema,
      run: (req, input) => review.addQuestion(signedIn(req), String(req.params.code), String(req.params.cycle), input, context(req)),
      redisplay: renderReport,
      done: (req) => ({
        url: `/review/${String(req.params.code)}/${String(req.params.cycle)}#questions`,
        flash: { kind: 'success', text: 'msg.question.drafted' },
      }),
    }),
  );
  router.post(
    '/review/:code/:cycle/questions/:id/remove',
    handleForm({
      form: () => 'question',
      schema: noFields,
      run: (req) =>
        review.removeQuestion(signedIn(req), String(req.params.code), String(req.params.cycle), Number(req.params.id), context(req)),
      redisplay: renderReport,
      done: (req) => ({
        url: `/review/${String(req.params.code)}/${String(req.params.cycle)}#questions`,
        flash: { kind: 'success', text: 'msg.question.removed' },
      }),
    }),
  );

  /** Accepting and returning each ask on a page of their own, after the reviewer has read the report. */
  async function renderDecision(decision: 'accept' | 'return', req: Request, res: Response, status: number, redisplay?: Redisplay) {
    const { code, cycle } = reportParams(req);
    await sendPage(req, res, { keepable: !redisplay, status, stamp: stampOf(req) }, async () => {
      const page = await reports.reportPage(signedIn(req), code, cycle);
      const comparison = await review.comparison(signedIn(req), code, cycle, req.language, page.loaded);
      const errors = redisplay?.errors ?? [];
      const country = countryName(page.country.code, page.country.name, req.language);
      return {
        view: `review/${decision}`,
        locals: {
          title: req.t(decision === 'accept' ? 'review.acceptTitle' : 'review.returnTitle', { country, cycle: page.cycle.title }),
          country: { code: page.country.code, name: country },
          cycle: page.cycle,
          version: comparison.version,
          reviewable: comparison.reviewable,
          flagged: comparison.flagged.length,
          questionsToSend: comparison.questions.filter((question) => !question.sent_at).length,
          changed: comparison.changed.length,
          comment: redisplay?.form === 'return' && typeof redisplay.values.comment === 'string' ? redisplay.values.comment : '',
          errors,
          fieldErrors: fieldErrors(errors),
        },
      };
    });
  }
  router.get('/review/:code/:cycle/accept', (req, res) => renderDecision('accept', req, res, 200));
  router.get('/review/:code/:cycle/return', (req, res) => renderDecision('return', req, res, 200));

  const backToQueue = (req: Request) => `/review?cycle=${String(req.params.cycle)}`;

  router.post(
    '/review/:code/:cycle/accept',
    handleForm({
      form: () => 'accept',
      schema: acceptSchema,
      run: (req, input) => review.accept(signedIn(req), String(req.params.code), String(req.params.cycle), input.version, context(req)),
      redisplay: (req, res, status, redisplay) => renderDecision('accept', req, res, status, redisplay),
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
      redisplay: (req, res, status, redisplay) => renderDecision('return', req, res, status, redisplay),
      done: (req) => ({ url: backToQueue(req), flash: { kind: 'success', text: 'msg.report_returned_country_comment' } }),
    }),
  );

  return router;
}
