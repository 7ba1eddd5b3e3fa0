// Real-browser test of the curator's inbox: follow a feed, triage its items by keyboard
// (j/k/o/d/s), share one into a channel, restore a dismissed one; axe-core checks the feeds,
// feed settings, inbox and share pages. Run by tests/api/browser.rs, or by hand:
//
//   cd tests/browser && npm ci
//   BASE_URL=http://127.0.0.1:18102 EMAIL=… PASSWORD=… CHANNEL=local-news \
//     FEED_URL=http://127.0.0.1:18103/feed.xml node inbox.mjs
//
// The database must hold that one curator (who may post in CHANNEL, an open channel), no
// feeds and no posts. FEED_URL must serve a feed of exactly three recent items with links,
// one of whose summaries tries to run script (setting window.__pwned or document.title).
// harness.mjs runs the steps: the first failure stops the run and saves a screenshot.

import {
  axeCheck, check, errorSummary, eventually, expectAxeClean, expectHtmx, expectVisible, h1Text, inputs,
  log, noUncaughtErrors, openSignIn, pathAndQuery, pathOf, run, signIn, step, url, visit,
} from './harness.mjs';

const env = inputs('inbox', ['CHANNEL', 'FEED_URL'], 'BASE_URL=http://127.0.0.1:PORT EMAIL=curator@example.org PASSWORD=… CHANNEL=slug FEED_URL=http://…/feed.xml node inbox.mjs');

// Shared between steps: the feed's id and title, and the three entries as first listed
// (state.entries[i] = { id, title, href }; A is the newest).
const state = {};

// ---------------------------------------------------------------------------
// Page helpers

async function flashText(page) {
  const flash = page.locator('.flash');
  return (await flash.count()) ? (await flash.first().innerText()).trim() : '(no flash message)';
}

/** Where keyboard focus is: the element, and the inbox entry it is in (if any). */
async function focusInfo(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return { element: 'nothing', entry: null, current: [] };
    const entry = el.closest ? el.closest('.inbox-entry') : null;
    return {
      element: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}`,
      entry: entry ? entry.id : null,
      current: Array.from(document.querySelectorAll('.inbox-entry.is-current')).map((e) => e.id),
    };
  });
}

/** Ids of the inbox entries on the page, in order. */
async function entryIds(page) {
  return page.locator('ol.inbox > li.inbox-entry').evaluateAll((lis) => lis.map((li) => li.id));
}

/** Watch for main-frame navigations (a full page load) and leave a marker a reload would wipe. */
async function watchForReload(page) {
  await page.evaluate(() => { window.__inboxNoReload = true; });
  let navigations = 0;
  const onNav = (frame) => { if (frame === page.mainFrame()) navigations += 1; };
  page.on('framenavigated', onNav);
  return async () => {
    page.off('framenavigated', onNav);
    const marker = await page.evaluate(() => window.__inboxNoReload === true);
    return { navigations, marker };
  };
}

/** Click the main navigation link `name` and wait for the page it leads to. */
async function followNav(page, name, path) {
  const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  await expectVisible(link, `the "${name}" link in the main navigation (is this user a curator?)`);
  await Promise.all([page.waitForEvent('load'), link.click()]);
  check(pathOf(page) === path, `expected the "${name}" link to lead to ${path}, got ${page.url()}`);
}

/** The three entries, by the letter the steps use. */
const entry = (letter) => {
  const e = state.entries && state.entries['ABC'.indexOf(letter)];
  check(e, `no entry ${letter} from the inbox step`);
  return e;
};

/** Press `key` while focus is in the inbox; wait until focus sits on entry `letter`. */
async function pressAndExpectFocus(page, key, letter) {
  await page.keyboard.press(key);
  const want = entry(letter).id;
  const seen = await eventually(() => focusInfo(page), (f) => f.element === `li#${want}`,
    `after pressing ${key}, expected focus on entry ${letter} (li#${want}: "${entry(letter).title}")`);
  check(seen.current.length === 1 && seen.current[0] === want,
    `after pressing ${key}, expected only li#${want} to be marked .is-current, got ${JSON.stringify(seen.current)}`);
}

