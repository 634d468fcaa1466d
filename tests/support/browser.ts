import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package; RULEMQ_CHROMIUM overrides it. playwright-core never downloads a browser. */
export const CHROMIUM = process.env.RULEMQ_CHROMIUM ?? '/usr/bin/chromium';

/** docs/ at the repository root, where the dashboard screenshots live (tests run from dist/tests/...). */
export const DOCS_DIR = fileURLToPath(new URL('../../../docs/', import.meta.url));
/**
 * Where a test run writes its screenshots: docs/ with RULEMQ_UPDATE_SCREENSHOTS=1 (to refresh the
 * pictures the docs show), else a temporary folder, so `npm test` leaves the tree unchanged.
 */
const SHOTS_DIR = process.env.RULEMQ_UPDATE_SCREENSHOTS === '1' ? DOCS_DIR : join(tmpdir(), 'rulemq-screenshots/');

/** One headless Chromium for a test file. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set RULEMQ_CHROMIUM)`);
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A page that records uncaught script errors, so a test can assert the dashboard threw nothing (HTTP errors are expected and shown). */
export async function openPage(browser: Browser, url: string): Promise<Page & { errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(10_000);
  await page.goto(url);
  return Object.assign(page, { errors });
}

/** Saves a screenshot of the page as <name>.png (see SHOTS_DIR). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: `${SHOTS_DIR}${name}.png`, fullPage: true });
}
