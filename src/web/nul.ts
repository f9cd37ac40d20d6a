import type { RequestHandler } from 'express';
import { AppError } from './errors';

// A NUL character (%00) is never meaningful input, and PostgreSQL refuses it in text: it is
// refused at the edge, once, instead of failing deep inside a query with a 500.

/** The path (`a-b`) of the first value holding a NUL character, or null. */
export function nulPath(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path.join('-') : null;
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      if (key.includes('\0')) return [...path, key.replace(/\0/g, '')].join('-');
      const found = nulPath(inner, [...path, key]);
      if (found !== null) return found;
    }
  }
  return null;
}

/** The same values with every NUL character taken out. */
export function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\0/g, '');
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key.replace(/\0/g, ''), withoutNul(inner)]));
  return value;
}

/** Query strings with a NUL character: 400, with a page that says what is wrong. */
export const refuseNulInQuery: RequestHandler = (req, _res, next) => {
  if (nulPath(req.query) !== null || req.path.includes('\0')) throw new AppError(400, 'nul_byte', 'msg.nul_in_address');
  next();
};
