// Real-browser smoke test for Commonroom: headless Chromium driven by playwright-core,
// accessibility checked with axe-core. Run by tests/api/browser.rs, or by hand:
//
//   cd tests/browser && npm ci
//   BASE_URL=http://127.0.0.1:18102 EMAIL=… PASSWORD=… CHANNEL=digital-comms node smoke.mjs
//
// The database must hold that one user (who follows CHANNEL, an open channel) and no posts.
// Every step logs a line; the first failure stops the run, saves a screenshot and the page's
// HTML to tests/browser/test-results/, and the script exits non-zero. The last line is
// "N passed, M failed".

import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { AXE_TAGS, CheckFailed, STEP_TIMEOUT_MS, check, eventually, expectVisible, h1Text } from './checks.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(HERE, 'test-results');
const WHOLE_RUN_TIMEOUT_MS = 240_000;

// ---------------------------------------------------------------------------
// Inputs

const env = {
  BASE_URL: process.env.BASE_URL,
  EMAIL: process.env.EMAIL,
  PASSWORD: process.env.PASSWORD,
  CHANNEL: process.env.CHANNEL,
};
const missing = Object.entries(env).filter(([, v]) => !v).map(([k]) => k);
if (missing.length) {
  console.error(`smoke: missing environment variable(s): ${missing.join(', ')}`);
  console.error('usage: BASE_URL=http://127.0.0.1:PORT EMAIL=admin@example.org PASSWORD=… CHANNEL=slug node smoke.mjs');
  console.error('0 passed, 1 failed');
  process.exit(2);
}
const BASE_URL = env.BASE_URL.replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`smoke: no Chromium at ${CHROMIUM}. Install Debian's chromium package or set CHROMIUM=/path/to/chromium.`);
  console.error('0 passed, 1 failed');
  process.exit(2);
}

const url = (path) => BASE_URL + path;
const pathOf = (page) => new URL(page.url()).pathname;

// ---------------------------------------------------------------------------
// Page helpers (the checks themselves are in checks.mjs).

/** If the page shows the app's error summary, its text — to make a failed form submission self-explaining. */
async function errorSummary(page) {
  const box = page.locator('.error-summary');
  if ((await box.count()) === 0) return '';
  return ` The page shows an error summary: "${(await box.first().innerText()).replace(/\s+/g, ' ').trim()}".`;
}

/** Navigate and insist on a 200, so a 404 or 500 is reported as such rather than as a missing element. */
async function visit(page, path, what) {
  const response = await page.goto(url(path));
  const status = response ? response.status() : 0;
  check(status === 200, `expected ${what} at ${path} to answer 200, got ${status} at ${page.url()} (h1: "${await h1Text(page)}")`);
}

// ---------------------------------------------------------------------------
// Accessibility

async function axeCheck(page, label) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const violations = results.violations;
  const review = results.incomplete.map((r) => `${r.id}×${r.nodes.length}`);
  const reviewNote = review.length ? `; needs manual review: ${review.join(', ')}` : '';
  if (violations.length === 0) {
    log(`    axe: ${label} (${pathOf(page)}): 0 violations, ${results.passes.length} rules passed${reviewNote}`);
    return [];
  }
  if (reviewNote) log(`    axe: ${label}${reviewNote}`);
  log(`    axe: ${label} (${pathOf(page)}): ${violations.length} violation(s)`);
  for (const v of violations) {
    log(`      - ${v.id} [${v.impact}] ${v.help} (${v.helpUrl})`);
    for (const node of v.nodes) {
      const detail = (node.failureSummary || '').replace(/\s+/g, ' ').trim();
      log(`          at ${node.target.join(' ')}${detail ? ` — ${detail}` : ''}`);
    }
  }
  return violations.map((v) => `${label}: ${v.id}`);
}

// ---------------------------------------------------------------------------
// Running steps

const started = Date.now();
function log(line) {
  console.log(line);
}

const steps = [];
const step = (name, fn) => steps.push({ name, fn });

let browser;
let passed = 0;
let failed = 0;
let currentPage; // the page to screenshot if a step fails
const state = {}; // shared between steps: thread URL, post id, user name

