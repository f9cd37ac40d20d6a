import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app';
import { accessibilityViolations, clickAndLoad, describeInBrowser, launchBrowser, serve } from '../helpers/browser';
import { useTestDatabase } from '../helpers/database';
import { makeCountry, makeCycle, makeUser, TEST_PASSWORD, unique } from '../helpers/factories';

// The whole reporting journey in a real browser, with an accessibility check on every page.
describeInBrowser('the reporting journey in Chromium', () => {
  const database = useTestDatabase();
  let browser: Browser;
  let server: Awaited<ReturnType<typeof serve>>;
  const violations: string[] = [];

  beforeAll(async () => {
    server = await serve(buildTestApp(database));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
  });

  /** A fresh browser session (no cookies), as another person at another desk; with JavaScript, or with it off. */
  let javaScriptEnabled = true;
  async function person(): Promise<{ context: BrowserContext; page: Page }> {
    // bypassCSP only lets the test inject axe-core; the app's own pages run no script.
    const context = await browser.newContext({ bypassCSP: true, baseURL: server.url, javaScriptEnabled });
    return { context, page: await context.newPage() };
  }
  // axe-core runs as a script in the page: checked with JavaScript on (the pages are the same without).
  const check = async (page: Page) => {
    if (javaScriptEnabled) violations.push(...(await accessibilityViolations(page)));
  };
  async function signIn(page: Page, email: string, password = TEST_PASSWORD) {
    await page.goto('/login');
    await check(page);
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill(password);
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign in' }));
  }

  it.each([
    ['', true],
    ['without JavaScript: ', false],
  ])(
    '%sadmin invites a delegate, who files a report; the secretariat returns it, the delegate fixes it, the secretariat accepts, the public sees it',
    async (_, withScript) => {
      javaScriptEnabled = withScript;
      const country = await makeCountry(database.db);
      const cycle = await makeCycle(database.db, {
        state: 'open',
        title: unique('Commitments'),
        opens_on: '2020-01-01',
        due_on: '2099-06-30',
        closes_on: '2099-12-31',
      });
      const admin = await makeUser(database.db, { role: 'admin' });
      const secretariat = await makeUser(database.db, { role: 'secretariat' });
      const delegateEmail = `delegate-${Date.now()}@example.org`;
      const delegatePassword = 'a long and private passphrase';
      const actionTitle = unique('Set up a victim identification team');

      // The admin invites the delegate.
      const adminDesk = await person();
      await signIn(adminDesk.page, admin.email);
      await adminDesk.page.goto('/admin/users');
      await check(adminDesk.page);
      const inviteForm = adminDesk.page.locator('form[action="/admin/users"]');
      await inviteForm.getByLabel('E-mail address').fill(delegateEmail);
      await inviteForm.getByLabel('Name').fill('Dana Delegate');
      await inviteForm.getByLabel('Role').selectOption('delegate');
      await inviteForm.getByLabel('Country (delegates only)').selectOption(country.code);
      await inviteForm.getByLabel('Language of their e-mails').selectOption('en');
      await clickAndLoad(adminDesk.page, inviteForm.getByRole('button', { name: 'Send the invitation' }));
      await check(adminDesk.page);
      // The mail waits in the outbox (no SMTP server in tests); the admin can read it there.
      await adminDesk.page.goto('/admin/outbox');
      await check(adminDesk.page);
      const mail = adminDesk.page.locator('.outbox-message').filter({ hasText: delegateEmail });
      await mail.getByText('Read the message').click();
      const link = /https:\S+\/invitations\/\S+/.exec((await mail.locator('pre').textContent()) ?? '')?.[0];
      expect(link).toBeDefined();
      await adminDesk.context.close();

      // The delegate sets a password, signs in and files the commitments report.
      const delegateDesk = await person();
      const { page } = delegateDesk;
      // The link names the configured public address; this test server listens elsewhere.
      await page.goto(new URL(link!).pathname);
      await check(page);
      await page.getByLabel('New password').fill(delegatePassword);
      await page.getByLabel('Type the password again').fill(delegatePassword);
      await clickAndLoad(page, page.getByRole('button', { name: 'Set password' }));
      // The confirmation is on the sign-in page the form redirects to: wait until it shows.
      await page.getByText('Your password is set').waitFor();
      expect(await page.getByText('Your password is set').count()).toBe(1);
      await signIn(page, delegateEmail, delegatePassword);
      await check(page);
      await clickAndLoad(page, page.getByRole('link', { name: `Start the report for ${cycle.title}` }));
      await check(page);
      // The task list: each section its own page, "Save and continue" leads through them.
      await clickAndLoad(page, page.getByRole('link', { name: 'About this report' }));
      await check(page);
      await page.getByLabel('Language of the texts').selectOption('en');
      await clickAndLoad(page, page.getByRole('button', { name: 'Save and continue' }));
      for (const target of ['PT1', 'PT2', 'PT3', 'PT4']) {
        await check(page);
        expect(await page.locator('.govuk-notification-banner__heading').textContent()).toBe('Saved.');
        await page.locator(`#baseline-${target}-existing`).fill(target === 'PT4' ? 'A hotline' : `Measures for ${target}`);
        if (target !== 'PT1') await page.locator(`#baseline-${target}-no_action_reason`).fill(`Covered by the ${target} strategy`);
        await clickAndLoad(page, page.getByRole('button', { name: 'Save and continue' }));
      }
      await check(page);
      await clickAndLoad(page, page.getByRole('link', { name: 'Add an action under PT1' }));
      await check(page);
      await page.locator('#new-action-title').fill(actionTitle);
      await page.locator('#new-action-goal').selectOption('1.1');
      await clickAndLoad(page, page.getByRole('button', { name: 'Add the action' }));
      await check(page);
      await clickAndLoad(page, page.getByRole('link', { name: 'Back to the task list' }));
      await check(page);
      await clickAndLoad(page, page.getByRole('link', { name: 'Check your answers and submit' }));
      await check(page);
      expect(await page.locator('main').textContent()).toContain(actionTitle);
      await page.getByLabel(`I submit this report on behalf of ${country.name}`).check();
      await clickAndLoad(page, page.getByRole('button', { name: 'Submit the report' }));
      await page.waitForURL(`**/reports/${country.code}/${cycle.slug}`);
      await check(page);
      expect(await page.locator('.govuk-tag').first().textContent()).toContain('Submitted');

      // The secretariat returns it with a comment.
      const staffDesk = await person();
      await signIn(staffDesk.page, secretariat.email);
      await check(staffDesk.page);
      await staffDesk.page.goto(`/review?cycle=${cycle.slug}`);
      await clickAndLoad(staffDesk.page, staffDesk.page.getByRole('link', { name: country.name }));
      await check(staffDesk.page);
      // Two questions on single items, then the return that sends them.
      const questions = [
        ['Baseline, PT4', 'Who runs the hotline under PT4?'],
        [`Pledge “${actionTitle}”`, 'What budget does this action have?'],
      ] as const;
      for (const [item, question] of questions) {
        await staffDesk.page.getByLabel('About').selectOption({ label: item });
        await staffDesk.page.getByLabel('Your question').fill(question);
        await clickAndLoad(staffDesk.page, staffDesk.page.getByRole('button', { name: 'Add the question' }));
        await check(staffDesk.page);
      }
      await clickAndLoad(staffDesk.page, staffDesk.page.getByRole('link', { name: 'Return for changes' }));
      await check(staffDesk.page);
      await staffDesk.page.getByLabel('What must the country change?').fill('Please say who runs the hotline under PT4.');
      await clickAndLoad(staffDesk.page, staffDesk.page.getByRole('button', { name: 'Return to the country' }));
      await check(staffDesk.page);

      // The delegate sees the comment, answers the questions, fixes the baseline and submits again.
      await page.goto(`/reports/${country.code}/${cycle.slug}`);
      await check(page);
      expect(await page.locator('#review-comment').textContent()).toContain('who runs the hotline');
      await clickAndLoad(page, page.getByRole('link', { name: 'See the questions' }));
      await check(page);
      const answers = ['The national police, since 2010.', 'Two million euros over three years.'];
      for (const [index, answer] of answers.entries()) {
        const question = page.locator('.question').nth(index);
        await question.getByLabel('Your answer').fill(answer);
        await clickAndLoad(page, question.getByRole('button', { name: 'Save the answer' }));
        await check(page);
      }
      // The question shows beside its item.
      await clickAndLoad(page, page.getByRole('link', { name: 'Baseline, PT4' }));
      await check(page);
      expect(await page.locator('.question--beside').textContent()).toContain('Who runs the hotline under PT4?');
      await page.locator('#baseline-PT4-existing').fill('A hotline run by the national police since 2010');
      await clickAndLoad(page, page.getByRole('button', { name: 'Save and come back later' }));
      await check(page);
      await clickAndLoad(page, page.getByRole('link', { name: 'Check your answers and submit' }));
      await page.getByLabel(`I submit this report on behalf of ${country.name}`).check();
      await clickAndLoad(page, page.getByRole('button', { name: 'Submit the report' }));
      await page.waitForURL(`**/reports/${country.code}/${cycle.slug}`);

      // The secretariat accepts; the report is published.
      await staffDesk.page.goto(`/review/${country.code}/${cycle.slug}`);
      await check(staffDesk.page);
      const pt4 = staffDesk.page.locator('#change-baseline-PT4');
      expect(await pt4.locator('ins').textContent()).toContain('run by the national police');
      expect(await pt4.locator('.question__text').textContent()).toBe('Who runs the hotline under PT4?');
      expect(await pt4.locator('.question__answer').textContent()).toBe('The national police, since 2010.');
      const pledge = staffDesk.page.locator('.change').filter({ hasText: 'What budget does this action have?' });
      expect(await pledge.locator('.question__answer').textContent()).toBe('Two million euros over three years.');
      await clickAndLoad(staffDesk.page, staffDesk.page.getByRole('link', { name: 'Accept and publish' }));
      await check(staffDesk.page);
      await clickAndLoad(staffDesk.page, staffDesk.page.getByRole('button', { name: 'Yes, accept and publish' }));
      await check(staffDesk.page);

      const visitor = await person();
      await visitor.page.goto(`/countries/${country.code}`);
      await check(visitor.page);
      expect(await visitor.page.getByRole('heading', { name: actionTitle }).count()).toBe(1);
      expect(await visitor.page.locator('main').textContent()).toContain('A hotline run by the national police since 2010');

      expect(violations).toEqual([]);
    },
    120_000,
  );
});
