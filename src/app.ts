import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import express, { type Express } from 'express';
import { engine } from 'express-handlebars';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import path from 'node:path';
import type { Logger } from './logger';
import { healthRoutes } from './health/routes';
import { staticDir, viewsDir } from './paths';
import { publicRoutes } from './public/routes';
import type { Services } from './services';
import { errorHandler, notFoundHandler } from './web/error-handlers';
import { viewHelpers } from './web/view-helpers';

export type AppOptions = {
  logger: Logger;
  production: boolean;
  publicCacheSeconds: number;
};

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Builds the Express app from its services; it does not listen, so tests can mount it. */
export function createApp(services: Services, options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.engine('hbs', engine({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: path.join(viewsDir, 'layouts'),
    partialsDir: path.join(viewsDir, 'partials'),
    helpers: viewHelpers,
  }));
  app.set('view engine', 'hbs');
  app.set('views', viewsDir);
  if (options.production) app.enable('view cache');

  app.use(
    pinoHttp({
      logger: options.logger,
      // Reuse a well-formed request id from a proxy, so one id follows a request everywhere.
      genReqId: (req: IncomingMessage, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    }),
  );
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
  app.use('/static', express.static(staticDir, { maxAge: options.production ? '1d' : 0, fallthrough: false }));

  app.use(healthRoutes(services.health));
  app.use(publicRoutes(services.publicPages, options.publicCacheSeconds));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
