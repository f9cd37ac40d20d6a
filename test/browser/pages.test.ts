import type { Browser, Page } from 'playwright-core';
import { loadDemoData, PRACTICE_CYCLE } from '../../src/demo/load-demo';
import { buildTestApp } from '../helpers/app';
import { accessibilityViolations, clickAndLoad, describeInBrowser, htmlProblems, launchBrowser, serve } from '../helpers/browser';
import { useTestDatabase } from '../helpers/database';
import { makeAction, makeCycle, makeReport, makeUser, TEST_PASSWORD } from '../helpers/factories';
import { translator, type Language } from '../../src/i18n';
import { pdfPages, pdftotextAvailable } from '../helpers/pdf';
import { hashToken } from '../../src/auth/tokens';

// Every public page and the main signed-in pages, in Chromium: zero axe-core violations
// (WCAG 2.2 A and AA) and valid HTML (html-validate), on the demo data; in English, and
// again in French and German (other words, other lengths, lang on every page).

const PUBLIC_PAGES = [
  '/',
  '/countries',
  '/countries/FR',
  '/countries/FR/history',
  '/countries/RO',
  '/targets/PT1',
  '/targets/PT2',
  '/targets/PT3',
  '/targets/PT4',
  '/cycles',
  '/cycles/2013-commitments',
  '/cycles/2014-progress',
  '/cycles/2014-progress/report',
  '/targets',
  '/cycles/2013-commitments/report',
  '/open-data',
  '/open-data/dictionary',
  '/?region=Europe&target=PT2',
  '/countries?eu=yes&sort=pledged',
  '/actions?q=national',
  '/actions?q=national&page=2',
  '/login',
  '/password-reset',
  '/password-reset?sent=1',
  '/no-such-page',
];

