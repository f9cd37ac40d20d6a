import { Router } from 'express';
import { z } from 'zod';
import { allow } from '../auth/guards';
import { AppError } from '../web/errors';
import { isRealDate } from '../web/forms';
import { AUDIT_PAGE_SIZE, type AuditFilter, type AuditRow } from './queries';

export type AuditLog = { list(filter: AuditFilter): Promise<AuditRow[]>; verbs(): Promise<string[]> };

const day = z.string().refine(isRealDate);
const filterSchema = z
  .object({
    actor: z.string().trim().max(200).optional(),
    country: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^([A-Z]{2})?$/)
      .optional(),
    verb: z
      .string()
      .trim()
      .regex(/^([a-z][a-z_.]*)?$/)
      .optional(),
    from: day.or(z.literal('')).optional(),
    to: day.or(z.literal('')).optional(),
    before: z
      .string()
      .regex(/^\d{1,18}$/)
      .transform(Number)
      .optional(),
  })
  .strict();

/** The audit log for the secretariat: filter by actor, country, verb and dates. */
export function auditRoutes(audit: AuditLog): Router {
  const router = Router();
  router.get('/audit', allow('audit.read'), async (req, res) => {
    const parsed = filterSchema.safeParse(req.query);
    if (!parsed.success) throw new AppError(400, 'bad_filter', 'msg.filter_not_valid_use_form_choose');
    const filter = Object.fromEntries(
      Object.entries(parsed.data as Record<string, string | number | undefined>).filter(([, value]) => value !== '' && value !== undefined),
    );
    const [events, verbs] = await Promise.all([audit.list(filter), audit.verbs()]);
    const last = events[events.length - 1];
    const nextQuery =
      events.length === AUDIT_PAGE_SIZE && last
        ? new URLSearchParams({
            ...Object.fromEntries(Object.entries(filter).map(([key, value]) => [key, String(value)])),
            before: String(last.id),
          }).toString()
        : null;
    res.render('audit/list', {
      title: req.t('msg.audit_log'),
      filter,
      verbs: verbs.map((verb) => ({ value: verb, selected: verb === filter.verb })),
      events: events.map((event) => ({ ...event, detailsText: JSON.stringify(event.details) })),
      nextQuery,
    });
  });
  return router;
}