function watchPage(page, label) {
  page.on('pageerror', (err) => log(`    [${label} page error] ${err.message.split('\n')[0]}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') log(`    [${label} console error] ${msg.text()}`);
  });
}

async function signIn(page) {
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

async function likeButton(page) {
  return page.locator(`#post-${state.postId}-reactions`).getByRole('button', { name: /^Like\b/ });
}

async function likeState(page) {
  const button = await likeButton(page);
  const n = await button.count();
  if (n !== 1) return { buttons: n };
  const countEl = button.locator('.reaction__count');
  return {
    buttons: 1,
    pressed: await button.getAttribute('aria-pressed'),
    count: (await countEl.count()) ? (await countEl.innerText()).trim() : '0',
    who: (await page.locator(`#post-${state.postId}-reactions p.reactions__who`).allInnerTexts()).join(' | '),
  };
}

// ---------------------------------------------------------------------------
// The steps

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const LINK = 'https://www.gov.uk/guidance/content-design';
const TITLE = `Content design guidance worth rereading ${stamp}`;
const BOLD = 'start with user needs';
const SCRIPT = '<script>window.__xss=1</script>';
const BODY = `The GOV.UK guide is the clearest explanation of why we should **${BOLD}**.\n\nSneaky: ${SCRIPT} should show up as plain text.`;
const REPLY = `Agreed, we used this for the style guide review (${stamp}).`;

step('Signed-out visit to / redirects to the sign-in page, which passes axe', async (page) => {
  await page.goto(url('/'));
  check(pathOf(page) === '/login', `expected a redirect to /login, but landed on ${page.url()} (h1: "${await h1Text(page)}")`);
  await expectVisible(page.getByRole('heading', { level: 1, name: /Sign in/ }), 'a level-1 heading "Sign in …"');
  const violations = await axeCheck(page, 'sign-in page');
  check(violations.length === 0, `axe found ${violations.length} violation(s) on the sign-in page: ${violations.join(', ')}`);
});

step('Sign in with the labelled fields and land on Home', async (page) => {
  await signIn(page);
  check(pathOf(page) === '/', `expected to land on / after signing in, but got ${page.url()}`);
  await expectVisible(page.getByRole('heading', { level: 1, name: 'Home', exact: true }), 'the level-1 heading "Home"');
  const me = page.locator('.me__name');
  await expectVisible(me, "the signed-in user's name in the header (.me__name)");
  state.userName = (await me.first().innerText()).trim();
  check(state.userName.length > 0, "the header shows an empty user name");
  log(`    signed in as "${state.userName}"`);
});

step(`Post a link with a Markdown note in #${env.CHANNEL}; XSS attempt stays inert`, async (page) => {
  await visit(page, `/c/${env.CHANNEL}`, 'the channel page');
  check(pathOf(page) === `/c/${env.CHANNEL}`, `expected the channel page /c/${env.CHANNEL}, but got ${page.url()} (h1: "${await h1Text(page)}")`);
  // The composer is folded away under "Share with #channel" until opened.
  const summary = page.locator('details.composer > summary');
  await expectVisible(summary, `the "Share with #${env.CHANNEL}" control (may this user post there?)`);
  if ((await page.locator('details.composer[open]').count()) === 0) await summary.click();
  await expectVisible(page.locator('form[action$="/posts"]'), `the composer on #${env.CHANNEL} after opening it`);
  await page.getByLabel('A link, with a note on why it matters', { exact: true }).check();
  await page.getByLabel('Link address', { exact: true }).fill(LINK);
  await page.getByLabel('Title or subject', { exact: true }).fill(TITLE);
  await page.getByLabel('Why it matters, or what you want to discuss', { exact: true }).fill(BODY);
  await Promise.all([
    page.waitForEvent('load'),
    page.getByRole('button', { name: 'Post', exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
  const m = pathOf(page).match(/^\/p\/(\d+)$/);
  check(m, `expected to land on the new thread /p/<id> after posting, but got ${page.url()}.${await errorSummary(page)}`);
  state.postId = m[1];
  state.threadUrl = url(`/p/${state.postId}`);
  log(`    thread is ${pathOf(page)}`);

  await expectVisible(page.getByRole('heading', { level: 1, name: TITLE, exact: true }), `the level-1 heading "${TITLE}"`);
  const post = page.locator(`#post-${state.postId}`);
  await expectVisible(post.getByText('gov.uk', { exact: true }), "the link's domain \"gov.uk\"");
  const href = await post.getByRole('link', { name: TITLE, exact: true }).first().getAttribute('href');
  check(href === LINK, `expected the post to link to ${LINK}, but its href is ${href}`);
  await expectVisible(post.locator('.prose strong', { hasText: BOLD }), `**${BOLD}** rendered as <strong>`);
  await expectVisible(post.locator('.prose').getByText(SCRIPT), `the literal text ${SCRIPT} shown as text`);
  const scripts = await post.locator('.prose script').count();
  check(scripts === 0, `the post body contains ${scripts} <script> element(s): raw HTML was not neutralised`);
  const xss = await page.evaluate(() => typeof window.__xss);
  check(xss === 'undefined', `window.__xss is ${xss}: the injected script ran`);
});

step('Reply on the thread', async (page) => {
  check(state.threadUrl, 'no thread from the previous step');
  if (!page.url().startsWith(state.threadUrl)) await visit(page, `/p/${state.postId}`, 'the thread');
  await page.getByLabel('Your reply', { exact: true }).fill(REPLY);
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/p/${state.postId}/replies`),
    page.getByRole('button', { name: 'Reply', exact: true }).click(),
  ]);
  await page.waitForLoadState('load');
  check(pathOf(page) === `/p/${state.postId}`, `expected to be back on the thread /p/${state.postId} after replying, but got ${page.url()}.${await errorSummary(page)}`);
  await expectVisible(page.locator('ol.replies li', { hasText: REPLY }), `the reply "${REPLY}" in ol.replies`);
});

step('Like the post: htmx swaps the reactions in place, and it persists', async (page) => {
  if (!page.url().startsWith(state.threadUrl)) await visit(page, `/p/${state.postId}`, 'the thread');
  await eventually(() => page.evaluate(() => typeof window.htmx), (v) => v === 'object', 'htmx did not load on the thread page (window.htmx)');
  const before = await likeState(page);
  check(before.buttons === 1, `expected one "Like" button in #post-${state.postId}-reactions, found ${before.buttons}`);
  check(before.pressed === 'false' && before.count === '0', `expected the Like button unpressed with no count before liking, got ${JSON.stringify(before)}`);

  const urlBefore = page.url();
  await page.evaluate(() => { window.__smokeNoReload = true; });
  let navigations = 0;
  const onNav = (frame) => { if (frame === page.mainFrame()) navigations += 1; };
  page.on('framenavigated', onNav);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/p/${state.postId}/react`),
    (await likeButton(page)).click(),
  ]);
  check(response.request().headers()['hx-request'] === 'true', 'the Like request was not sent by htmx (no HX-Request header): the form submitted normally');
  check(response.status() === 200, `expected the htmx reaction request to answer 200 with a fragment, got ${response.status()}`);
  const after = await eventually(() => likeState(page), (s) => s.pressed === 'true' && s.count === '1',
    'after clicking Like, expected aria-pressed="true" and count 1');
  page.off('framenavigated', onNav);
  check(page.url() === urlBefore, `the URL changed from ${urlBefore} to ${page.url()}`);
  check(navigations === 0 && (await page.evaluate(() => window.__smokeNoReload === true)), 'the page navigated/reloaded: htmx did not swap in place');
  check(after.who.includes(state.userName), `expected p.reactions__who to name "${state.userName}", got "${after.who}"`);
  log(`    swapped in place: ${JSON.stringify(after)}`);
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent || '').trim().slice(0, 30)}"` : 'nothing';
  });
  if (/^body\b/.test(focused)) {
    log('    warning (not failed): keyboard focus fell back to <body> after the swap; the Like button was replaced and nothing re-focused it');
  } else {
    log(`    focus after the swap: ${focused}`);
  }

  await page.reload();
  const reloaded = await likeState(page);
  check(reloaded.pressed === 'true' && reloaded.count === '1' && reloaded.who.includes(state.userName),
    `after reloading, expected the like to persist (pressed, count 1, by ${state.userName}), got ${JSON.stringify(reloaded)}`);
});

step('axe: home, channel, thread, share and admin pages have no WCAG 2.1 A/AA violations', async (page) => {
  const all = [];
  const pages = [
    ['home', '/'],
    ['channel', `/c/${env.CHANNEL}`],
    ['thread', `/p/${state.postId}`],
    ['share', '/share?url=https%3A%2F%2Fwww.gov.uk%2Fguidance%2Fcontent-design&title=Content%20design'],
    ['sites', '/admin/sites'],
    ['invites', '/admin/invites'],
    ['channels', '/channels'],
  ];
  for (const [label, path] of pages) {
    await visit(page, path, `the ${label} page`);
    check(pathOf(page) === path || pathOf(page) === path.split('?')[0], `expected ${path}, but got ${page.url()}`);
    all.push(...(await axeCheck(page, `${label} page`)));
  }
  check(all.length === 0, `axe found ${all.length} violation(s): ${all.join(', ')}`);
});

step('Without JavaScript, the Like button still works as a plain form POST', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    watchPage(page, 'no-JS');
    currentPage = page;
    await page.goto(url('/'));
    check(pathOf(page) === '/login', `expected a redirect to /login, got ${page.url()}`);
    await signIn(page);
    await visit(page, `/p/${state.postId}`, 'the thread');
    const before = await likeState(page);
    check(before.pressed === 'true' && before.count === '1', `expected the like from the previous step (pressed, count 1), got ${JSON.stringify(before)}`);

    for (const [expectPressed, expectCount] of [['false', '0'], ['true', '1']]) {
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/p/${state.postId}/react`),
        page.waitForEvent('load'),
        (await likeButton(page)).click(),
      ]);
      check(!response.request().headers()['hx-request'], 'the no-JS request carried an HX-Request header');
      check(response.status() === 303, `expected the plain form POST to redirect (303), got ${response.status()}`);
      await page.waitForLoadState('load');
      check(pathOf(page) === `/p/${state.postId}`, `expected to come back to the thread /p/${state.postId}, got ${page.url()}`);
      const s = await likeState(page);
      check(s.pressed === expectPressed && s.count === expectCount,
        `after the no-JS click, expected aria-pressed="${expectPressed}" and count ${expectCount}, got ${JSON.stringify(s)}`);
      log(`    page reloaded at ${new URL(page.url()).pathname}${new URL(page.url()).hash}: ${JSON.stringify(s)}`);
    }
  } finally {
    currentPage = undefined;
    await context.close();
  }
});

// ---------------------------------------------------------------------------

/** A failed check's own message; for a Playwright error, its gist and where in this script it happened. */
function describeError(e) {
  if (e instanceof CheckFailed) return e.message;
  // eslint-disable-next-line no-control-regex
  const plain = (text) => String(text || '').replace(/\x1b\[[0-9;]*m/g, '');
  const lines = plain(e.message).split('\n').map((l) => l.trim()).filter((l) => l && l !== 'Call log:');
  const where = plain(e.stack).split('\n').find((l) => l.includes('smoke.mjs'));
  return `${lines.slice(0, 3).join(' / ')}${where ? ` (${where.trim()})` : ''}`;
}

async function saveFailure(page, index) {
  if (!page || page.isClosed()) return;
  try {
    mkdirSync(RESULTS, { recursive: true });
    const base = join(RESULTS, `step-${index}-failure`);
    await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5_000 });
    writeFileSync(`${base}.html`, await page.content());
    log(`    saved ${relative(process.cwd(), base)}.png and .html (page was ${page.url()})`);
  } catch (e) {
    log(`    could not save a screenshot: ${e.message.split('\n')[0]}`);
  }
}

async function main() {
  log(`Commonroom browser smoke test against ${BASE_URL} (Chromium: ${CHROMIUM})`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  log(`Chromium ${browser.version()}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS * 2);
  const page = await context.newPage();
  watchPage(page, 'browser');

  for (const [i, s] of steps.entries()) {
    const n = i + 1;
    const t0 = Date.now();
    log(`[${n}/${steps.length}] ${s.name}`);
    try {
      await s.fn(page);
      passed += 1;
      log(`  ok ${n} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed += 1;
      log(`  FAILED ${n}: ${describeError(e)}`);
      await saveFailure(currentPage || page, n);
      const notRun = steps.length - n;
      if (notRun) log(`  stopping: ${notRun} later step(s) not run`);
      break;
    }
  }
  await browser.close();
  log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

const watchdog = setTimeout(() => {
  console.log(`smoke: gave up after ${WHOLE_RUN_TIMEOUT_MS / 1000} s`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, WHOLE_RUN_TIMEOUT_MS);
watchdog.unref();

main().then(
  (code) => process.exit(code),
  async (e) => {
    console.log(`smoke: could not run: ${e.stack || e}`);
    if (browser) await browser.close().catch(() => {});
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  },
);