// ---------------------------------------------------------------------------
// The steps

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const FOLDER = 'Councils';
const BOLD = 'gritting and library hours';
const NOTE = `Worth a look before the winter comms plan: compare **${BOLD}** with ours (${stamp}).`;

step('Sign in as the curator; the header offers Inbox and Feeds, and the empty inbox says how to fill it', async (page) => {
  await openSignIn(page);
  await signIn(page);
  check(pathOf(page) === '/', `expected to land on / after signing in, but got ${page.url()}`);
  state.userName = (await page.locator('.me__name').first().innerText()).trim();
  log(`    signed in as "${state.userName}"`);
  await followNav(page, 'Inbox', '/inbox');
  await expectVisible(page.getByRole('heading', { level: 1, name: 'Inbox', exact: true }), 'the level-1 heading "Inbox"');
  await expectVisible(page.getByText('You are not following any feeds yet.'), 'the "not following any feeds yet" message');
});

step('Follow the feed from the Feeds page (address, folder, Follow) and land on its settings', async (page) => {
  await followNav(page, 'Feeds', '/feeds');
  await expectAxeClean(page, 'feeds page, no feeds yet');
  await page.getByLabel('Feed or website address', { exact: true }).fill(env.FEED_URL);
  await page.getByLabel('Folder (optional)', { exact: true }).fill(FOLDER);
  const usually = await page.getByLabel('Usually shared into (optional)', { exact: true }).inputValue();
  check(usually === '', `expected "Usually shared into" to default to no channel, got "${usually}"`);
  await Promise.all([
    page.waitForEvent('load'),
    page.getByRole('button', { name: 'Follow', exact: true }).click(),
  ]);
  const m = pathOf(page).match(/^\/feeds\/(\d+)$/);
  check(m, `expected to land on /feeds/<id> after following ${env.FEED_URL}, but got ${page.url()}.${await errorSummary(page)}`);
  state.feedId = m[1];
  state.feedTitle = await h1Text(page);
  const flash = await flashText(page);
  check(flash === `Now following ${state.feedTitle}: 3 items.`,
    `expected the flash "Now following ${state.feedTitle}: 3 items.", got "${flash}"`);
  log(`    following "${state.feedTitle}" as /feeds/${state.feedId}`);
  const address = (await page.locator('dl.facts dd.url').first().innerText()).trim();
  check(address === env.FEED_URL, `expected the feed's address ${env.FEED_URL} on its page, got "${address}"`);
  const folder = await page.getByLabel('Folder', { exact: true }).inputValue();
  check(folder === FOLDER, `expected the folder "${FOLDER}" in the settings form, got "${folder}"`);
});

step('axe: the feeds list and the feed settings page have no WCAG 2.2 A/AA violations', async (page) => {
  await visit(page, '/feeds', 'the feeds page');
  const row = page.locator('table.feed-table tbody tr', { hasText: state.feedTitle });
  await expectVisible(row, `a row for "${state.feedTitle}" in the feeds table`);
  const cells = (await row.first().locator('td').allInnerTexts()).map((t) => t.trim());
  check(cells[0] === FOLDER && cells[1] === '3', `expected the row to show folder "${FOLDER}" and 3 items, got ${JSON.stringify(cells)}`);
  const all = await axeCheck(page, 'feeds page');
  await visit(page, `/feeds/${state.feedId}`, 'the feed settings page');
  all.push(...(await axeCheck(page, 'feed settings page')));
  check(all.length === 0, `axe found ${all.length} violation(s): ${all.join(', ')}`);
});

