import { Router } from 'express';

export type HealthChecks = { isDatabaseReachable: () => Promise<boolean> };

/** Liveness (the process answers) and readiness (it can reach its database). */
export function healthRoutes(checks: HealthChecks): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const database = await checks.isDatabaseReachable();
    res
      .status(database ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: database ? 'ok' : 'unavailable', checks: { database: database ? 'ok' : 'unreachable' } });
  });
  return router;
}
