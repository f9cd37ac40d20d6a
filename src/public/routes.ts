import pLimit from 'p-limit';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { REGIONS, TARGET_CODES } from '../domain';
import { notFound } from '../web/errors';
import { labelsFor, type Labels } from '../i18n/labels';
import { atomFeed } from './feed';
import { SESSION_COOKIE } from '../auth/session';
import type { Logger } from '../logger';
import { requestIdOf } from '../web/request-id';
import { keptContent, sendInLayout, type KeptContent } from '../web/kept-content';
import { renderToString } from '../web/view-engine';
import {
  cachedPage,
  createPageCache,
  etagFor,
  oneRenderPerKey,
  pageBytes,
  rememberHeaders,
  sendKept,
  sendPublic,
  type CachedPage,
  type CacheHeld,
} from './page-cache';
import { FILLS } from './world-map';
import type { ActionStatus } from './queries';
import type { PublicService } from './service';
import type { MemberFilters } from './member-filters';
import { formatPercent, languageOf, type Language } from '../i18n';

type Page = { view: string; locals: Record<string, unknown> };
/** A page's content as rendered, and (once a signed-in reader asks) as sent inside their layout. */
type PageContent = { version: number; title: string; html: string; kept?: KeptContent };

/**
 * Compiled reports rendered at once; the others wait their turn. The compiled report is the
 * one public page that grows with the data rather than by pages: it lists every update its
 * cycle published, and is read and rendered whole in memory — for a cycle of 48,000 updates
 * (the growth data's twentieth) 240 MB and a second of CPU. Thirty of them asked for at once
 * held 1.4 GB and every database connection, and other readers got 503s. Other pages do not
 * wait behind them.
 */
const COMPILED_REPORTS_AT_ONCE = 2;

/** The status filter, in the order a reader scans it; `not_reported` is an action with no accepted update yet. */
const STATUSES: ActionStatus[] = ['completed', 'in_progress', 'delayed', 'not_started', 'not_reported', 'withdrawn'];
const SORTS: Array<NonNullable<MemberFilters['sort']>> = ['name', 'joined', 'pledged', 'completed', 'delayed'];

/** A page of a list (?page=2); page 1 and anything that is not a page number have no parameter. */
const pageNumber = (value: unknown) => (typeof value === 'string' && /^[1-9]\d{0,5}$/.test(value) && value !== '1' ? value : undefined);

/**
 * The words of a search as the page repeats them: at most 200 characters, without the
 * direction controls (U+202A–U+202E, U+2066–U+2069) that would turn the rest of the
 * sentence quoting them around ("0 actions match …").
 */
const searchWords = (q: string) =>
  q
    .replace(/[\u202A-\u202E\u2066-\u2069]/g, '')
    .trim()
    .slice(0, 200);

/** The members table's filters from the query string; a value that is not a choice is ignored. */
function memberFilters(query: Request['query']): MemberFilters {
  const pick = <T extends string>(value: unknown, allowed: readonly T[]) =>
    typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
  return {
    region: pick(query.region, REGIONS),
    eu: pick(query.eu, ['yes', 'no'] as const),
    target: pick(query.target, TARGET_CODES),
    status: pick(query.status, STATUSES),
    sort: pick(query.sort, SORTS),
  };
}

/** The map's key: "no published report", then the five steps of completed share, in the page's language. */
function mapLegend(language: Language, labels: Labels) {
  const percent = (share: number) => formatPercent(share, language);
  return [
    { fill: FILLS.none, label: labels.t('overview.mapNone') },
    ...FILLS.levels.map((fill, level) => ({
      fill,
      label: labels.t('overview.mapStep', { from: percent(level / 5), to: percent(level === 4 ? 1 : (level + 1) / 5 - 0.01) }),
    })),
  ];
}

function filterChoices(filters: MemberFilters, labels: Labels) {
  const { t } = labels;
  const options = (list: Array<[string, string]>, selected: string | undefined) =>
    list.map(([value, label]) => ({ value, label, selected: value === selected }));
  return {
    regionOptions: options(
      REGIONS.map((region) => [region, labels.region(region)]),
      filters.region,
    ),
    euOptions: options(
      [
        ['yes', t('overview.euYes')],
        ['no', t('overview.euNo')],
      ],
      filters.eu,
    ),
    targetOptions: options(
      TARGET_CODES.map((code) => [code, code]),
      filters.target,
    ),
    statusOptions: options(
      STATUSES.map((status) => [status, labels.status(status)]),
      filters.status,
    ),
    sortOptions: options(
      SORTS.map((sort) => [sort, t(`overview.sort.${sort}`)]),
      filters.sort ?? 'name',
    ),
  };
}

