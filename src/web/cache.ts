import type { Request, Response } from 'express';

/**
 * Caching headers for a response anyone may read: shared caches may keep it for a while,
 * unless it was made for a signed-in user (their navigation, their token), which no cache
 * may keep or share.
 */
export function cacheForPublic(req: Request, res: Response, seconds: number): void {
  res.set('Cache-Control', req.user ? 'private, no-store' : `public, max-age=${seconds}`);
}
