import type { Browser, Locator, Page } from 'playwright-core';
import { loadDemoData, PRACTICE_CYCLE } from '../../src/demo/load-demo';
import { buildTestApp } from '../helpers/app';
import {
  accessibilityViolations,
  clickAndLoad,
  describeInBrowser,
  htmlProblems,
  launchBrowser,
  serve,
  signInThroughForm,
} from '../helpers/browser';
import { useTestDatabase } from '../helpers/database';
import { makeAction, makePledgingMember, makeUser, TEST_PASSWORD } from '../helpers/factories';

// The acceptance journey of the delegate's workspace, in Chromium at 390 px, in French:
// a progress report filed through the task list, starting from the demo's accepted 2014
// report, with a second tab saving another section meanwhile, a sign-in that ends in
// the middle (what was typed comes back), a decimal comma, check answers, submit. Every
// page: axe-core, html-validate, no sideways scrolling. It counts the clicks and the
// fields the delegate touches (the closing note of the issue compares them).

describeInBrowser('the delegate’s workspace in Chromium', () => {
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

  it('a French delegate files the practice progress report through the task list, on a phone', async () => {
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: 'FR', name: 'Camille Martin' });
    const context = await browser.newContext({
      bypassCSP: true,
      baseURL: server.url,
      locale: 'fr-FR',
      viewport: { width: 390, height: 844 },
    });
    const page = await context.newPage();
    const problems: string[] = [];
    const effort = { clicks: 0, fields: 0 };
    const check = async (on: Page) => {
      // The page as the server sent it (a GET of the address the browser landed on).
      problems.push(...(await htmlProblems(await (await on.context().request.get(on.url())).text(), on.url())));
      problems.push(...(await accessibilityViolations(on)));
      const width = await on.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) {
        const wide = await on.evaluate(() =>
          Array.from(document.querySelectorAll('main *'))
            .filter((element) => element.getBoundingClientRect().right > 390)
            .map((element) => `${element.tagName}.${element.className}`)
            .slice(0, 5),
        );
        problems.push(`${on.url()}: ${width} px wide (${wide.join(', ')})`);
      }
    };
    const click = async (target: Locator, on: Page = page) => {
      effort.clicks += 1;
      await clickAndLoad(on, target);
      await check(on);
    };
    const fill = async (target: Locator, value: string) => {
      effort.fields += 1;
      await target.fill(value);
    };
    const signIn = async () => {
      await fill(page.getByLabel('Adresse électronique'), delegate.email);
      await fill(page.getByLabel('Mot de passe'), TEST_PASSWORD);
      await click(page.getByRole('button', { name: 'Se connecter' }));
    };

    await page.goto('/login');
    await signIn();
    const practice = await database.db('cycles').where({ slug: PRACTICE_CYCLE }).first('title');
    await click(page.getByRole('link', { name: `rapport pour ${practice.title}` }));
    expect(await page.locator('h1').textContent()).toContain(practice.title);
    expect(await page.locator('.task-list').textContent()).toContain('Pas commencé');

    // About this report.
    await click(page.getByRole('link', { name: 'À propos de ce rapport' }));
    effort.fields += 1;
    await page.getByLabel('Langue des textes').selectOption('fr');
    await click(page.getByRole('button', { name: 'Enregistrer et continuer' }));

    // Progress on earlier pledges, pre-filled from the accepted 2014 report.
    expect(page.url()).toContain('/progress');
    const open = page.locator('fieldset[id^="carried-"]');
    const openCount = await open.count();
    expect(openCount).toBeGreaterThan(0);
    expect(await page.locator('.prefilled').count()).toBe(openCount);
    expect(await page.getByText('Engagements clos').count()).toBe(1);

    // Meanwhile, in a second tab, the summaries are written and saved.
    const second = await context.newPage();
    await second.goto(`/reports/FR/${PRACTICE_CYCLE}/summaries`);
    for (const target of ['PT1', 'PT2', 'PT3', 'PT4'])
      await fill(second.locator(`#summaries-${target}`), `Avancées sous ${target} en 2015.`);
    await click(second.getByRole('button', { name: 'Enregistrer et revenir plus tard' }), second);
    expect(await second.locator('.govuk-notification-banner__heading').textContent()).toBe('Enregistré.');

    // Back in the first tab: a narrative per open pledge, the rest as pre-filled; it saves (another section changed, not this one).
    for (let index = 0; index < openCount; index += 1) await fill(open.nth(index).locator('textarea'), `Point d’étape ${index + 1}.`);
    await click(page.getByRole('button', { name: 'Enregistrer et continuer' }));
    expect(page.url()).toContain('/summaries');
    expect(await page.locator('#summaries-PT1').inputValue()).toBe('Avancées sous PT1 en 2015.');
    await click(page.getByRole('button', { name: 'Enregistrer et continuer' }));

    // Indicators, with a decimal comma; the sign-in ends before the save.
    expect(page.url()).toContain('/indicators');
    const codes = await database.db('indicators').orderBy('code').pluck('code');
    const values = codes.map((_, index) => (index === 0 ? '12,5' : `1 2${index}0`));
    for (const [index, code] of codes.entries()) await fill(page.locator(`#indicators-${code}-value`), values[index]!);
    await database.db.raw(
      `update sessions set sess = jsonb_set(sess::jsonb, '{lastSeenAt}', to_jsonb(?::bigint))::json where sess->>'userId' = ?`,
      [Date.now() - 31 * 60_000, String(delegate.id)],
    );
    await click(page.getByRole('button', { name: 'Enregistrer et continuer' }));
    expect(await page.locator('#kept-notice').textContent()).toContain('a été conservé');
    await signIn();
    expect(page.url()).toContain('/indicators');
    expect(await page.locator('#restored').textContent()).toContain('Pas encore enregistré');
    expect(await page.locator(`#indicators-${codes[0]!}-value`).inputValue()).toBe('12,5');
    await click(page.getByRole('button', { name: 'Enregistrer et continuer' }));

    // New pledges are optional; then check the answers and submit.
    expect(page.url()).toContain('/actions');
    await click(page.getByRole('link', { name: 'Continuer' }));
    expect(page.url()).toContain('/check');
    const answers = (await page.locator('main').textContent()) ?? '';
    expect(answers).toContain('12,5');
    expect(answers).toContain('Point d’étape 1.');
    expect(answers).toContain('Avancées sous PT4 en 2015.');
    effort.fields += 1;
    await page.getByLabel('Je soumets ce rapport au nom du membre France').check();
    await click(page.getByRole('button', { name: 'Soumettre le rapport' }));
    expect(await page.locator('.govuk-notification-banner__heading').textContent()).toContain('soumis');

    const report = await database
      .db('reports as r')
      .join('cycles as c', 'c.id', 'r.cycle_id')
      .where({ 'c.slug': PRACTICE_CYCLE, 'r.country_code': 'FR' })
      .first('r.id', 'r.state');
    expect(report.state).toBe('submitted');
    expect(Number((await database.db('indicator_values').where({ report_id: report.id, indicator_code: codes[0] }).first()).value)).toBe(
      12.5,
    );
    expect(await database.db('action_updates').where({ report_id: report.id })).toHaveLength(openCount);
    expect(problems).toEqual([]);
    process.stdout.write(
      `Workspace journey (FR practice report, ${openCount} open pledges): ${effort.clicks} clicks, ${effort.fields} fields.\n`,
    );
    await context.close();
  }, 120_000);

  it('a German delegate with years of pledges goes through the progress section page by page, on a phone and with the keyboard', async () => {
    // 23 pledges carried: pages of ten, ten and three.
    const { country, cycle, pledging } = await makePledgingMember(database.db);
    for (let index = 0; index < 23; index++) await makeAction(database.db, pledging, { target_code: index < 12 ? 'PT1' : 'PT4' });
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    const context = await browser.newContext({
      bypassCSP: true,
      baseURL: server.url,
      locale: 'de-DE',
      viewport: { width: 390, height: 844 },
    });
    const page = await context.newPage();
    await signInThroughForm(page, delegate.email, TEST_PASSWORD, 'de');
    const base = `/reports/${country.code}/${cycle.slug}`;
    await page.goto(`${base}/progress`);
    const problems = [
      ...(await accessibilityViolations(page)),
      ...(await htmlProblems(await (await context.request.get(page.url())).text(), page.url())),
    ];
    expect(await page.locator('main').textContent()).toContain('Seite 1 von 3: Zusagen 1 bis 10 von 23');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Typed, then a link to the next page: the browser asks first, and staying keeps the text.
    const narrative = page.locator('fieldset[id^="carried-"] textarea').first();
    await narrative.focus();
    await page.keyboard.type('Gesetz verabschiedet.');
    const asked = page.waitForEvent('dialog');
    void page.locator('.govuk-pagination__next a').click();
    const dialog = await asked;
    expect(dialog.type()).toBe('beforeunload');
    await dialog.dismiss();
    expect(page.url()).toMatch(/\/progress$/);
    expect(await narrative.inputValue()).toBe('Gesetz verabschiedet.');

    // "Save and continue", from the keyboard, saves the page and goes to the next one without asking.
    page.on('dialog', (unexpected) => {
      problems.push(`asked before leaving: ${unexpected.type()}`);
      void unexpected.dismiss();
    });
    const status = page.locator('fieldset[id^="carried-"] select').first();
    await status.focus();
    await status.selectOption('in_progress');
    await page.getByRole('button', { name: 'Speichern und weiter' }).focus();
    await Promise.all([page.waitForURL(`**${base}/progress/2`), page.keyboard.press('Enter')]);
    expect(await page.locator('.govuk-notification-banner__heading').textContent()).toBe('Gespeichert.');
    problems.push(...(await accessibilityViolations(page)));
    const report = await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).first('id');
    expect(await database.db('action_updates').where({ report_id: report.id }).pluck('narrative')).toEqual(['Gesetz verabschiedet.']);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('works without JavaScript: the menu is open, each save lands on the next page and says so', async () => {
    const { country, cycle, pledging } = await makePledgingMember(database.db);
    const action = await makeAction(database.db, pledging, { target_code: 'PT2' });
    const delegate = await makeUser(database.db, { role: 'delegate', country_code: country.code });
    const context = await browser.newContext({ javaScriptEnabled: false, baseURL: server.url, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signInThroughForm(page, delegate.email, TEST_PASSWORD);
    const base = `/reports/${country.code}/${cycle.slug}`;
    await page.goto(base);
    // Without the script that folds it, the site's menu is a list of links anyone can follow.
    expect(await page.locator('#site-navigation').isVisible()).toBe(true);
    await clickAndLoad(page, page.getByRole('link', { name: 'About this report' }));
    await page.locator('#about-text_language').selectOption('en');
    await clickAndLoad(page, page.getByRole('button', { name: 'Save and continue' }));
    expect(page.url()).toMatch(new RegExp(`${base}/progress$`));
    expect(await page.locator('.govuk-notification-banner__heading').textContent()).toBe('Saved.');
    const fieldset = page.locator(`#carried-${action.id}`);
    await fieldset.locator('select').selectOption('completed');
    await fieldset.locator('textarea').fill('Done without a script.');
    await clickAndLoad(page, page.getByRole('button', { name: 'Save and come back later' }));
    expect(page.url()).toMatch(new RegExp(`${base}$`));
    expect(await page.locator('.govuk-notification-banner__heading').textContent()).toBe('Saved.');
    const report = await database.db('reports').where({ country_code: country.code, cycle_id: cycle.id }).first('id', 'text_language');
    expect(report.text_language).toBe('en');
    expect(await database.db('action_updates').where({ report_id: report.id }).first('status', 'narrative')).toEqual({
      status: 'completed',
      narrative: 'Done without a script.',
    });
    await context.close();
  }, 60_000);
});
