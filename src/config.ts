import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/** The secret used when none is configured: fine on a laptop, refused in production. */
export const DEVELOPMENT_SESSION_SECRET = 'development-only-session-secret-change-me';

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000),
  SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').default(DEVELOPMENT_SESSION_SECRET),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_CACHE_SECONDS: z.coerce.number().int().min(0).default(60),
  PAGE_CACHE_ENTRIES: z.coerce.number().int().min(0).max(100_000).default(500),
  PAGE_CACHE_MB: z.coerce.number().int().min(1).max(100_000).default(128),
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).default(10_000),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  // Which proxies' X-Forwarded-For and X-Forwarded-Proto to believe: none, a number of
  // hops, or the proxies' addresses. Never `true`: that believes any client's invented address.
  TRUST_PROXY: z
    .string()
    .default('false')
    .refine(
      (value) => value !== 'true',
      'true would trust an X-Forwarded-For header any client can invent: give the number of proxies in front of the app (1) or their addresses',
    )
    .refine(
      (value) => value === 'false' || /^([1-9]|10)$/.test(value) || value.split(',').every((entry) => isProxyAddress(entry.trim())),
      'use false, a number of proxies from 1 to 10, or a comma-separated list of proxy addresses (10.0.0.1, 10.0.0.0/8, loopback)',
    )
    .transform((value): false | number | string => (value === 'false' ? false : /^\d+$/.test(value) ? Number(value) : value)),
  // Where people reach the site: every link in a mail starts with it (never with a request's Host header).
  PUBLIC_URL: z
    .url({
      protocol: /^https?$/,
      error: 'PUBLIC_URL must be the http(s) address people open the site at, e.g. https://tracker.example.org',
    })
    .optional(),
  // Unset: mail stays in the outbox, for admins to read at /admin/outbox.
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'SMTP_URL must look like smtp://user:password@host:587 or smtps://…' }).optional(),
  MAIL_FROM: z.string().min(3).default('Alliance tracker <no-reply@localhost>'),
  // Unset: GET /metrics answers 404. Set: it wants this as a bearer token.
  METRICS_TOKEN: z.string().min(24, 'METRICS_TOKEN must be at least 24 characters').optional(),
  DOWNLOAD_STALL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  // Once the public data has stayed the same this long, its open-data files are written ahead
  // of their first download. 0: never (each is written by its first download).
  OPEN_DATA_PREPARE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
});

export type Config = {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** Unset means: start the embedded PostgreSQL under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPostgresPort: number;
  database: {
    poolMax: number;
    acquireTimeoutMs: number;
    statementTimeoutMs: number;
  };
  sessionSecret: string;
  logLevel: string;
  publicCacheSeconds: number;
  pageCacheEntries: number;
  /** Bytes the kept public pages may hold, and as many their contents. */
  pageCacheBytes: number;
  /** Express' trust proxy: false, a hop count, or the proxies' addresses; never true. */
  trustProxy: false | number | string;
  /** Slow clients: time allowed to send the headers, and the whole request. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number };
  /** The site's address as people open it, without a trailing slash. */
  publicUrl: string;
  /** A download whose client reads nothing for this long is cut off, its query cancelled. */
  downloadStallMs: number;
  /** How long the public data stays the same before its open-data files are written ahead; 0: never. */
  openDataPrepareMs: number;
  /** The bearer token of GET /metrics; unset, it is not served. */
  metricsToken: string | undefined;
  /** Without smtpUrl, mail is kept in the outbox and not sent. */
  mail: { smtpUrl: string | undefined; from: string };
};

export class ConfigError extends Error {}

/** An address or subnet Express can trust as a proxy: an IP, a CIDR range, or one of its names. */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || !address || isIP(address) === 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128));
}

/** Parses the environment once; throws a ConfigError that names every bad variable. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const values = parsed.data;
  if (values.NODE_ENV === 'production') {
    if (values.SESSION_SECRET === DEVELOPMENT_SESSION_SECRET) {
      throw new ConfigError('Refusing to start in production with the default SESSION_SECRET: set a random one of 32 characters or more.');
    }
    if (!values.DATABASE_URL) {
      throw new ConfigError('Refusing to start in production without DATABASE_URL: the embedded PostgreSQL is for local use only.');
    }
    if (!values.PUBLIC_URL) {
      throw new ConfigError('Refusing to start in production without PUBLIC_URL: the links in mails must point to the site people use.');
    }
  }
  return {
    env: values.NODE_ENV,
    host: values.HOST,
    port: values.PORT,
    databaseUrl: values.DATABASE_URL,
    dataDir: path.resolve(values.DATA_DIR),
    embeddedPostgresPort: values.EMBEDDED_PG_PORT,
    database: {
      poolMax: values.DATABASE_POOL_MAX,
      acquireTimeoutMs: values.DATABASE_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: values.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    sessionSecret: values.SESSION_SECRET,
    logLevel: values.LOG_LEVEL,
    publicCacheSeconds: values.PUBLIC_CACHE_SECONDS,
    pageCacheEntries: values.PAGE_CACHE_ENTRIES,
    pageCacheBytes: values.PAGE_CACHE_MB * 1024 * 1024,
    trustProxy: values.TRUST_PROXY,
    http: { headersTimeoutMs: values.HEADERS_TIMEOUT_MS, requestTimeoutMs: values.REQUEST_TIMEOUT_MS },
    publicUrl: (values.PUBLIC_URL ?? `http://localhost:${values.PORT}`).replace(/\/+$/, ''),
    mail: { smtpUrl: values.SMTP_URL, from: values.MAIL_FROM },
    downloadStallMs: values.DOWNLOAD_STALL_SECONDS * 1000,
    openDataPrepareMs: values.OPEN_DATA_PREPARE_SECONDS * 1000,
    metricsToken: values.METRICS_TOKEN,
  };
}
