// Real-browser test of every page on a small screen: each page an administrator (who is also
// a curator) can reach, the signed-out pages and an error page, at 320 CSS pixels wide (a
// 1280px screen at 400% zoom) must not scroll sideways (WCAG 1.4.10 Reflow), and axe-core
// (WCAG 2.2 A/AA, target size included) must pass on each, wide and narrow. The header must
// stay short on a phone and its menu work by keyboard without JavaScript; each timeline is
// offered once; the bookmarklet is offered to drag, not as a button that does nothing.
// Run by tests/api/browser.rs, or by hand:
//
//   cd tests/browser && npm ci
//   BASE_URL=http://127.0.0.1:18102 EMAIL=… PASSWORD=… CHANNEL=slug PRIVATE=slug POST=1 REPLY=1 \
//     PERSON=handle FEED=1 INVITE=token RESET=token WORD=evidence LINK=https://… node pages.mjs
//
// The database must hold: the administrator EMAIL, following CHANNEL (an open channel) and a
// member of PRIVATE (a private channel); POST in CHANNEL, linking to LINK, with REPLY (theirs)
// saying WORD; PERSON (a member of PRIVATE); FEED (followed, polled, with items in the inbox and
// one dismissed); INVITE (an open invite token); RESET (an open password reset token); a listed
// site; sign-up open (auth.signup_domains); a licence application and a channel request waiting;
// MEMBER_EMAIL (a member with the same PASSWORD and no application, for the application form).
// Long unbroken words and addresses in all of these are what makes reflow worth testing.
// harness.mjs runs the steps: the first failure stops the run and saves a screenshot.

import {
  atWidth, check, eventually, expectAxeClean, expectNoSidewaysScroll, expectVisible, h1Text, inputs,
  log, noUncaughtErrors, openSignIn, pathOf, run, signIn, step, url, visit, withContext,
} from './harness.mjs';

const env = inputs(
  'pages',
  ['CHANNEL', 'PRIVATE', 'LOBBY', 'POST', 'REPLY', 'THEIRS', 'PERSON', 'FEED', 'INVITE', 'RESET', 'MEMBER_EMAIL', 'WORD', 'LINK', 'WEEK', 'CONFIRM', 'MANAGE', 'UNSUBSCRIBE', 'PERSON_ID'],
  'BASE_URL=http://127.0.0.1:PORT EMAIL=admin@example.org PASSWORD=… CHANNEL=slug PRIVATE=slug LOBBY=slug POST=id REPLY=id THEIRS=id PERSON=handle FEED=id INVITE=token RESET=token MEMBER_EMAIL=… WORD=word LINK=url WEEK=2026-W49 CONFIRM=/digest/confirm/… MANAGE=/digest/subscription/… UNSUBSCRIBE=/unsubscribe/… PERSON_ID=id node pages.mjs',
);

const NARROW = 320; // WCAG 1.4.10: 1280px at 400% zoom
const PHONE = 360; // a common phone width
const HEADER_MAX = 120; // CSS px the header may take at PHONE (and NARROW) width

// Every page a signed-in administrator can reach, with a name for messages.
const SIGNED_IN = [
  ['home page', '/'],
  ['all posts', '/all'],
  ['channels list', '/channels'],
  ['channel page', `/c/${env.CHANNEL}`],
  ['new channel page', '/channels/new'],
  ['private channel page', `/c/${env.PRIVATE}`],
  ['private channel members page (requests, deputy)', `/c/${env.PRIVATE}/members`],
  ['leave a channel page', `/c/${env.PRIVATE}/leave`],
  ['working group lobby', `/c/${env.LOBBY}`],
  ['thread page', `/p/${env.POST}`],
  ['post edit page', `/p/${env.POST}/edit`],
  ['reply edit page', `/r/${env.REPLY}/edit`],
  ['share page (already shared)', `/share?url=${encodeURIComponent(env.LINK)}&title=${encodeURIComponent('A title')}`],
  ['search results page', `/search?q=${encodeURIComponent(env.WORD)}`],
  ['profile page', `/u/${env.PERSON}`],
  ['email settings page', '/settings/email'],
  ['password page', '/settings/password'],
  ['editor note page', '/digest/note'],
  ['digest list', '/digest'],
  ['coming digest page', `/digest/${env.WEEK}`],
  ['digest preview page', `/digest/preview?email=${encodeURIComponent(env.EMAIL)}`],
  ['admin digest page', '/admin/digest'],
  ['inbox', '/inbox'],
  ['dismissed inbox', '/inbox?view=dismissed'],
  ['feeds list', '/feeds'],
  ['feed settings page', `/feeds/${env.FEED}`],
  ['admin invites page', '/admin/invites'],
  ['admin people page', '/admin/users'],
  ['audit log', '/audit'],
  ['admin person page', `/admin/users/${env.PERSON_ID}`],
  ['admin sites page', '/admin/sites'],
  ['guidelines page', '/guidelines'],
  ['guidelines edit page', '/guidelines/edit'],
  ['report page', `/p/${env.THEIRS}/report`],
  ['moderation queue', '/moderation'],
  ['moderation person page', `/moderation/people/${env.PERSON_ID}`],
  ['notifications page', '/notifications'],
  ['notification settings page', '/settings/notifications'],
  ['applications page', '/applications'],
  ['register of contributors', '/register/contributors'],
  ['register of channels', '/register/channels'],
  ['channel request page', '/channels/request'],
  ['apply page (licence held)', '/apply'],
];