step("The inbox lists the feed's three items newest first; the feed's script stays inert", async (page) => {
  await followNav(page, 'Inbox', '/inbox');
  const ids = await entryIds(page);
  check(ids.length === 3, `expected 3 entries in ol.inbox, found ${ids.length}: ${JSON.stringify(ids)}`);
  state.entries = [];
  for (const id of ids) {
    const link = page.locator(`#${id} h2 a`);
    state.entries.push({
      id,
      storyId: id.replace(/^entry-/, ''),
      title: (await link.innerText()).trim(),
      href: await link.getAttribute('href'),
    });
  }
  log(`    entries: ${state.entries.map((e, i) => `${'ABC'[i]}=${e.id} "${e.title}"`).join(', ')}`);
  const meta = (await page.locator(`#${ids[0]} .card__meta`).innerText()).replace(/\s+/g, ' ');
  check(meta.includes(state.feedTitle), `expected the first entry's meta line to name the feed "${state.feedTitle}", got "${meta}"`);

  // The fixture's summary carries <script>, onclick and onerror: the text arrives, nothing runs.
  const list = page.locator('ol.inbox');
  await expectVisible(list.getByText('Longer Saturday hours at four libraries.'), "the booby-trapped item's summary text");
  const dangerous = await list.evaluate((ol) => ({
    scripts: ol.querySelectorAll('script').length,
    images: ol.querySelectorAll('img').length,
    handlers: Array.from(ol.querySelectorAll('*')).flatMap((el) =>
      Array.from(el.attributes).filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName.toLowerCase()}[${a.name}]`)),
  }));
  check(dangerous.scripts === 0 && dangerous.images === 0 && dangerous.handlers.length === 0,
    `the feed's markup reached the page: ${JSON.stringify(dangerous)}`);
  await list.getByText('Longer Saturday hours at four libraries.').click();
  const pwned = await page.evaluate(() => ({ pwned: typeof window.__pwned, title: document.title }));
  check(pwned.pwned === 'undefined', `window.__pwned is set (${pwned.pwned}): the feed's script ran`);
  check(!/pwned/.test(pwned.title), `the feed's script changed the page title to "${pwned.title}"`);
  await expectAxeClean(page, 'inbox');
});

step('Keyboard: Tab into the list, then j and k move focus between entries; outside the list they are plain keys', async (page) => {
  if (pathOf(page) !== '/inbox') await visit(page, '/inbox', 'the inbox');
  await expectHtmx(page, 'the inbox');
  // Outside the list the letters are left alone: typing in the filter box, or on a button.
  const words = page.getByLabel('Words', { exact: true });
  await words.focus();
  await page.keyboard.type('jk');
  check((await words.inputValue()) === 'jk', `typing "jk" in the Words filter gave "${await words.inputValue()}": the shortcuts captured typing`);
  await words.fill('');
  const filter = page.getByRole('button', { name: 'Filter', exact: true });
  await filter.focus();
  await page.keyboard.press('j');
  const stayed = await focusInfo(page);
  check(stayed.entry === null && stayed.current.length === 0,
    `pressing j on the Filter button moved focus into the list (${JSON.stringify(stayed)}): shortcuts must work only inside the list`);

  // The first Tab after the filters lands in the first entry.
  await page.keyboard.press('Tab');
  const first = await focusInfo(page);
  check(first.entry === entry('A').id, `expected Tab from the Filter button to land in entry A (${entry('A').id}), got ${JSON.stringify(first)}`);
  log(`    Tab landed on ${first.element} in ${first.entry}`);
  await pressAndExpectFocus(page, 'j', 'B');
  await pressAndExpectFocus(page, 'j', 'C');
  await pressAndExpectFocus(page, 'j', 'C'); // the last entry stays put
  await pressAndExpectFocus(page, 'k', 'B');
  await pressAndExpectFocus(page, 'k', 'A');
  await pressAndExpectFocus(page, 'k', 'A'); // and so does the first

  // Tabbing on through A's links and buttons into B moves the highlight with focus, so it
  // always marks the entry the shortcuts act on.
  let tabbed;
  for (let presses = 1; presses <= 10; presses += 1) {
    await page.keyboard.press('Tab');
    tabbed = await focusInfo(page);
    if (tabbed.entry !== entry('A').id) break;
  }
  check(tabbed.entry === entry('B').id, `expected Tab to move on from entry A into entry B, got ${JSON.stringify(tabbed)}`);
  check(tabbed.current.length === 1 && tabbed.current[0] === entry('B').id,
    `after tabbing into entry B (${tabbed.element}), expected only B marked .is-current, got ${JSON.stringify(tabbed.current)}`);
  await pressAndExpectFocus(page, 'k', 'A');
});

step("o opens the focused entry's article in a new tab", async (page) => {
  const want = entry('A');
  const before = await focusInfo(page);
  check(before.element === `li#${want.id}`, `expected focus on entry A before pressing o, got ${JSON.stringify(before)}`);
  const [tab] = await Promise.all([page.context().waitForEvent('page'), page.keyboard.press('o')]);
  try {
    await tab.waitForLoadState('domcontentloaded');
    check(tab.url() === want.href, `expected o to open ${want.href}, but the new tab shows ${tab.url()}`);
    const opener = await tab.evaluate(() => window.opener === null);
    check(opener, 'the new tab can reach window.opener: it was not opened with noopener');
  } finally {
    await tab.close();
  }
  check(pathOf(page) === '/inbox', `pressing o navigated the inbox itself to ${page.url()}`);
  await page.bringToFront();
});

step('d dismisses the focused entry in place (htmx, no page load) and focus moves to its neighbour', async (page) => {
  const a = entry('A');
  await page.locator(`#${a.id}`).focus();
  const done = await watchForReload(page);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/inbox/${a.storyId}/dismiss`),
    page.keyboard.press('d'),
  ]);
  check(response.request().headers()['hx-request'] === 'true', 'the dismiss request was not sent by htmx (no HX-Request header): the form submitted normally');
  check(response.status() === 200, `expected the htmx dismiss request to answer 200, got ${response.status()}`);
  await eventually(() => page.locator(`#${a.id}`).count(), (n) => n === 0, `expected entry A (${a.id}) to leave the list after pressing d`);
  const focus = await eventually(() => focusInfo(page), (f) => f.element === `li#${entry('B').id}`,
    `after dismissing entry A, expected focus on its neighbour, entry B (li#${entry('B').id})`);
  const { navigations, marker } = await done();
  check(navigations === 0 && marker, 'the page navigated/reloaded: htmx did not remove the entry in place');
  check(pathOf(page) === '/inbox', `the URL changed to ${page.url()}`);
  check((await entryIds(page)).join() === [entry('B').id, entry('C').id].join(), `expected entries B and C left, got ${JSON.stringify(await entryIds(page))}`);
  const status = (await page.locator('#inbox-status').textContent()).trim();
  check(status !== '', 'the status region (#inbox-status) announced nothing after the dismissal');
  log(`    focus on ${focus.element}; status region says "${status}"`);
});

step('s opens the share form for the focused entry, prefilled with its title and address', async (page) => {
  const b = entry('B');
  const now = await focusInfo(page);
  check(now.element === `li#${b.id}`, `expected focus still on entry B, got ${JSON.stringify(now)}`);
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('s')]);
  check(pathAndQuery(page) === `/share?item=${b.storyId}`, `expected s to open /share?item=${b.storyId}, got ${page.url()}`);
  await expectVisible(page.getByRole('heading', { level: 1, name: 'Share a link', exact: true }), 'the level-1 heading "Share a link"');
  const link = await page.getByLabel('Link address', { exact: true }).inputValue();
  const title = await page.getByLabel('Title', { exact: true }).inputValue();
  check(link === b.href, `expected "Link address" prefilled with ${b.href}, got "${link}"`);
  check(title === b.title, `expected "Title" prefilled with "${b.title}", got "${title}"`);
  await expectVisible(page.getByText(`From the inbox: found in ${state.feedTitle}.`), `"From the inbox: found in ${state.feedTitle}."`);
  const box = page.locator(`#channel-${env.CHANNEL}`);
  check((await box.count()) === 1, `expected a checkbox for #${env.CHANNEL} under "Share into"`);
  check(!(await box.isChecked()), `#${env.CHANNEL} is already ticked: the feed has no usual channel, so nothing should be`);
  await expectVisible(page.getByLabel('Publish later (optional)', { exact: true }), 'the "Publish later (optional)" field (curators may schedule)');
  await expectAxeClean(page, 'share form from the inbox');
});

step('Sharing without choosing a channel shows the error summary and keeps the note', async (page) => {
  const b = entry('B');
  await page.getByLabel('Why it matters', { exact: true }).fill(NOTE);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/share'),
    page.waitForEvent('load'),
    page.getByRole('button', { name: 'Share', exact: true }).click(),
  ]);
  check(response.status() === 422, `expected the share form to be refused with 422, got ${response.status()} at ${page.url()}`);
  const summary = page.locator('.error-summary');
  await expectVisible(summary, 'the error summary');
  const text = (await summary.innerText()).replace(/\s+/g, ' ').trim();
  check(/Choose at least one channel/.test(text), `expected the error summary to ask for a channel, got "${text}"`);
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.classList.contains('error-summary'));
  check(focused, `expected the error summary to take focus, but focus is on ${(await focusInfo(page)).element}`);
  const kept = {
    note: await page.getByLabel('Why it matters', { exact: true }).inputValue(),
    link: await page.getByLabel('Link address', { exact: true }).inputValue(),
    title: await page.getByLabel('Title', { exact: true }).inputValue(),
  };
  check(kept.note === NOTE, `the note was not kept: expected "${NOTE}", got "${kept.note}"`);
  check(kept.link === b.href && kept.title === b.title, `the prefilled link and title were not kept: ${JSON.stringify(kept)}`);
  await expectVisible(page.getByText(`From the inbox: found in ${state.feedTitle}.`), 'the "From the inbox" line (the item is still attached)');
  await expectAxeClean(page, 'share form with an error');
});

