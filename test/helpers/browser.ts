import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { HtmlValidate } from 'html-validate';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { createHttpServer } from '../../src/app';
import { translator, type Language } from '../../src/i18n';

// Browser tests drive Debian's Chromium through playwright-core. Without Chromium they
// are skipped on a developer's machine (with a note), but never in CI: .ci/run installs it.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumAvailable = existsSync(CHROMIUM);
if (!chromiumAvailable) {
  if (process.env.CI) throw new Error(`Chromium is required in CI for the browser tests: not found at ${CHROMIUM}.`);
  process.stdout.write(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).\n`);
}

/** `describe` when Chromium is there, `describe.skip` otherwise. */
export const describeInBrowser = chromiumAvailable ? describe : describe.skip;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** Serves the app on a free loopback port; returns its base URL and a close function. */
export async function serve(
  app: Express,
  timeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer(app, timeouts).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) =>
    server.once('listening', () => {
      resolve();
    }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

type AxeViolation = { id: string; impact: string; help: string; nodes: Array<{ target: string[] }> };

/** Runs axe-core (WCAG 2.2 A and AA rules) on the page; returns the violations, readably. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } })
      .axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return result.violations;
  });
  return violations.map(
    (violation) =>
      `${page.url()}: ${violation.id} (${violation.impact}) ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
}

/**
 * Clicks something that loads a new page (a form's button, a link) and waits until that
 * page has loaded, as a person waits before reading it. Checking the page right after the
 * click reads the old page, or one half-replaced (the journey test failed that way).
 */
export async function clickAndLoad(page: Page, target: Locator): Promise<void> {
  const loaded = page.waitForEvent('load');
  await target.click();
  await loaded;
}

/** Signs in through the form at /login as a person does, the page in `language` (as the browser asks for it). */
export async function signInThroughForm(page: Page, email: string, password: string, language: Language = 'en'): Promise<void> {
  const t = translator(language);
  await page.goto('/login');
  await page.getByLabel(t('login.email')).fill(email);
  await page.getByLabel(t('login.password')).fill(password);
  await clickAndLoad(page, page.getByRole('button', { name: t('login.submit') }));
}

const validator = new HtmlValidate({
  extends: ['html-validate:recommended'],
  rules: {
    // Typography and formatting preferences, not validity.
    'no-trailing-whitespace': 'off',
    'attr-case': 'off',
    'long-title': 'off',
  },
});

/** html-validate's errors in a page as the server sent it, each named by `where`. */
export async function htmlProblems(html: string, where: string): Promise<string[]> {
  const report = await validator.validateString(html);
  return report.results.flatMap((result) =>
    result.messages.map((message) => `${where}: html ${message.ruleId} ${message.message} (line ${message.line})`),
  );
}
