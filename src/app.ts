import { createServer, type Server } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from './logger';
import { healthRoutes } from './health/routes';
import { builtStaticDir, staticDir, viewsDir } from './paths';
import { publicSite } from './public/routes';
import { csrfProtection } from './auth/csrf';
import { loadCurrentUser } from './auth/current-user';
import { authRoutes } from './auth/routes';
import { reportRoutes } from './reports/routes';
import { reviewRoutes } from './review/routes';
import { adminRoutes } from './admin/routes';
import { auditRoutes } from './audit/routes';
import { exportRoutes } from './exports/routes';
import { IMPORT_PATH } from './exports/upload';
import { sessionMiddleware, type SessionStore } from './auth/session';
import { flashMessages } from './web/flash';
import type { Services } from './services';
import { errorHandler, notFoundHandler } from './web/error-handlers';
import { viewHelpers } from './web/view-helpers';
import { handlebarsViews } from './web/view-engine';
import { refuseNulInQuery } from './web/nul';
import { assignRequestId } from './web/request-id';
import { useLanguage } from './i18n';
import { languageRoutes } from './i18n/routes';

export type AppOptions = {
  logger: Logger;
  production: boolean;
  cacheViews: boolean;
  publicCacheSeconds: number;
  /** Rendered public pages (and page contents) kept in memory; 0 renders every request. */
  pageCacheEntries?: number;
  /** Bytes the kept public pages may hold, and as many their contents; unbounded without. */
  pageCacheBytes?: number;
  sessionStore: SessionStore;
  sessionSecret: string;
  /** Express' trust proxy setting, so req.ip is the client's address behind a proxy. */
  trustProxy: false | number | string;
  /** The bearer token GET /metrics asks for; without one it is not served (404). */
  metricsToken?: string;
};

// Invitation and password-reset tokens, and CSRF tokens in an address (the import's) are secrets: keep them out of the logs.
const redactUrl = (url: string) =>
  url.replace(/^\/(invitations|password-reset)\/[^/?#]+/, '/$1/[redacted]').replace(/([?&]_csrf=)[^&#]*/, '$1[redacted]');

/**
 * The HTTP server for the app. Slow or stalled clients (slowloris) are cut off after the
 * timeouts, checked every second rather than Node's default 30 seconds.
 */
export function createHttpServer(app: Express, timeouts: { headersTimeoutMs: number; requestTimeoutMs: number }): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
      keepAliveTimeout: 5000,
    },
    app,
  );
  return server;
}

/** Builds the Express app from its services; it does not listen, so tests can mount it. */
export function createApp(services: Services, options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag computed from every response body: what may be revalidated (public pages, the map,
  // the feed, open data) carries one made from the data version, static files their own, and
  // the rest is either personal (no-store, never revalidated) or an error. Hashing each
  // signed-in page (76 KB for the members table) was wasted work.
  app.set('etag', false);
  const site = publicSite(services.publicPages, {
    cacheSeconds: options.publicCacheSeconds,
    cacheEntries: options.pageCacheEntries,
    cacheBytes: options.pageCacheBytes,
    logger: options.logger,
    onCacheLookup: services.metrics.pageCacheLookup,
    onCachedPageSent: services.metrics.cachedPageSent,
  });
  // Most public reads end here, first: a kept page is sent with the headers it was first
  // sent with, without the security middleware, sessions or pino-http's per-request child
  // logger (measured: that logger alone cost a third of their throughput).
  services.metrics.watchPageCaches(site.held);
  app.use(site.cachedPages);
  app.engine('hbs', handlebarsViews({ viewsDir, helpers: viewHelpers, defaultLayout: 'main' }));
  app.set('view engine', 'hbs');
  app.set('views', viewsDir);
  // Templates are compiled once, except in development where edits should show at once.
  if (options.cacheViews) app.enable('view cache');

  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          fontSrc: ["'self'"],
          upgradeInsecureRequests: options.production ? [] : null,
        },
      },
      strictTransportSecurity: options.production,
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    }),
  );
  app.set('trust proxy', options.trustProxy);
  app.use(services.metrics.observeRequests);
  app.get('/metrics', services.metrics.endpoint(options.metricsToken));
  app.use(useLanguage);
  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: assignRequestId,
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    }),
  );
  const staticMaxAge = options.production ? '1d' : 0;
  app.use(
    '/static',
    express.static(builtStaticDir, { maxAge: staticMaxAge }),
    express.static(staticDir, { maxAge: staticMaxAge, fallthrough: false }),
  );
  // Pages name their icon; a browser showing a file that is not a page (open data's JSON, the
  // map) asks for /favicon.ico, which was a 404 and a console error.
  app.get('/favicon.ico', (_req, res) => {
    res.redirect(301, '/static/favicon.svg');
  });
  app.use(healthRoutes(services.health));
  app.use(languageRoutes({ production: options.production }));

  // Forms are small; the import reads its own body, after sign-in and the CSRF check (exports/upload.ts).
  const forms: RequestHandler = express.urlencoded({ extended: true, limit: '200kb', parameterLimit: 5000 });
  app.use((req, res, next) => {
    if (req.path === IMPORT_PATH) next();
    else forms(req, res, next);
  });
  app.use(refuseNulInQuery);
  app.use(sessionMiddleware(options.sessionStore, options.sessionSecret, options.production));
  app.use(csrfProtection);
  app.use(loadCurrentUser(services.currentUser));
  app.use(flashMessages);

  app.use(site.routes);
  app.use(authRoutes(services.auth));
  app.use(reportRoutes(services.reports, options.pageCacheEntries));
  app.use(reviewRoutes(services.review, services.reports, options.pageCacheEntries));
  app.use(adminRoutes(services.admin));
  app.use(auditRoutes(services.audit));
  app.use(exportRoutes(services.exports));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