step(`Choose #${env.CHANNEL} and share: back on the inbox with the flash, the entry gone`, async (page) => {
  const b = entry('B');
  await page.locator(`#channel-${env.CHANNEL}`).check();
  await Promise.all([
    page.waitForEvent('load'),
    page.getByRole('button', { name: 'Share', exact: true }).click(),
  ]);
  check(pathOf(page) === '/inbox', `expected to be back on /inbox after sharing, got ${page.url()}.${await errorSummary(page)}`);
  const flash = await flashText(page);
  check(flash === `Shared to #${env.CHANNEL}.`, `expected the flash "Shared to #${env.CHANNEL}.", got "${flash}"`);
  const ids = await entryIds(page);
  check(!ids.includes(b.id), `the shared entry B (${b.id}) is still in the inbox`);
  check(ids.join() === entry('C').id, `expected only entry C left in the inbox, got ${JSON.stringify(ids)}`);
});

step(`The post in #${env.CHANNEL} shows the note as Markdown and "via" the feed`, async (page) => {
  const b = entry('B');
  await visit(page, `/c/${env.CHANNEL}`, 'the channel page');
  const card = page.locator('article', { has: page.getByRole('link', { name: b.title, exact: true }) });
  await expectVisible(card, `a post titled "${b.title}" in #${env.CHANNEL}`);
  check((await card.count()) === 1, `expected one post titled "${b.title}", found ${await card.count()}`);
  const href = await card.getByRole('link', { name: b.title, exact: true }).getAttribute('href');
  check(href === b.href, `expected the post to link to ${b.href}, got ${href}`);
  const domain = (await card.locator('.card__domain').innerText()).replace(/\s+/g, ' ').trim();
  const host = new URL(b.href).hostname.replace(/^www\./, '');
  check(domain.includes(host) && domain.includes(`via ${state.feedTitle}`),
    `expected the domain line to show "${host}" and "via ${state.feedTitle}", got "${domain}"`);
  await expectVisible(card.locator('.prose strong', { hasText: BOLD }), `**${BOLD}** rendered as <strong> in the note`);
  await expectVisible(card.locator('.prose').getByText(/Worth a look before the winter comms plan/), 'the note');
});

