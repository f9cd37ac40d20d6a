import { Router, type RequestHandler } from 'express';
import { notFound } from '../web/errors';
import type { PublicService } from './service';

/**
 * The transparency site. Codes in URLs are canonical upper case (PT1, FR); a lower-case
 * one is redirected, anything else that is not a code is a 404.
 */
export function publicRoutes(service: PublicService, cacheSeconds: number): Router {
  const router = Router();
  // Public pages are the same for everyone: let browsers and a CDN keep them briefly.
  // Express adds an ETag and answers 304 to a matching conditional request.
  // A signed-in user's copy shows their name: that one stays private (no-store).
  const cacheable: RequestHandler = (req, res, next) => {
    if (!req.user) res.set('Cache-Control', `public, max-age=${cacheSeconds}`);
    next();
  };

  const canonicalCode =
    (pattern: RegExp, what: string): RequestHandler =>
    (req, res, next) => {
      const code = String(req.params.code);
      if (!pattern.test(code)) throw notFound(what);
      const upper = code.toUpperCase();
      if (upper !== code) return res.redirect(301, req.originalUrl.replace(code, upper));
      next();
    };

  router.get('/', cacheable, async (_req, res) => {
    res.render('public/overview', { title: 'The Alliance at a glance', ...(await service.overview()) });
  });

  router.get('/countries', cacheable, async (_req, res) => {
    res.render('public/countries', { title: 'Members', ...(await service.listCountries()) });
  });

  router.get('/countries/:code', canonicalCode(/^[A-Za-z]{2}$/, 'member'), cacheable, async (req, res) => {
    const page = await service.country(String(req.params.code));
    res.render('public/country', { title: page.country.name, ...page });
  });

  router.get('/targets/:code', canonicalCode(/^pt[1-9]$/i, 'policy target'), cacheable, async (req, res) => {
    const page = await service.target(String(req.params.code));
    res.render('public/target', { title: `${page.target.code}: ${page.target.title}`, ...page });
  });

  router.get('/cycles', cacheable, async (_req, res) => {
    res.render('public/cycles', { title: 'Reporting cycles', ...(await service.listCycles()) });
  });

  router.get('/cycles/:slug', cacheable, async (req, res) => {
    const slug = String(req.params.slug);
    if (!/^[a-z0-9-]{1,60}$/.test(slug)) throw notFound('reporting cycle');
    const page = await service.cycle(slug);
    res.render('public/cycle', { title: page.cycle.title, ...page });
  });

  return router;
}
