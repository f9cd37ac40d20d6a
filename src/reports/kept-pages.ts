import Handlebars from 'handlebars';
import type { Request, Response } from 'express';
import { createPageCache } from '../public/page-cache';
import { keptContent, sendInLayout, TOKEN_SLOT, type KeptContent } from '../web/kept-content';
import { renderToString } from '../web/view-engine';

// A report page's content (everything inside <main>) — the delegate's workspace, the
// secretariat's queue and review of one report — is the same for everyone who reads it in
// the same language with the same rights, until the report, or what the page shows, changes.
// So it is rendered once per stamp (ReportService.pageStamp, ReviewService.queueStamp) and
// kept; only the layout around it (the reader's name, work links, sign-out form) and the
// reader's CSRF token are put in per request (../web/kept-content). Nothing else of the
// reader's goes into kept content: it is rendered without their locals, and a page showing
// something of theirs alone — a message after a save, a form as they typed it — is rendered
// afresh and not kept. What the reader may reach (`nav`, which names the way back from a
// report: a delegate's reports, or the secretariat's review of the cycle) follows from their
// role and country, which are part of the key, so it stays.

const READER_LOCALS = {
  layout: false,
  currentUser: undefined,
  flash: undefined,
  sessionEndsAt: undefined,
  csrfToken: new Handlebars.SafeString(TOKEN_SLOT),
};

type Content = KeptContent & { version: string };

/** A page to render, or where to send the reader instead. */
type Loaded = { view: string; locals: Record<string, unknown> & { title: string } } | { redirect: string };

/** @param maxEntries how many pages' contents are kept (PAGE_CACHE_ENTRIES; 0 keeps none, default 500) */
export function keptReportPages(maxEntries?: number) {
  const contents = createPageCache<Content>(maxEntries);

  /**
   * Sends a report page: its kept content when its stamp has not moved, else what `load`
   * gives, kept for the next reader when `keepable`. The stamp is read before `load`, so
   * content kept under a stamp is never older than it.
   */
  return async function send(
    req: Request,
    res: Response,
    options: {
      keepable: boolean;
      stamp: () => Promise<string>;
      status?: number;
      /** The query parameters the page reads, checked against what it accepts: part of the key. */
      variant?: string;
    },
    load: () => Promise<Loaded>,
  ): Promise<void> {
    const user = req.user;
    // A query string is part of the key only as the page's checked `variant`: a page that
    // reads none but is sent one is rendered every time, so invented ones cannot fill the cache.
    const keepable =
      options.keepable &&
      maxEntries !== 0 &&
      user !== undefined &&
      (options.variant !== undefined || !req.originalUrl.includes('?')) &&
      !res.locals.flash;
    const stamp = keepable ? await options.stamp() : undefined;
    // Routes match paths whatever their case or trailing slash: one entry for all spellings.
    const key = `${req.language} ${user?.role ?? ''} ${user?.countryCode ?? ''} ${req.path.toLowerCase().replace(/\/+$/, '')} ${options.variant ?? ''}`;
    const hit = stamp === undefined ? undefined : contents.get(key, stamp);
    if (hit) {
      await sendInLayout(res, hit);
      return;
    }
    const loaded = await load();
    if ('redirect' in loaded) {
      res.redirect(303, loaded.redirect);
      return;
    }
    if (stamp === undefined) {
      res.status(options.status ?? 200).render(loaded.view, loaded.locals);
      return;
    }
    const html = await renderToString(res, loaded.view, { ...loaded.locals, ...READER_LOCALS });
    await sendInLayout(res, contents.set(key, { version: stamp, ...keptContent(loaded.locals.title, html) }));
  };
}
