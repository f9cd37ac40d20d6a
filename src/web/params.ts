import type { Router } from 'express';
import { notFound } from './errors';

type What = Parameters<typeof notFound>[0];

/** A positive whole number as written in a URL (an id). */
export const isId = (value: string) => /^\d{1,9}$/.test(value);

/**
 * Checks each named route parameter once, before any handler of the router runs: a
 * malformed one is a 404 naming what was looked for. Handlers then read req.params as is.
 */
export function checkParams(router: Router, checks: Record<string, [test: (value: string) => boolean, what: What]>): void {
  for (const [name, [test, what]] of Object.entries(checks)) {
    router.param(name, (_req, _res, next, value: unknown) => {
      next(typeof value === 'string' && test(value) ? undefined : notFound(what));
    });
  }
}