describeInBrowser('every page in Chromium: accessible and valid', () => {
  const database = useTestDatabase();
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    await loadDemoData(database.db);
    server = await serve(buildTestApp(database));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
  });

  async function check(page: Page, path: string, language: Language = 'en', options = { html: true }): Promise<string[]> {
    const response = await page.goto(path);
    const problems: string[] = [];
    const width = page.viewportSize()?.width;
    const lang = await page.evaluate(() => document.documentElement.lang);
    if (lang !== language) problems.push(`${path}: lang="${lang}", expected ${language}`);
    if (!response || (response.status() >= 400 && path !== '/no-such-page')) problems.push(`${path}: status ${response?.status()}`);
    if (options.html) problems.push(...(await htmlProblems(await response!.text(), path)));
    problems.push(...(await accessibilityViolations(page)).map((problem) => `${width} px ${problem}`));
    // Phones: nothing scrolls sideways (wide tables stack, or scroll inside their own region).
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width && scrollWidth > width) problems.push(`${path} (${language}): ${scrollWidth} px wide at ${width} px`);
    // Keyboard users: the first Tab lands on the skip link, which leads to the main content.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent.trim());
    if (focused !== translator(language)('site.skip')) problems.push(`${path}: first Tab focuses "${focused}", not the skip link`);
    return problems;
  }

  /** Every public page at a phone's width and a desktop's, in one language. */
  async function checkPublicPages(language: Language, locale: string, paths: string[]): Promise<string[]> {
    const problems: string[] = [];
    const context = await browser.newContext({ bypassCSP: true, baseURL: server.url, locale });
    const page = await context.newPage();
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const path of paths) problems.push(...(await check(page, path, language, { html: width === 390 })));
    }
    await context.close();
    return problems;
  }

  it('public pages, at 390 px and 1280 px', async () => {
    // A published action's page, with a history (one of the demo's updated actions).
    const updated: { action_id: number } = await database
      .db('action_updates as u')
      .join('reports as r', 'r.id', 'u.report_id')
      .where('r.state', 'accepted')
      .first('u.action_id');
    expect(await checkPublicPages('en', 'en-GB', [...PUBLIC_PAGES, `/actions/${updated.action_id}`])).toEqual([]);
  }, 240_000);

  it('public pages in French and German, as the browser asks, at 390 px and 1280 px', async () => {
    const problems = [...(await checkPublicPages('fr', 'fr-BE', PUBLIC_PAGES)), ...(await checkPublicPages('de', 'de-AT', PUBLIC_PAGES))];
    expect(problems).toEqual([]);
  }, 420_000);

  it('every indicator chart has labelled axes, a title and a description, in each language', async () => {
    for (const locale of ['en-GB', 'fr-FR', 'de-DE']) {
      const context = await browser.newContext({ baseURL: server.url, locale });
      const page = await context.newPage();
      await page.goto('/countries/FR');
      const charts = await page.locator('svg.line-chart').evaluateAll((svgs) =>
        svgs.map((svg) => ({
          title: svg.querySelector('title')?.textContent ?? '',
          desc: svg.querySelector('desc')?.textContent ?? '',
          labels: Array.from(svg.querySelectorAll('text'), (text) => text.textContent),
        })),
      );
      expect(charts.length).toBeGreaterThan(0);
      for (const chart of charts) {
        expect(chart.title).not.toBe('');
        expect(chart.desc).toMatch(/\d/);
        // Years on the time axis, numbers on the value axis, from 0.
        expect(chart.labels).toEqual(expect.arrayContaining(['2013', '2014', '0']));
      }
      await context.close();
    }
  }, 60_000);

  it('a country page prints as a clean report: no navigation, the content and its charts kept', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto('/countries/FR');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.govuk-generic-header').isVisible()).toBe(false);
    expect(await page.locator('.govuk-footer').isVisible()).toBe(false);
    expect(await page.getByRole('heading', { level: 1, name: 'France' }).isVisible()).toBe(true);
    expect(await page.locator('#progress-title').isVisible()).toBe(true);
    expect(await page.locator('.line-chart').first().isVisible()).toBe(true);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    await context.close();
  }, 60_000);

  (pdftotextAvailable ? it : it.skip)(
    'the compiled report prints to an A4 PDF: a page for each member’s section, page numbers on every page',
    async () => {
      const context = await browser.newContext({ baseURL: server.url });
      const page = await context.newPage();
      await page.goto('/cycles/2014-progress/report');
      const members = await page.locator('.compiled-member h3').allTextContents();
      expect(members.length).toBeGreaterThan(1);
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
      const pages = pdfPages(pdf);
      const total = pages.length;
      pages.forEach((text, index) => {
        expect({ page: index + 1, footer: text.trim().split('\n').at(-1)?.trim() }).toEqual({
          page: index + 1,
          footer: `${index + 1} / ${total}`,
        });
      });
      // Each member's section starts a page of its own: its name is the first line there.
      const firstLines = pages.map((text) => text.trim().split('\n')[0]?.trim());
      for (const member of members) expect(firstLines).toContain(member);
      await context.close();
    },
    60_000,
  );

  it('signed-in pages of a delegate, the secretariat and an admin', async () => {
    const cycle = await makeCycle(database.db, {
      state: 'open',
      kind: 'progress',
      opens_on: '2020-01-01',
      due_on: '2099-06-30',
      closes_on: '2099-12-31',
    });
    const people = {
      delegate: await makeUser(database.db, { role: 'delegate', country_code: 'FR' }),
      secretariat: await makeUser(database.db, { role: 'secretariat' }),
      admin: await makeUser(database.db, { role: 'admin' }),
    };
    // A reset link of the admin's, to check the page where a new password is chosen.
    const resetToken = 'pages-test-reset-token-that-is-long-enough-to-look-real';
    await database.db('password_resets').insert({
      token_hash: hashToken(resetToken),
      user_id: people.admin.id,
      expires_at: new Date(Date.now() + 3_600_000),
    });
    // An open pledge of France's, carried into the practice cycle.
    const carried = (
      await database
        .db('actions as a')
        .join('reports as r', 'r.id', 'a.pledged_in_report_id')
        .where({ 'a.country_code': 'FR', 'r.state': 'accepted' })
        .whereNull('a.withdrawn_in_report_id')
        .first('a.id')
    ).id as number;
    // A completed pledge of France's (closed in the practice cycle, so it can be reopened), and an
    // open commitments cycle with a draft holding one pledge (its change and remove pages).
    const completed = (
      await database
        .db('actions as a')
        .join('action_updates as u', 'u.action_id', 'a.id')
        .join('reports as r', 'r.id', 'u.report_id')
        .where({ 'a.country_code': 'FR', 'r.state': 'accepted', 'u.status': 'completed' })
        .first('a.id')
    ).id as number;
    const commitments = await makeCycle(database.db, {
      state: 'open',
      kind: 'commitments',
      opens_on: '2021-01-01',
      due_on: '2099-06-30',
      closes_on: '2099-12-31',
    });
    const draft = await makeReport(database.db, 'FR', commitments.id, 'draft');
    const pledge = await makeAction(database.db, draft, { target_code: 'PT2' });
    const draftBase = `/reports/FR/${commitments.slug}`;
    const pages: Record<keyof typeof people, string[]> = {
      // The workspace of the demo's open practice cycle, every page of it; and a report still to start.
      delegate: [
        '/reports',
        ...['', '/about', '/progress', '/summaries', '/indicators', '/actions', '/actions/new', '/check', '/questions'].map(
          (section) => `/reports/FR/${PRACTICE_CYCLE}${section}`,
        ),
        `/reports/FR/${PRACTICE_CYCLE}/actions/${carried}/withdraw`,
        `/reports/FR/${PRACTICE_CYCLE}/actions/${completed}/reopen`,
        draftBase,
        `${draftBase}/stocktaking/PT1`,
        `${draftBase}/actions`,
        `${draftBase}/actions/${pledge.id}`,
        `${draftBase}/actions/${pledge.id}/remove`,
        `/reports/FR/${cycle.slug}`,
        '/reports/FR/2013-commitments',
        '/reports/FR/2014-progress',
      ],
      secretariat: [
        '/review',
        '/review?cycle=2014-progress',
        '/review/GH/2014-progress',
        '/review/JP/2014-progress',
        '/review/JP/2014-progress/accept',
        '/review/JP/2014-progress/return',
        '/review?cycle=2014-progress&state=accepted&sort=name',
        '/exports',
        '/exports/import',
        '/audit',
        '/admin/cycles',
      ],
      admin: ['/admin/users', '/admin/countries', '/admin/indicators', '/admin/outbox', `/password-reset/${resetToken}`],
    };
    const problems: string[] = [];
    // French for the delegate on a 390 px phone, German for the secretariat (chosen with the switch), English for the admin.
    const languages = { delegate: 'fr', secretariat: 'de', admin: 'en' } as const;
    for (const [role, user] of Object.entries(people) as Array<[keyof typeof people, { email: string }]>) {
      const language: Language = languages[role];
      const t = translator(language);
      const context = await browser.newContext({
        bypassCSP: true,
        baseURL: server.url,
        ...(role === 'delegate' ? { viewport: { width: 390, height: 844 } } : {}),
      });
      const page = await context.newPage();
      await page.goto('/login');
      if (language !== 'en') await clickAndLoad(page, page.getByRole('link', { name: language === 'fr' ? 'Français' : 'Deutsch' }));
      await page.getByLabel(t('login.email')).fill(user.email);
      await page.getByLabel(t('login.password')).fill(TEST_PASSWORD);
      await clickAndLoad(page, page.getByRole('button', { name: t('login.submit') }));
      for (const path of pages[role]) {
        problems.push(...(await check(page, path, language)));
        if (role !== 'delegate') {
          // Staff work at a desk, but their pages must not push sideways on a phone either.
          await page.setViewportSize({ width: 390, height: 844 });
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          if (width > 390) problems.push(`${path}: ${width} px wide at 390 px`);
          await page.setViewportSize({ width: 1280, height: 720 });
          continue;
        }
        // The page itself, not one a redirect led to.
        const landed = new URL(page.url());
        if (`${landed.pathname}${landed.search}` !== path) problems.push(`${path}: redirected to ${landed.pathname}`);
        // No sideways scrolling on a phone.
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width > 390) problems.push(`${path}: ${width} px wide at 390 px`);
      }
      await context.close();
    }
    expect(problems).toEqual([]);
  }, 180_000);
});
