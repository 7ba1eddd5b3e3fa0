// The harness the real-browser tests share (playwright-core has no test runner and no
// `expect`). A script calls inputs() first, registers its steps with step() and ends with
// run(), which launches Chromium, runs the steps in order and stops at the first failure:
// a failed check throws CheckFailed with a sentence saying what was expected and what was
// found, and the page's screenshot and HTML go to tests/browser/test-results/. The last line
// is "N passed, M failed" and the exit status is non-zero on any failure, which is what
// tests/api/browser.rs goes by. KEEP_GOING=1 runs the later steps after a failure too, to see
// every failing step at once (some may then fail only because of an earlier one).

import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), 'test-results');
// WCAG 2.2 AA: wcag22aa adds target-size (2.5.8) to the 2.0 and 2.1 rules.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const STEP_TIMEOUT_MS = 15_000;
const WHOLE_RUN_TIMEOUT_MS = 240_000;
const started = Date.now();

export function log(line) {
  console.log(line);
}

// ---------------------------------------------------------------------------
// Checks

class CheckFailed extends Error {}

export function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/** Poll `probe` until `accept(value)` holds; otherwise fail with `describe(lastValue)`. */
export async function eventually(probe, accept, describe, timeout = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeout;
  let last;
  let lastError;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (accept(last)) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const seen = lastError ? `error: ${lastError.message.split('\n')[0]}` : JSON.stringify(last);
      throw new CheckFailed(`${describe} (last seen: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function expectVisible(locator, what) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  } catch {
    const count = await locator.count().catch(() => 0);
    throw new CheckFailed(`expected ${what} to be visible, but ${count === 0 ? 'found no such element' : `found ${count} hidden match(es)`}`);
  }
}

// ---------------------------------------------------------------------------
// Inputs

let script; // the script's name, for messages and failure files
let env;
let BASE_URL;
let CHROMIUM;

/**
 * The environment: BASE_URL, EMAIL and PASSWORD (every script signs in) and the script's own
 * `names`. With any missing, or no Chromium, say so and exit 2 before anything runs.
 */
export function inputs(name, names, usage) {
  script = name;
  const wanted = ['BASE_URL', 'EMAIL', 'PASSWORD', ...names];
  env = Object.fromEntries(wanted.map((k) => [k, process.env[k]]));
  const missing = wanted.filter((k) => !env[k]);
  if (missing.length) {
    console.error(`${script}: missing environment variable(s): ${missing.join(', ')}`);
    console.error(`usage: ${usage}`);
    console.error('0 passed, 1 failed');
    process.exit(2);
  }
  BASE_URL = env.BASE_URL.replace(/\/+$/, '');
  CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(CHROMIUM)) {
    console.error(`${script}: no Chromium at ${CHROMIUM}. Install Debian's chromium package or set CHROMIUM=/path/to/chromium.`);
    console.error('0 passed, 1 failed');
    process.exit(2);
  }
  return env;
}

export const url = (path) => BASE_URL + path;
export const pathOf = (page) => new URL(page.url()).pathname;
export const pathAndQuery = (page) => { const u = new URL(page.url()); return u.pathname + u.search; };

// ---------------------------------------------------------------------------
// Page helpers

export async function h1Text(page) {
  const h1 = page.getByRole('heading', { level: 1 });
  return (await h1.count()) ? (await h1.first().innerText()).trim() : '(no h1)';
}

/** If the page shows the app's error summary, its text — to make a failed form submission self-explaining. */
export async function errorSummary(page) {
  const box = page.locator('.error-summary');
  if ((await box.count()) === 0) return '';
  return ` The page shows an error summary: "${(await box.first().innerText()).replace(/\s+/g, ' ').trim()}".`;
}

/** Navigate and insist on a 200, so a 404 or 500 is reported as such rather than as a missing element. */
export async function visit(page, path, what) {
  const response = await page.goto(url(path));
  const status = response ? response.status() : 0;
  check(status === 200, `expected ${what} at ${path} to answer 200, got ${status} at ${page.url()} (h1: "${await h1Text(page)}")`);
}

/** Open / signed out, which must send the visitor to the sign-in page. */
export async function openSignIn(page) {
  await page.goto(url('/'));
  check(pathOf(page) === '/login', `expected a redirect to /login, but landed on ${page.url()} (h1: "${await h1Text(page)}")`);
}

