import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; secrets never reach them (see the redact list). */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'alliance-tracker' },
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', '*.password', '*.token'],
      censor: '[redacted]',
    },
  });
}
