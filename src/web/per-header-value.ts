import type { Request } from 'express';

/**
 * Content negotiation run once per distinct value of a request header (browsers send a
 * handful): what `negotiate` made of a value is remembered, at most `limit` values.
 * A request without the header gets `absent`.
 */
export function perHeaderValue<T>(
  header: 'accept-language' | 'accept-encoding',
  negotiate: (req: Request) => T,
  absent: T,
  limit = 1000,
): (req: Request) => T {
  const seen = new Map<string, T>();
  return (req) => {
    const value = req.headers[header];
    if (!value) return absent;
    const known = seen.get(value);
    if (known !== undefined) return known;
    const result = negotiate(req);
    if (seen.size >= limit) seen.clear();
    seen.set(value, result);
    return result;
  };
}

/** Whether a request's Accept-Encoding prefers gzip to nothing. */
export const acceptsGzip = perHeaderValue('accept-encoding', (req) => req.acceptsEncodings('gzip', 'identity') === 'gzip', false);