/** Sign in as EMAIL from the sign-in page, through its labelled fields. */
export async function signIn(page) {
  await page.getByLabel('Work email address', { exact: true }).fill(env.EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(env.PASSWORD);
  await Promise.all([
    page.waitForEvent('load'),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
  if (pathOf(page) === '/login') {
    throw new CheckFailed(`signing in as ${env.EMAIL} did not leave the sign-in page.${await errorSummary(page)}`);
  }
}

/** Insist htmx loaded, so a step checking what htmx does fails as "no htmx" rather than as a broken swap. */
export async function expectHtmx(page, where) {
  await eventually(() => page.evaluate(() => typeof window.htmx), (v) => v === 'object', `htmx did not load on ${where} (window.htmx)`);
}

// ---------------------------------------------------------------------------
// Small screens

/** What sticks out past the right edge: the outermost such elements, as tag#id.class (to Npx). */
async function sidewaysScroll(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const sticksOut = (el) => el && el.getBoundingClientRect().right > width + 0.5;
    const name = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
    const over = Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getClientRects().length && sticksOut(el) && !sticksOut(el.parentElement))
      .map((el) => `${name(el)} (to ${Math.round(el.getBoundingClientRect().right)}px)`);
    return { scrollWidth: document.documentElement.scrollWidth, width, over };
  });
}

/**
 * WCAG 1.4.10 Reflow: at the page's current width nothing may scroll sideways
 * (document scrollWidth within clientWidth); names what sticks out if it does.
 */
export async function expectNoSidewaysScroll(page, what) {
  const s = await sidewaysScroll(page);
  check(s.scrollWidth <= s.width, `${what} scrolls sideways at ${s.width} CSS px: it is ${s.scrollWidth}px wide; sticking out: ${s.over.join(', ') || '(nothing visible; check overflow)'}`);
}

/** Run `fn` with the main page at `width` CSS pixels, and put it back to 1280 × 900 afterwards. */
export async function atWidth(page, width, fn) {
  await page.setViewportSize({ width, height: 800 });
  try {
    return await fn();
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
}

// ---------------------------------------------------------------------------
// Accessibility

/** Run axe (WCAG 2.2 A/AA) and log what it found; the violations as "label: rule", for one message per step. */
export async function axeCheck(page, label) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const violations = results.violations;
  const review = results.incomplete.map((r) => `${r.id}×${r.nodes.length}`);
  const reviewNote = review.length ? `; needs manual review: ${review.join(', ')}` : '';
  if (violations.length === 0) {
    log(`    axe: ${label} (${pathAndQuery(page)}): 0 violations, ${results.passes.length} rules passed${reviewNote}`);
    return [];
  }
  if (reviewNote) log(`    axe: ${label}${reviewNote}`);
  log(`    axe: ${label} (${pathAndQuery(page)}): ${violations.length} violation(s)`);
  for (const v of violations) {
    log(`      - ${v.id} [${v.impact}] ${v.help} (${v.helpUrl})`);
    for (const node of v.nodes) {
      const detail = (node.failureSummary || '').replace(/\s+/g, ' ').trim();
      log(`          at ${node.target.join(' ')}${detail ? ` — ${detail}` : ''}`);
    }
  }
  return violations.map((v) => `${label}: ${v.id}`);
}

export async function expectAxeClean(page, label) {
  const violations = await axeCheck(page, label);
  check(violations.length === 0, `axe found ${violations.length} violation(s) on the ${label}: ${violations.join(', ')}`);
}

// ---------------------------------------------------------------------------
// Running steps

const steps = [];
let options = {};
let browser;
let passed = 0;
let failed = 0;
let current = 0; // the running step's number, for the failure files' names
let failureSaved = false; // withContext saved it while its page was still open
const pageErrors = []; // uncaught exceptions in the app's pages, for noUncaughtErrors

/** Add a step; `fn` gets the main page, signed in or not as the steps before left it. */
export function step(name, fn) {
  steps.push({ name, fn });
}