// The pages someone not signed in sees.
const SIGNED_OUT = [
  ['sign-in page', '/login'],
  ['sign-up page', '/signup'],
  ['invite page', `/invite/${env.INVITE}`],
  ['forgotten password page', '/password/forgot'],
  ['new password page', `/password/reset/${env.RESET}`],
  ['digest subscribe page', '/digest/subscribe'],
  ['subscription confirm page', env.CONFIRM],
  ['subscription page', env.MANAGE],
  ['unsubscribe page', env.UNSUBSCRIBE],
];

/** Open `path` expecting `status`, so a 404 or 500 is reported as such. */
async function open(page, path, what, status = 200) {
  if (status === 200) return visit(page, path, what);
  const response = await page.goto(url(path));
  const got = response ? response.status() : 0;
  check(got === status, `expected ${what} at ${path} to answer ${status}, got ${got} (h1: "${await h1Text(page)}")`);
}

/** The page passes axe wide, then at 320px neither scrolls sideways nor fails axe. */
async function checkPage(page, what, path, status = 200) {
  await open(page, path, what, status);
  await expectAxeClean(page, what);
  await atWidth(page, NARROW, async () => {
    await open(page, path, what, status);
    await expectNoSidewaysScroll(page, `the ${what} (${path})`);
    await expectAxeClean(page, `${what} at ${NARROW}px`);
  });
}

const headerHeight = (page) => page.locator('.site-header').evaluate((h) => Math.round(h.getBoundingClientRect().height));

/** The visible links in the header's navigation, by name. */
const visibleNavLinks = (page) => page.locator('nav[aria-label="Main"] a').evaluateAll((links) =>
  links.filter((a) => a.checkVisibility({ visibilityProperty: true })).map((a) => a.textContent.trim()));

// ---------------------------------------------------------------------------
// The steps

for (const [what, path] of SIGNED_OUT) {
  step(`Signed out, the ${what} fits ${NARROW}px and passes axe`, (page) => checkPage(page, what, path));
}

step(`Signed out, a reset link that no longer works answers 410 with a page that fits ${NARROW}px and passes axe`, (page) =>
  checkPage(page, 'spent reset link page', '/password/reset/no-longer-a-link', 410));

step('Sign in as the administrator', async (page) => {
  await openSignIn(page);
  await signIn(page);
  check(pathOf(page) === '/', `expected to land on / after signing in, but got ${page.url()}`);
});

for (const [what, path] of SIGNED_IN) {
  step(`The ${what} fits ${NARROW}px and passes axe`, (page) => checkPage(page, what, path));
}

step(`A member's application form fits ${NARROW}px and passes axe, and its errors do too`, () =>
  withContext({}, 'member', async (page) => {
    await openSignIn(page);
    await page.getByLabel('Work email address', { exact: true }).fill(env.MEMBER_EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(env.PASSWORD);
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
    check(pathOf(page) === '/', `expected ${env.MEMBER_EMAIL} to be signed in, but got ${page.url()}`);
    await checkPage(page, 'application form', `/apply?next=/c/${env.CHANNEL}`);
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Send application' }).click()]);
    const errors = await page.locator('.error-summary li').count();
    check(errors === 4, `expected the empty application to list 4 problems, got ${errors}`);
    await expectAxeClean(page, 'application form with errors');
  }));

step(`An unknown address shows the 404 page, which fits ${NARROW}px and passes axe`, (page) =>
  checkPage(page, 'not-found page', '/no-such-page', 404));

step(`On a phone (${PHONE}px) and at ${NARROW}px the header takes at most ${HEADER_MAX}px; wide, every link shows`, async (page) => {
  await visit(page, '/', 'the home page');
  const wide = await headerHeight(page);
  const links = await visibleNavLinks(page);
  const expected = ['Home', 'All posts', 'Channels', 'Inbox', 'Feeds', 'Moderation', 'Applications', 'People', 'Sites', 'Digest'];
  check(JSON.stringify(links) === JSON.stringify(expected), `expected the header to show ${JSON.stringify(expected)} on a wide screen, got ${JSON.stringify(links)}`);
  const heights = { 1280: wide };
  for (const width of [PHONE, NARROW]) {
    heights[width] = await atWidth(page, width, async () => {
      await visit(page, '/', 'the home page');
      return headerHeight(page);
    });
  }
  log(`    header height: ${JSON.stringify(heights)} (CSS px by viewport width)`);
  for (const width of [PHONE, NARROW]) {
    check(heights[width] <= HEADER_MAX, `expected the header to take at most ${HEADER_MAX}px at ${width}px wide, it takes ${heights[width]}px`);
  }
});

step(`Without JavaScript, at ${PHONE}px, the header's menu opens from the keyboard and its links work`, () =>
  withContext({ javaScriptEnabled: false, viewport: { width: PHONE, height: 800 } }, 'no-JS phone', async (page) => {
    await openSignIn(page);
    await signIn(page);
    const menu = page.locator('.site-header summary');
    await expectVisible(menu, 'the header\'s menu button (a <summary>)');
    check((await visibleNavLinks(page)).length === 0, `expected the navigation folded away on a phone, but it shows ${JSON.stringify(await visibleNavLinks(page))}`);
    // Tab to the menu, as someone on a keyboard would.
    let focused = '';
    for (let i = 0; i < 12 && focused !== 'SUMMARY'; i += 1) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.tagName);
    }
    check(focused === 'SUMMARY', 'expected Tab to reach the header\'s menu button within 12 presses');
    await page.keyboard.press('Enter');
    await eventually(() => visibleNavLinks(page), (l) => l.includes('Channels'), 'expected Enter on the menu button to show the navigation');
    const current = await page.locator('nav[aria-label="Main"] a[aria-current="page"]').allTextContents();
    check(current.join() === 'Home', `expected "Home" to be the current page in the menu, got ${JSON.stringify(current)}`);
    // Tab on into the menu's links and follow "Channels".
    for (let i = 0; i < 12 && (await page.evaluate(() => document.activeElement?.textContent.trim())) !== 'Channels'; i += 1) {
      await page.keyboard.press('Tab');
    }
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    check(pathOf(page) === '/channels', `expected the menu's "Channels" to open /channels, got ${page.url()}`);
    const height = await headerHeight(page);
    check(height <= HEADER_MAX, `expected the header (menu closed again on the new page) to take at most ${HEADER_MAX}px, it takes ${height}px`);
  }));