step('The dismissed view lists the dismissed and shared entries; "Put back in the inbox" works in place', async (page) => {
  const [a, b, c] = [entry('A'), entry('B'), entry('C')];
  await visit(page, '/inbox?view=dismissed', 'the dismissed view');
  await expectVisible(page.getByRole('heading', { level: 1, name: 'Dismissed items', exact: true }), 'the level-1 heading "Dismissed items"');
  const ids = await entryIds(page);
  check(ids.includes(a.id) && ids.includes(b.id) && !ids.includes(c.id),
    `expected the dismissed view to hold A (${a.id}) and B (${b.id}) but not C (${c.id}), got ${JSON.stringify(ids)}`);
  const shared = (await page.locator(`#${b.id} .notice`).allInnerTexts()).join(' ').replace(/\s+/g, ' ');
  check(shared.includes(`Already shared: #${env.CHANNEL} by ${state.userName}`),
    `expected entry B to say "Already shared: #${env.CHANNEL} by ${state.userName}", got "${shared}"`);
  await expectAxeClean(page, 'dismissed view');

  const done = await watchForReload(page);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/inbox/${a.storyId}/restore`),
    page.locator(`#${a.id}`).getByRole('button', { name: /^Put back in the inbox/ }).click(),
  ]);
  check(response.request().headers()['hx-request'] === 'true', 'the restore request was not sent by htmx (no HX-Request header)');
  await eventually(() => page.locator(`#${a.id}`).count(), (n) => n === 0, `expected entry A (${a.id}) to leave the dismissed view`);
  const { navigations, marker } = await done();
  check(navigations === 0 && marker, 'the page navigated/reloaded: htmx did not remove the entry in place');
  const focus = await eventually(() => focusInfo(page), (f) => f.element !== 'body',
    'after putting entry A back, keyboard focus fell to <body> instead of a neighbouring entry');
  log(`    focus after putting A back: ${focus.element}`);

  // Putting back the last entry on the page leaves no neighbour: focus goes to the main region.
  await page.locator(`#${b.id}`).getByRole('button', { name: /^Put back in the inbox/ }).click();
  await eventually(() => page.locator('ol.inbox > li').count(), (n) => n === 0, `expected entry B (${b.id}) to leave the dismissed view`);
  const last = await eventually(() => focusInfo(page), (f) => f.element !== 'body',
    'after putting back the last entry, keyboard focus fell to <body>');
  check(last.element === 'main#main', `after putting back the last entry, expected focus on main#main, got ${last.element}`);

  await visit(page, '/inbox', 'the inbox');
  const back = await entryIds(page);
  check(back.join() === [a.id, b.id, c.id].join(), `expected A, B and C in the inbox after putting A and B back, got ${JSON.stringify(back)}`);
  const note = (await page.locator(`#${b.id} .notice`).allInnerTexts()).join(' ');
  check(note.includes(`Already shared: #${env.CHANNEL}`), `expected the restored entry B to say it was already shared, got "${note}"`);
});

step('No uncaught JavaScript errors on any page', noUncaughtErrors);

run({
  about: `feed ${env.FEED_URL}`,
  // Chromium reports every 4xx answer; the share form's 422 is the refusal a step expects.
  quietConsole: /status of 422 /,
  // Articles the feed links to never leave the machine: any address off BASE_URL gets a stub page.
  setup: async (context) => {
    const app = new URL(url('/')).host;
    await context.route((u) => u.host !== app, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Article</title><p>An article.</p>' }));
  },
});
