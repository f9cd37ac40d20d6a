import { createHash } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { notFound } from '../web/errors';
import { atomFeed } from './feed';
import { createPageCache } from './page-cache';
import type { PublicService } from './service';

type Page = { view: string; locals: Record<string, unknown> };

/**
 * The transparency site. Codes in URLs are canonical upper case (PT1, FR); a lower-case
 * one is redirected, anything else that is not a code is a 404.
 *
 * Pages are the same for every anonymous reader: they carry an ETag made of the public
 * data version and the URL (a conditional request gets 304 without any rendering), and
 * rendered pages are kept in memory until the data version moves.
 */
export function publicRoutes(service: PublicService, cacheSeconds: number): Router {
  const router = Router();
  const cache = createPageCache();

  const render = (res: Response, view: string, locals: Record<string, unknown>) =>
    new Promise<string>((resolve, reject) => res.render(view, locals, (error: Error | null, html?: string) => (error ? reject(error) : resolve(html!))));

  const page =
    (load: (req: Request) => Promise<Page>): RequestHandler =>
    async (req, res) => {
      // A signed-in user's copy shows their name: rendered for them, never cached (no-store).
      if (req.user) {
        const { view, locals } = await load(req);
        return res.render(view, locals);
      }
      const version = await service.dataVersion();
      const key = req.originalUrl;
      res.set('Cache-Control', `public, max-age=${cacheSeconds}`);
      res.set('ETag', `W/"${version}-${createHash('sha1').update(key).digest('base64url').slice(0, 16)}"`);
      if (req.fresh) return res.status(304).end();
      const cached = cache.get(key, version);
      if (cached) return res.type('html').send(cached);
      const { view, locals } = await load(req);
      const html = await render(res, view, locals);
      cache.set(key, version, html);
      res.type('html').send(html);
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

  router.get('/', page(async () => ({ view: 'public/overview', locals: { title: 'The Alliance at a glance', ...(await service.overview()) } })));

  router.get('/countries', page(async () => ({ view: 'public/countries', locals: { title: 'Members', ...(await service.listCountries()) } })));

  router.get(
    '/countries/:code',
    canonicalCode(/^[A-Za-z]{2}$/, 'member'),
    page(async (req) => {
      const data = await service.country(String(req.params.code));
      return { view: 'public/country', locals: { title: data.country.name, ...data } };
    }),
  );

  router.get(
    '/targets/:code',
    canonicalCode(/^pt[1-9]$/i, 'policy target'),
    page(async (req) => {
      const data = await service.target(String(req.params.code));
      return { view: 'public/target', locals: { title: `${data.target.code}: ${data.target.title}`, ...data } };
    }),
  );

  router.get('/feed.atom', async (req, res) => {
    const version = await service.dataVersion();
    res.set('Cache-Control', `public, max-age=${cacheSeconds}`);
    res.set('ETag', `W/"${version}-feed"`);
    if (req.fresh) return res.status(304).end();
    res.type('application/atom+xml; charset=utf-8').send(atomFeed(`${req.protocol}://${req.get('host')}`, await service.recentlyAccepted()));
  });

  router.get('/cycles', page(async () => ({ view: 'public/cycles', locals: { title: 'Reporting cycles', ...(await service.listCycles()) } })));

  router.get(
    '/cycles/:slug',
    page(async (req) => {
      const slug = String(req.params.slug);
      if (!/^[a-z0-9-]{1,60}$/.test(slug)) throw notFound('reporting cycle');
      const data = await service.cycle(slug);
      return { view: 'public/cycle', locals: { title: data.cycle.title, ...data } };
    }),
  );

  return router;
}