/** A step's body: fail if any page threw an uncaught exception so far. */
export async function noUncaughtErrors() {
  check(pageErrors.length === 0, `${pageErrors.length} uncaught error(s): ${pageErrors.join(' | ')}`);
}

function watchPage(page, label) {
  page.on('pageerror', (err) => {
    const line = err.message.split('\n')[0];
    pageErrors.push(`${label}: ${line}`);
    log(`    [${label} page error] ${line}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !options.quietConsole?.test(msg.text())) log(`    [${label} console error] ${msg.text()}`);
  });
  options.watch?.(page, label);
}

function setTimeouts(context) {
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS * 2);
}

/**
 * Run `fn` with a page in a browser context of its own (e.g. { javaScriptEnabled: false }),
 * watched as `label`, and close the context afterwards.
 */
export async function withContext(contextOptions, label, fn) {
  const context = await browser.newContext(contextOptions);
  setTimeouts(context);
  try {
    const page = await context.newPage();
    watchPage(page, label);
    try {
      return await fn(page);
    } catch (e) {
      // The page that failed is this one, and it is gone once the context closes.
      await saveFailure(page);
      failureSaved = true;
      throw e;
    }
  } finally {
    await context.close();
  }
}

/** A failed check's own message; for a Playwright error, its gist and where in the script it happened. */
function describeError(e) {
  if (e instanceof CheckFailed) return e.message;
  // eslint-disable-next-line no-control-regex
  const plain = (text) => String(text || '').replace(/\x1b\[[0-9;]*m/g, '');
  const lines = plain(e.message).split('\n').map((l) => l.trim()).filter((l) => l && l !== 'Call log:');
  const where = plain(e.stack).split('\n').find((l) => l.includes(`${script}.mjs`));
  return `${lines.slice(0, 3).join(' / ')}${where ? ` (${where.trim()})` : ''}`;
}

async function saveFailure(page) {
  if (!page || page.isClosed()) return;
  try {
    mkdirSync(RESULTS, { recursive: true });
    const base = join(RESULTS, `${script}-step-${current}-failure`);
    await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5_000 });
    writeFileSync(`${base}.html`, await page.content());
    log(`    saved ${relative(process.cwd(), base)}.png and .html (page was ${page.url()})`);
  } catch (e) {
    log(`    could not save a screenshot: ${e.message.split('\n')[0]}`);
  }
}

async function main() {
  const about = options.about ? `, ${options.about}` : '';
  log(`Commonroom browser ${script} test against ${BASE_URL}${about} (Chromium: ${CHROMIUM})`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  log(`Chromium ${browser.version()}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  setTimeouts(context);
  if (options.setup) await options.setup(context);
  const page = await context.newPage();
  watchPage(page, 'browser');
  context.on('page', (p) => watchPage(p, 'new tab'));

  for (const [i, s] of steps.entries()) {
    current = i + 1;
    failureSaved = false;
    const t0 = Date.now();
    log(`[${current}/${steps.length}] ${s.name}`);
    try {
      await s.fn(page);
      passed += 1;
      log(`  ok ${current} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed += 1;
      log(`  FAILED ${current}: ${describeError(e)}`);
      if (!failureSaved) await saveFailure(page);
      if (process.env.KEEP_GOING) continue;
      const notRun = steps.length - current;
      if (notRun) log(`  stopping: ${notRun} later step(s) not run`);
      break;
    }
  }
  await browser.close();
  log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

/**
 * Run the steps and exit with the result. Options: `about` (more for the first line),
 * `setup(context)` (before the main page opens), `quietConsole` (a pattern for console
 * errors a step expects) and `watch(page, label)` (more to watch on every page).
 */
export function run(runOptions = {}) {
  options = runOptions;
  // A hung browser must still end the run with a summary line and a failing status.
  const watchdog = setTimeout(() => {
    console.log(`${script}: gave up after ${WHOLE_RUN_TIMEOUT_MS / 1000} s`);
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  }, WHOLE_RUN_TIMEOUT_MS);
  watchdog.unref();

  main().then(
    (code) => process.exit(code),
    async (e) => {
      console.log(`${script}: could not run: ${e.stack || e}`);
      if (browser) await browser.close().catch(() => {});
      console.log(`${passed} passed, ${failed + 1} failed`);
      process.exit(1);
    },
  );
}