step('Each timeline is offered once (the header names Home and All posts; the page repeats neither), and aria-current is right', async (page) => {
  for (const [path, current] of [['/', 'Home'], ['/all', 'All posts']]) {
    await visit(page, path, current);
    const links = await page.evaluate(() => Array.from(document.querySelectorAll('a:not(.brand):not(.skip-link)'))
      .filter((a) => ['/', '/all'].includes(a.getAttribute('href')))
      .map((a) => `${a.textContent.trim()} → ${a.getAttribute('href')}${a.hasAttribute('aria-current') ? ` (aria-current=${a.getAttribute('aria-current')})` : ''}`));
    const expected = [`Home → /${current === 'Home' ? ' (aria-current=page)' : ''}`, `All posts → /all${current === 'All posts' ? ' (aria-current=page)' : ''}`];
    check(JSON.stringify(links) === JSON.stringify(expected), `expected the links to / and /all on ${path} to be ${JSON.stringify(expected)}, got ${JSON.stringify(links)}`);
  }
  // A page within a section marks the section's link as current, but not as this page.
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [path, current] of [['/channels', 'page'], [`/c/${env.CHANNEL}`, 'true'], ['/feeds', 'page'], [`/feeds/${env.FEED}`, 'true']]) {
    await visit(page, path, path);
    const marked = await nav.locator('a[aria-current]').evaluateAll((as) => as.map((a) => `${a.textContent.trim()}=${a.getAttribute('aria-current')}`));
    const section = path.startsWith('/c') ? 'Channels' : 'Feeds';
    check(marked.join() === `${section}=${current}`, `expected only "${section}" marked aria-current="${current}" in the header on ${path}, got ${JSON.stringify(marked)}`);
  }
});

step('The share page offers the bookmarklet to drag to the bookmarks bar, not as a button, with its address to copy', async (page) => {
  await visit(page, '/share', 'the share page');
  const section = page.getByRole('region', { name: 'Share from any page' });
  await expectVisible(section, 'the "Share from any page" section');
  const link = section.locator('a[href^="javascript:"]');
  check((await link.count()) === 1, `expected one bookmarklet link, found ${await link.count()}`);
  const className = (await link.getAttribute('class')) || '';
  check(!/\bbutton\b/.test(className), `the bookmarklet is styled as a button (class="${className}"), but clicking it here does nothing`);
  const text = (await section.innerText()).replace(/\s+/g, ' ');
  check(/drag .*bookmarks bar/i.test(text), `expected the section to say to drag the link to the bookmarks bar, got "${text}"`);
  const href = await link.getAttribute('href');
  const copy = section.getByRole('textbox', { name: /address/i });
  check((await copy.count()) === 1, 'expected a labelled box holding the bookmarklet\'s address, for people who cannot drag');
  check((await copy.inputValue()) === href, `expected the box to hold the bookmarklet's address, got "${await copy.inputValue()}"`);
  check((await copy.getAttribute('readonly')) !== null, 'expected the address box to be read-only');
});

step('No uncaught JavaScript errors on any page', noUncaughtErrors);

run({ about: `${SIGNED_IN.length + SIGNED_OUT.length + 1} pages` });