/**
 * The transparency site. Codes in URLs are canonical upper case (PT1, FR); a lower-case
 * one is redirected, anything else that is not a code is a 404.
 *
 * Pages are the same for every anonymous reader: they carry an ETag made of the public
 * data version and the URL (a conditional request gets 304 without any rendering), and
 * rendered pages are kept in memory until the data version moves. `cachedPages` serves
 * them early, before sessions and user lookups, while a LISTEN connection vouches for the
 * version; `routes` renders them (and serves them when the version must be read).
 */
export function publicSite(
  service: PublicService,
  options: {
    cacheSeconds: number;
    cacheEntries?: number;
    /** Bytes the kept pages may hold, and as many their contents (PAGE_CACHE_MB); unbounded without. */
    cacheBytes?: number;
    logger: Logger;
    onCacheLookup?: (hit: boolean) => void;
    onCachedPageSent?: (method: string, seconds: number) => void;
  },
): { cachedPages: RequestHandler; routes: Router; held: () => Record<string, CacheHeld> } {
  const { cacheSeconds, cacheEntries, cacheBytes, logger, onCacheLookup, onCachedPageSent } = options;
  const router = Router();
  const cache = createPageCache(cacheEntries, { sizeOf: pageBytes, maxBytes: cacheBytes });
  // Pages differ by language: the key and the ETag carry it.
  const keyOf = (req: Request) => `${req.language} ${req.originalUrl}`;

  /**
   * The early path: the first middleware, so a kept page costs neither the security
   * middleware (its headers were kept with the page), sessions, nor pino-http's per-request
   * logger. Only unconditional GET and HEAD from readers without a session; a conditional
   * request (If-None-Match) goes the normal way and may get its 304 there.
   */
  const cachedPages: RequestHandler = (req, res, next) => {
    if (
      (req.method !== 'GET' && req.method !== 'HEAD') ||
      req.headers['if-none-match'] !== undefined ||
      req.headers['if-modified-since'] !== undefined ||
      req.headers.cookie?.includes(`${SESSION_COOKIE}=`)
    ) {
      next();
      return;
    }
    const version = service.version.known();
    const page = version === undefined ? undefined : cache.get(`${languageOf(req)} ${req.originalUrl}`, version);
    if (!page?.head) {
      next();
      return;
    }
    const started = performance.now();
    const id = requestIdOf(req);
    sendKept(req, res, page, page.head, id);
    const took = performance.now() - started;
    onCachedPageSent?.(req.method, took / 1000);
    // The same access log line as pino-http writes for every other request.
    if (logger.isLevelEnabled('info')) {
      logger.info(
        { req: { id, method: req.method, url: req.originalUrl }, res: { statusCode: 200 }, responseTime: Math.round(took) },
        'request completed',
      );
    }
  };

  // PAGE_CACHE_ENTRIES=0 renders every request, readers arriving together included: how the
  // benchmarks measure rendering.
  const sharedRenders = <T>() => (cacheEntries === 0 ? (_key: string, render: () => Promise<T>) => render() : oneRenderPerKey<T>());
  const renderingPage = sharedRenders<CachedPage>();
  /**
   * The version is read before the data, so a page is never older than the version it is
   * cached under (at worst newer, until the next change replaces it).
   */
  const cached =
    (type: string, produce: (req: Request, res: Response) => Promise<string>, key: (req: Request) => string = keyOf): RequestHandler =>
    async (req, res) => {
      const version = await service.version.current();
      const pageKey = key(req);
      const hit = cache.get(pageKey, version);
      onCacheLookup?.(hit !== undefined);
      const etag = hit?.etag ?? etagFor(keyOf(req), version);
      if (sendPublic(req, res, cacheSeconds, etag, hit)) return;
      const page = await renderingPage(`${version} ${pageKey}`, async () =>
        cache.set(pageKey, cachedPage(version, etag, type, await produce(req, res))),
      );
      sendPublic(req, res, cacheSeconds, etag, page);
      if (!page.head) rememberHeaders(page, res);
    };

  /**
   * A page's content (everything inside <main>) is the same for every reader of a language,
   * signed in or not: it is kept per data version, and only the layout around it (a
   * signed-in reader's name, work links and sign-out form) is rendered per request. The
   * content is rendered without the reader's locals, so nobody's name or token can be kept
   * in it.
   */
  const contents = createPageCache<PageContent>(
    cacheEntries,
    // Counted as three times its text: the text, its bytes for signed-in readers, and room for their gzipped copy.
    { sizeOf: (content) => 3 * content.html.length, maxBytes: cacheBytes },
  );
  const renderingContent = sharedRenders<PageContent>();
  const READER_LOCALS = {
    layout: false,
    currentUser: undefined,
    nav: undefined,
    csrfToken: undefined,
    flash: undefined,
    sessionEndsAt: undefined,
  };
  /** `slots`: how many of this kind of page render at once (unlimited without). */
  type Slots = <T>(render: () => Promise<T>) => Promise<T>;
  const contentOf = async (req: Request, res: Response, load: (req: Request) => Promise<Page>, slots?: Slots): Promise<PageContent> => {
    const version = await service.version.current();
    const key = keyOf(req);
    const hit = contents.get(key, version);
    if (hit) return hit;
    const render = async () => {
      const { view, locals } = await load(req);
      const html = await renderToString(res, view, { ...locals, ...READER_LOCALS });
      return contents.set(key, { version, title: String(locals.title), html });
    };
    return renderingContent(`${version} ${key}`, () => (slots ? slots(render) : render()));
  };
  const LAYOUT = 'layouts/main';

  const page = (load: (req: Request) => Promise<Page>, slots?: Slots): RequestHandler => {
    const anonymous = cached('text/html; charset=utf-8', async (req, res) => {
      const { title, html } = await contentOf(req, res, load, slots);
      return renderToString(res, LAYOUT, { layout: false, title, body: html });
    });
    return async (req, res, next) => {
      if (!req.user) return anonymous(req, res, next);
      // A signed-in reader's copy shows their name: its layout is rendered for them, never cached (no-store).
      const content = await contentOf(req, res, load, slots);
      await sendInLayout(res, (content.kept ??= keptContent(content.title, content.html)));
    };
  };

  /**
   * Only the query parameters a page reads, with values it accepts, in one order: anything
   * else is redirected (301) to that canonical address. So a query string a page does not
   * use (`/?r=<random>`) costs a redirect, never a render, and cannot fill the page cache
   * or put text of its own into a page others are served (the language switch links back
   * to the address it was rendered for).
   */
  const canonicalQuery =
    (read: (query: Request['query']) => Record<string, string | undefined> = () => ({})): RequestHandler =>
    (req, res, next) => {
      const wanted = Object.entries(read(req.query)).flatMap(([name, value]): Array<[string, string]> => (value ? [[name, value]] : []));
      const [path = '', query = ''] = req.originalUrl.split(/\?(.*)/s, 2);
      // Compared decoded: "(" and "%28" are the same address.
      if (JSON.stringify([...new URLSearchParams(query)]) === JSON.stringify(wanted)) {
        next();
        return;
      }
      const canonical = new URLSearchParams(wanted).toString();
      res.redirect(301, canonical ? `${path}?${canonical}` : path);
    };
  const noQuery = canonicalQuery();

  const canonicalCode =
    (pattern: RegExp, what: Parameters<typeof notFound>[0]): RequestHandler =>
    (req, res, next) => {
      const code = String(req.params.code);
      if (!pattern.test(code)) throw notFound(what);
      const upper = code.toUpperCase();
      if (upper !== code) {
        // Replace the segment that is the code, not wherever its letters first appear
        // ("/countries/ri" must not become "/countRIes/ri") nor the last segment
        // ("/countries/hi/history" must not become "/countries/hi/HI").
        const [path = '', query] = req.originalUrl.split(/\?(.*)/s, 2);
        const canonical = path
          .split('/')
          .map((segment) => (segment === code ? upper : segment))
          .join('/');
        res.redirect(301, `${canonical}${query === undefined ? '' : `?${query}`}`);
        return;
      }
      next();
    };

  router.get(
    '/',
    // The home page has no sort (the members table on /countries has).
    canonicalQuery((query) => ({ ...memberFilters(query), sort: undefined })),
    page(async (req) => {
      const [data, map] = await Promise.all([
        service.overview(req.language, { ...memberFilters(req.query), sort: undefined }),
        service.worldMap(req.language),
      ]);
      return {
        view: 'public/overview',
        locals: {
          title: req.t('overview.title'),
          ...data,
          ...filterChoices(data.filters, labelsFor(req.language)),
          notOnMap: map.notDrawn,
          mapLegend: mapLegend(req.language, labelsFor(req.language)),
        },
      };
    }),
  );

  router.get(
    '/actions',
    canonicalQuery((query) => {
      const q = typeof query.q === 'string' ? searchWords(query.q) : undefined;
      return { q, page: q ? pageNumber(query.page) : undefined };
    }),
    page(async (req) => {
      const words = typeof req.query.q === 'string' ? searchWords(req.query.q) : '';
      return {
        view: 'public/search',
        locals: {
          title: words ? req.t('search.titleFor', { words }) : req.t('search.title'),
          ...(await service.searchActions(req.language, words, Number(pageNumber(req.query.page) ?? 1))),
        },
      };
    }),
  );

  router.get(
    '/actions/:id',
    noQuery,
    page(async (req) => {
      const id = String(req.params.id);
      if (!/^[1-9]\d{0,9}$/.test(id) || Number(id) > 2_147_483_647) throw notFound('action');
      const data = await service.action(req.language, Number(id));
      return { view: 'public/action', locals: { title: data.action.title, ...data } };
    }),
  );

  router.get(
    '/countries',
    canonicalQuery((query) => ({ ...memberFilters(query) })),
    page(async (req) => {
      const data = await service.members(req.language, memberFilters(req.query));
      return {
        view: 'public/countries',
        locals: { title: req.t('members.title'), ...data, ...filterChoices(data.filters, labelsFor(req.language)) },
      };
    }),
  );

  router.get(
    '/countries/:code',
    canonicalCode(/^[A-Za-z]{2}$/, 'member'),
    noQuery,
    page(async (req) => {
      const data = await service.country(req.language, String(req.params.code));
      return { view: 'public/country', locals: { title: data.country.name, ...data } };
    }),
  );

  router.get(
    '/countries/:code/history',
    canonicalCode(/^[A-Za-z]{2}$/, 'member'),
    noQuery,
    page(async (req) => {
      const data = await service.countryHistory(req.language, String(req.params.code));
      return { view: 'public/country-history', locals: { title: req.t('history.title', { name: data.country.name }), ...data } };
    }),
  );

  router.get(
    '/targets',
    noQuery,
    page(async (req) => ({
      view: 'public/targets',
      locals: { title: req.t('targets.title'), ...(await service.listTargets(req.language)) },
    })),
  );

  router.get(
    '/targets/:code',
    canonicalCode(/^pt[1-9]$/i, 'policy target'),
    // One member's actions (?member=FR), and which page of 50 (?page=2; the first has none).
    canonicalQuery((query) => ({
      member: typeof query.member === 'string' && /^[A-Z]{2}$/.test(query.member) ? query.member : undefined,
      page: pageNumber(query.page),
    })),
    page(async (req) => {
      const query = req.query as Record<string, string | undefined>;
      const data = await service.target(req.language, String(req.params.code), { page: Number(query.page ?? 1), member: query.member });
      return {
        view: 'public/target',
        locals: { title: req.t('site.codeAndTitle', { code: data.target.code, title: data.target.title }), ...data },
      };
    }),
  );

  router.get(
    '/map.svg',
    noQuery,
    cached('image/svg+xml; charset=utf-8', async (req) => (await service.worldMap(req.language)).svg),
  );

  // The feed's links are absolute, so its copies are kept per site address.
  const siteOf = (req: Request) => `${req.protocol}://${req.get('host')}`;
  router.get(
    '/feed.atom',
    noQuery,
    cached(
      'application/atom+xml; charset=utf-8',
      async (req) => atomFeed(siteOf(req), await service.recentlyAccepted(), labelsFor(req.language)),
      (req) => siteOf(req) + keyOf(req),
    ),
  );

  router.get(
    '/cycles',
    noQuery,
    page(async (req) => ({ view: 'public/cycles', locals: { title: req.t('cycles.title'), ...(await service.listCycles(req.language)) } })),
  );

  router.get(
    '/cycles/:slug',
    noQuery,
    page(async (req) => {
      const slug = String(req.params.slug);
      if (!/^[a-z0-9-]{1,60}$/.test(slug)) throw notFound('reporting cycle');
      const data = await service.cycle(req.language, slug);
      return { view: 'public/cycle', locals: { title: data.cycle.title, ...data } };
    }),
  );

  const compiledReportSlots = pLimit(COMPILED_REPORTS_AT_ONCE);
  router.get(
    '/cycles/:slug/report',
    noQuery,
    page(async (req) => {
      const slug = String(req.params.slug);
      if (!/^[a-z0-9-]{1,60}$/.test(slug)) throw notFound('reporting cycle');
      const data = await service.compiledReport(req.language, slug);
      return { view: 'public/compiled-report', locals: { title: req.t('compiled.title', { cycle: data.cycle.title }), ...data } };
    }, compiledReportSlots),
  );

  /** What the caches hold, for /metrics. */
  const held = () => ({ pages: cache.size(), contents: contents.size() });
  return { cachedPages, routes: router, held };
}
