// Real-browser test of search: suggestions as you type in the header box (htmx), the results
// page (highlighted matches, counts, order, paging, similar words, errors), nothing from a
// private channel the reader is not in, and the same search with JavaScript off; axe-core
// checks the empty page, a results page, the open suggestions and an error. Run by
// tests/api/browser.rs, or by hand:
//
//   cd tests/browser && npm ci
//   BASE_URL=http://127.0.0.1:18102 EMAIL=… PASSWORD=… CHANNEL=digital-comms \
//     PERSON=digby.okafor SECRET=quokka node search.mjs
//
// The database must hold (and the search index must have caught up with):
//   - the reader EMAIL, a member of no private channel;
//   - CHANNEL, an open channel whose slug starts "dig", holding a link post to a gov.uk page
//     whose note (alone) says "audit", a discussion with "community" in its title and body, a
//     reply to it with "community" in it (newer than the discussion), and exactly 25 posts with
//     "rota" in their titles; nothing else anywhere may say "community" or "rota";
//   - PERSON, a handle whose name also starts "Dig";
//   - a private channel the reader is not in, with a post saying SECRET.
// harness.mjs runs the steps: the first failure stops the run and saves a screenshot.

import {
  atWidth, check, eventually, expectAxeClean, expectHtmx, expectNoSidewaysScroll, expectVisible, inputs, log, noUncaughtErrors,
  openSignIn, pathAndQuery, pathOf, run, signIn, step, visit, withContext,
} from './harness.mjs';

const env = inputs('search', ['CHANNEL', 'PERSON', 'SECRET'], 'BASE_URL=http://127.0.0.1:PORT EMAIL=reader@example.org PASSWORD=… CHANNEL=slug PERSON=handle SECRET=word node search.mjs');

const searchParams = (page) => new URL(page.url()).searchParams;
const squash = (text) => String(text).replace(/\s+/g, ' ').trim();

// The fixture's words (see the header).
const PREFIX = 'dig';
const WORD = 'community';
const TYPO = 'comunity';
const PAGED = 'rota';
const PAGED_TOTAL = 25;
const PER_PAGE = 20;
const UNKNOWN_OPERATOR = 'colour:red';

// ---------------------------------------------------------------------------
// Page helpers

/** What the focused element is, as tag#id and its text. */
async function focusInfo(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return { element: 'nothing', text: '', href: null };
    return {
      element: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}`,
      text: (el.innerText || el.value || '').replace(/\s+/g, ' ').trim(),
      href: el.getAttribute('href'),
    };
  });
}

// ---------------------------------------------------------------------------
// The search page, read back

const headerBox = (page) => page.locator('#site-search-q');
const pageBox = (page) => page.locator('main #q');
const suggestions = (page) => page.locator('#site-search-suggestions');

/** The results page as the reader sees it: the count line, the notice, each result. */
async function resultsPage(page) {
  return page.evaluate(() => {
    const text = (el) => (el ? el.innerText.replace(/\s+/g, ' ').trim() : null);
    const summary = document.querySelector('.search-summary');
    const list = document.querySelector('ol.search-results');
    return {
      count: summary ? text(summary.querySelector('p:last-child')) : null,
      similar: text(document.querySelector('.search-summary .notice')),
      similarWords: text(document.querySelector('.search-summary .notice strong')),
      start: list ? list.getAttribute('start') : null,
      results: Array.from(document.querySelectorAll('li.search-result')).map((li) => ({
        title: text(li.querySelector('.search-result__title')),
        href: li.querySelector('.search-result__title a')?.getAttribute('href') ?? null,
        kind: li.querySelector('.badge')?.textContent.trim() ?? null, // innerText would be the CSS's capitals
        channel: text(li.querySelector('.card__meta a[href^="/c/"]')),
        at: li.querySelector('time')?.getAttribute('datetime') ?? null,
        highlighted: Array.from(li.querySelectorAll('b')).map((b) => b.textContent.trim()),
      })),
      order: Array.from(document.querySelectorAll('nav[aria-label="Order of results"] a')).map((a) => ({
        name: a.textContent.trim(),
        current: a.getAttribute('aria-current'),
        href: a.getAttribute('href'),
      })),
      pager: Array.from(document.querySelectorAll('nav.pager a')).map((a) => ({ name: a.textContent.trim(), rel: a.rel, href: a.getAttribute('href') })),
    };
  });
}

const describeResults = (r) => JSON.stringify(r.results.map((x) => `${x.kind}: ${x.title}`));

/** Submit `q` from the header box by pressing Enter, and wait for the results page. */
async function searchFromHeader(page, q) {
  const box = headerBox(page);
  await box.fill(q);
  await Promise.all([page.waitForEvent('load'), box.press('Enter')]);
  check(pathOf(page) === '/search', `expected Enter in the header box to open /search, got ${page.url()}`);
  check(searchParams(page).get('q') === q, `expected /search?q=${q}, got ${pathAndQuery(page)}`);
}

const suggestRequests = []; // every /search/suggest request, by which page sent it

/** Type `text` into the header box key by key and wait for htmx to answer with the suggestions for it. */
async function typeForSuggestions(page, text, { expectSome = true } = {}) {
  const box = headerBox(page);
  await box.fill('');
  await box.focus();
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/search/suggest' && new URL(r.url()).searchParams.get('q') === text),
    box.pressSequentially(text, { delay: 30 }),
  ]);
  check(response.request().headers()['hx-request'] === 'true', 'the suggestions request was not sent by htmx (no HX-Request header)');
  check(response.status() === 200, `expected /search/suggest?q=${text} to answer 200, got ${response.status()}`);
  // The answer is what htmx swaps in, once it has handled it.
  const body = await response.text();
  const swapped = () => page.evaluate((html) => {
    const answer = document.createElement('template');
    answer.innerHTML = html;
    const squashed = (node) => node.textContent.replace(/\s+/g, ' ').trim();
    return squashed(answer.content) === squashed(document.getElementById('site-search-suggestions'));
  }, body);
  await eventually(swapped, (same) => same, `expected htmx to swap the suggestions for "${text}" into #site-search-suggestions`);
  if (!expectSome) return;
  await expectVisible(suggestions(page).locator('ul.suggestions__list'), `the suggestions list under the header box after typing "${text}"`);
}

const channelLink = (page) => suggestions(page).getByRole('link', { name: new RegExp(`^#${env.CHANNEL}\\b`) });
const searchInLink = (page) => suggestions(page).getByRole('link', { name: `search in #${env.CHANNEL}`, exact: true });
const personLink = (page) => suggestions(page).locator(`a[href="/u/${env.PERSON}"]`);

// ---------------------------------------------------------------------------
// The steps

step('Sign in as the reader; the header has a labelled search box', async (page) => {
  await openSignIn(page);
  await signIn(page);
  check(pathOf(page) === '/', `expected to land on / after signing in, but got ${page.url()}`);
  const box = page.getByRole('search').getByRole('searchbox', { name: 'Search Commonroom', exact: true });
  await expectVisible(box, 'the header search box, labelled "Search Commonroom"');
  check((await box.getAttribute('id')) === 'site-search-q', `expected the header search box to be #site-search-q, got #${await box.getAttribute('id')}`);
});

step('The empty search page explains how to search, and passes axe', async (page) => {
  await visit(page, '/search', 'the search page');
  await expectVisible(page.getByRole('heading', { level: 1, name: 'Search', exact: true }), 'the level-1 heading "Search"');
  check((await pageBox(page).inputValue()) === '', `expected an empty search box, got "${await pageBox(page).inputValue()}"`);
  check((await page.locator('.search-summary, ol.search-results, .error-summary').count()) === 0, 'the empty search page shows results, a count or an error');
  const help = page.locator('details.search-help');
  check(await help.evaluate((d) => d.open), 'expected "How to search" to be open when nothing has been searched');
  const table = page.getByRole('table', { name: 'Search operators', exact: true });
  await expectVisible(table, 'the operators table (captioned "Search operators")');
  const rows = await table.locator('tbody tr').count();
  check(rows >= 9, `expected a row per operator in the help table, found ${rows}`);
  // Two search forms on one page: each landmark needs a name of its own to be told apart.
  const names = await Promise.all(['Site search', 'Search posts, replies and channels'].map((name) => page.getByRole('search', { name, exact: true }).count()));
  const all = await page.getByRole('search').count();
  check(all === 2 && names.every((n) => n === 1), `expected two search landmarks named "Site search" and "Search posts, replies and channels", found ${all} (matches by name: ${names})`);
  await expectAxeClean(page, 'empty search page');
});

step(`From the home page, typing "${PREFIX}" in the header box suggests #${env.CHANNEL} and @${env.PERSON} (htmx, no page load)`, async (page) => {
  await visit(page, '/', 'the home page');
  await expectHtmx(page, 'the home page');
  await page.evaluate(() => { window.__searchNoReload = true; });
  await typeForSuggestions(page, PREFIX);
  check(pathOf(page) === '/' && (await page.evaluate(() => window.__searchNoReload === true)), `typing reloaded or left the page: now at ${page.url()}`);

  await expectVisible(channelLink(page), `a suggestion for #${env.CHANNEL}`);
  check((await channelLink(page).getAttribute('href')) === `/c/${env.CHANNEL}`, `expected the #${env.CHANNEL} suggestion to link to /c/${env.CHANNEL}, got ${await channelLink(page).getAttribute('href')}`);
  const searchIn = await searchInLink(page).getAttribute('href');
  check(searchIn === `/search?q=in%3A%23${env.CHANNEL}+`, `expected "search in #${env.CHANNEL}" to lead to /search?q=in%3A%23${env.CHANNEL}+, got ${searchIn}`);

  await expectVisible(personLink(page), `a suggestion for @${env.PERSON}`);
  const person = squash(await personLink(page).innerText());
  check(person.includes(`@${env.PERSON}`) && /^Dig/i.test(person), `expected the person suggestion to show a name starting "Dig" and @${env.PERSON}, got "${person}"`);
  const postsBy = suggestions(page).locator(`a.suggestions__also[href="/search?q=from%3A%40${env.PERSON}+"]`);
  await expectVisible(postsBy, `a "posts by …" link searching from:@${env.PERSON}`);
  const shown = (await suggestions(page).locator('li').allInnerTexts()).map(squash);
  log(`    suggestions: ${JSON.stringify(shown)}`);
  check(!shown.some((s) => s.toLowerCase().includes(env.SECRET.toLowerCase())), `a suggestion mentions "${env.SECRET}": ${JSON.stringify(shown)}`);
  await expectAxeClean(page, 'home page with suggestions open');
});

step('Suggestions are reachable by Tab, close when focus leaves the search or on Escape, and Enter on "search in" opens the results', async (page) => {
  // Tab from the box passes the Search button, then reaches the suggestions in order.
  await headerBox(page).focus();
  await page.keyboard.press('Tab');
  const button = await focusInfo(page);
  check(button.element.startsWith('button') && button.text === 'Search', `expected Tab from the box to reach the Search button, got ${JSON.stringify(button)}`);
  await page.keyboard.press('Tab');
  const first = await focusInfo(page);
  check(first.href === `/c/${env.CHANNEL}`, `expected the next Tab to reach the #${env.CHANNEL} suggestion, got ${JSON.stringify(first)}`);
  check(await suggestions(page).isVisible(), 'the suggestions were hidden while focus was on one of them');
  await page.keyboard.press('Tab');
  const second = await focusInfo(page);
  check(second.href === `/search?q=in%3A%23${env.CHANNEL}+`, `expected the next Tab to reach "search in #${env.CHANNEL}", got ${JSON.stringify(second)}`);

  // Shift+Tab back out of the search, past the box: the list must not stay over the page.
  await headerBox(page).focus();
  await page.keyboard.press('Shift+Tab');
  const outside = await focusInfo(page);
  await page.mouse.move(0, 800);
  await eventually(() => suggestions(page).isVisible(), (v) => v === false,
    `expected the suggestions to close once focus left the search form (focus is on ${outside.element} "${outside.text}")`);

  // Back in the box they show again; follow "search in #…" from the keyboard.
  await headerBox(page).focus();
  await expectVisible(suggestions(page).locator('ul.suggestions__list'), 'the suggestions again once focus is back in the box');

  // Escape dismisses them without moving focus (the search box clears, as search boxes do).
  await page.keyboard.press('Escape');
  await eventually(() => suggestions(page).locator('li').count(), (n) => n === 0, 'expected Escape in the box to dismiss the suggestions');
  const still = await focusInfo(page);
  check(still.element.startsWith('input#site-search-q'), `expected focus to stay in the search box after Escape, got ${JSON.stringify(still)}`);

  await typeForSuggestions(page, PREFIX);
  await searchInLink(page).focus();
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
  check(pathOf(page) === '/search', `expected "search in #${env.CHANNEL}" to open /search, got ${page.url()}`);
  // The link's query ends in a space, ready for the next word (checked in the next step).
  const q = await pageBox(page).inputValue();
  check(q.trim() === `in:#${env.CHANNEL}`, `expected the search box to hold "in:#${env.CHANNEL}", got "${q}"`);
  const r = await resultsPage(page);
  check(r.results.length > 0, `expected results in #${env.CHANNEL}, got none (count line: "${r.count}")`);
  const elsewhere = r.results.filter((x) => x.channel !== `#${env.CHANNEL}`);
  check(elsewhere.length === 0, `in:#${env.CHANNEL} returned results from other channels: ${JSON.stringify(elsewhere)}`);
  log(`    in:#${env.CHANNEL}: "${r.count}"`);
});

step(`Typing "${WORD}" straight after the suggested operator (the box keeps its trailing space) narrows to the two matches, highlighted`, async (page) => {
  const box = pageBox(page);
  check((await box.inputValue()) === `in:#${env.CHANNEL} `, `expected the box to hold "in:#${env.CHANNEL} " ready for the next word, got "${await box.inputValue()}"`);
  await box.focus();
  await box.press('End');
  await box.pressSequentially(WORD);
  await Promise.all([page.waitForEvent('load'), box.press('Enter')]);
  const q = `in:#${env.CHANNEL} ${WORD}`;
  check(searchParams(page).get('q') === q, `expected /search?q=${q}, got ${pathAndQuery(page)}`);
  const r = await resultsPage(page);
  check(r.count === '2 results.', `expected "2 results.", got "${r.count}" with ${describeResults(r)}`);
  check(r.results.length === 2, `expected 2 results listed, got ${describeResults(r)}`);
  for (const x of r.results) {
    check(x.highlighted.some((b) => b.toLowerCase() === WORD), `expected "${WORD}" highlighted in <b> in the result "${x.title}", got ${JSON.stringify(x.highlighted)}`);
  }
  check((await headerBox(page).inputValue()) === q, `expected the header box to show the query too, got "${await headerBox(page).inputValue()}"`);
});

step(`Searching "${WORD}" from the header: count, highlights, Best match and Newest first; axe on the results`, async (page) => {
  await visit(page, '/', 'the home page');
  await searchFromHeader(page, WORD);
  check((await page.title()).startsWith(`Search: ${WORD} `), `expected the page title to start "Search: ${WORD}", got "${await page.title()}"`);
  const best = await resultsPage(page);
  log(`    best match: ${describeResults(best)}`);
  check(best.count === '2 results.', `expected "2 results.", got "${best.count}" with ${describeResults(best)}`);
  check(best.results.map((x) => x.kind).sort().join() === 'Discussion,Reply', `expected the discussion and its reply, got ${describeResults(best)}`);
  const discussion = best.results.find((x) => x.kind === 'Discussion');
  const discussionTitle = page.locator('li.search-result', { has: page.locator('.badge', { hasText: 'Discussion' }) }).locator('.search-result__title');
  check(discussion.highlighted.some((b) => b.toLowerCase() === WORD) && new RegExp(`<b>${WORD}</b>`, 'i').test(await discussionTitle.innerHTML()),
    `expected "${WORD}" in <b> inside the discussion's title, got ${JSON.stringify(discussion)}`);
  const reply = best.results.find((x) => x.kind === 'Reply');
  check(/^Reply to “.+”$/.test(reply.title) && /#reply-\d+$/.test(reply.href), `expected the reply to be headed "Reply to “…”" and link to #reply-N, got ${JSON.stringify(reply)}`);
  const current = (r) => r.order.filter((o) => o.current === 'page').map((o) => o.name).join();
  check(current(best) === 'Best match', `expected "Best match" marked as the current order, got ${JSON.stringify(best.order)}`);
  await expectAxeClean(page, 'results page');
  await page.emulateMedia({ colorScheme: 'dark' });
  try {
    await expectAxeClean(page, 'results page, dark colour scheme');
  } finally {
    await page.emulateMedia({ colorScheme: null });
  }

  await Promise.all([page.waitForEvent('load'), page.getByRole('navigation', { name: 'Order of results' }).getByRole('link', { name: 'Newest first', exact: true }).click()]);
  check(searchParams(page).get('sort') === 'newest' && searchParams(page).get('q') === WORD, `expected "Newest first" to open ?q=${WORD}&sort=newest, got ${pathAndQuery(page)}`);
  const newest = await resultsPage(page);
  check(current(newest) === 'Newest first', `expected "Newest first" marked as the current order, got ${JSON.stringify(newest.order)}`);
  const times = newest.results.map((x) => Date.parse(x.at));
  check(newest.results.length === 2 && times[0] >= times[1], `expected the same two results, newest first, got ${JSON.stringify(newest.results.map((x) => [x.kind, x.at]))}`);
  check(newest.results[0].kind === 'Reply', `expected the (newer) reply first, got ${describeResults(newest)}`);
  const hidden = await page.locator('main form input[type="hidden"][name="sort"]').getAttribute('value').catch(() => null);
  check(hidden === 'newest', 'expected the page\'s search form to keep sort=newest for the next search');

  await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: 'Best match', exact: true }).click()]);
  check(!searchParams(page).has('sort'), `expected "Best match" to drop sort=, got ${pathAndQuery(page)}`);
  check(current(await resultsPage(page)) === 'Best match', 'expected "Best match" current again');
});

step('domain:gov.uk with a word from the curator\'s note finds the link post, its note highlighted', async (page) => {
  await searchFromHeader(page, 'domain:gov.uk audit');
  const r = await resultsPage(page);
  check(r.count === '1 result.' && r.results.length === 1, `expected "1 result.", got "${r.count}" with ${describeResults(r)}`);
  const [link] = r.results;
  check(link.kind === 'Link' && /^\/p\/\d+$/.test(link.href), `expected the link post, linking to its thread, got ${JSON.stringify(link)}`);
  check(link.highlighted.map((b) => b.toLowerCase()).includes('audit'), `expected "audit" from the note highlighted, got ${JSON.stringify(link.highlighted)}`);
  const meta = squash(await page.locator('li.search-result .card__meta').first().innerText());
  check(meta.includes('gov.uk'), `expected the result to name the site it links to (gov.uk), got "${meta}"`);
});

step(`"${PAGED}" finds ${PAGED_TOTAL}: a page of ${PER_PAGE}, then More results and Previous results`, async (page) => {
  await searchFromHeader(page, PAGED);
  const first = await resultsPage(page);
  check(first.count === `${PAGED_TOTAL} results, showing 1–${PER_PAGE}.`, `expected "${PAGED_TOTAL} results, showing 1–${PER_PAGE}.", got "${first.count}"`);
  check(first.results.length === PER_PAGE && first.start === '1', `expected ${PER_PAGE} results starting at 1, got ${first.results.length} from ${first.start}`);
  check(first.pager.map((p) => p.name).join() === 'More results', `expected only "More results" under the first page, got ${JSON.stringify(first.pager)}`);

  await Promise.all([page.waitForEvent('load'), page.getByRole('navigation', { name: 'More results' }).getByRole('link', { name: 'More results', exact: true }).click()]);
  check(searchParams(page).get('page') === '2', `expected "More results" to open page=2, got ${pathAndQuery(page)}`);
  const second = await resultsPage(page);
  const rest = PAGED_TOTAL - PER_PAGE;
  check(second.count === `${PAGED_TOTAL} results, showing ${PER_PAGE + 1}–${PAGED_TOTAL}.`, `expected "${PAGED_TOTAL} results, showing ${PER_PAGE + 1}–${PAGED_TOTAL}.", got "${second.count}"`);
  check(second.results.length === rest && second.start === String(PER_PAGE + 1), `expected ${rest} results numbered from ${PER_PAGE + 1}, got ${second.results.length} from ${second.start}`);
  const seen = new Set(first.results.map((x) => x.href));
  const repeated = second.results.filter((x) => seen.has(x.href));
  check(repeated.length === 0, `page 2 repeats results from page 1: ${JSON.stringify(repeated.map((x) => x.title))}`);
  check(second.pager.map((p) => p.name).join() === 'Previous results', `expected only "Previous results" on the last page, got ${JSON.stringify(second.pager)}`);

  await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: 'Previous results', exact: true }).click()]);
  check(!searchParams(page).has('page') && searchParams(page).get('q') === PAGED, `expected "Previous results" to go back to the first page, got ${pathAndQuery(page)}`);
});

step(`A typo ("${TYPO}") says it searched for similar words, naming "${WORD}"`, async (page) => {
  await searchFromHeader(page, TYPO);
  const r = await resultsPage(page);
  check(r.similar && r.similar.startsWith(`No exact matches for “${TYPO}”`), `expected the notice "No exact matches for “${TYPO}”…", got "${r.similar}"`);
  check(r.similarWords && r.similarWords.split(/,\s*/).includes(WORD), `expected the notice to name "${WORD}" among the similar words, got "${r.similarWords}" in "${r.similar}"`);
  check(r.results.length === 2, `expected the two "${WORD}" results, got ${describeResults(r)} ("${r.count}")`);
  log(`    "${r.similar}" / "${r.count}"`);
});

step(`The private channel's word ("${env.SECRET}") finds nothing and appears nowhere but in the query`, async (page) => {
  await searchFromHeader(page, env.SECRET);
  const r = await resultsPage(page);
  check(r.count === 'No results.', `expected "No results.", got "${r.count}" with ${describeResults(r)}`);
  check(r.results.length === 0 && r.similar === null, `expected no results and no similar words, got ${describeResults(r)}, "${r.similar}"`);
  // The query is echoed in the title and the two boxes; anything else would be a leak.
  const html = await page.content();
  const echoes = [`<title>Search: ${env.SECRET} `, `value="${env.SECRET}"`];
  let rest = html;
  for (const e of echoes) rest = rest.split(e).join('');
  const leak = rest.toLowerCase().indexOf(env.SECRET.toLowerCase());
  check(leak === -1, `"${env.SECRET}" appears on the page outside the query: …${rest.slice(Math.max(0, leak - 80), leak + 80)}…`);
  const visible = await page.locator('body').innerText();
  check(!visible.toLowerCase().includes(env.SECRET.toLowerCase()), `"${env.SECRET}" is in the page's visible text`);
  await typeForSuggestions(page, env.SECRET.slice(0, 3), { expectSome: false });
  const offered = squash(await suggestions(page).innerText().catch(() => ''));
  check(!offered.toLowerCase().includes(env.SECRET.toLowerCase()), `the suggestions for "${env.SECRET.slice(0, 3)}" mention "${env.SECRET}": "${offered}"`);
});

step(`An unknown operator (${UNKNOWN_OPERATOR}) shows the error summary, focused and linked to the box, and keeps the query; axe on it`, async (page) => {
  await searchFromHeader(page, UNKNOWN_OPERATOR);
  const summary = page.locator('.error-summary');
  await expectVisible(summary, 'the error summary');
  const text = squash(await summary.innerText());
  check(text.includes('That search did not work') && text.includes('There is no colour: in search'),
    `expected the error summary to say "That search did not work" and "There is no colour: in search", got "${text}"`);
  check((await summary.getAttribute('role')) === 'alert', 'expected the error summary to be role="alert"');
  const focused = await eventually(() => focusInfo(page), (f) => f.element.includes('error-summary'), 'expected the error summary to take focus');
  log(`    focus on ${focused.element}: "${text}"`);
  check((await pageBox(page).inputValue()) === UNKNOWN_OPERATOR, `expected the page's box to keep "${UNKNOWN_OPERATOR}", got "${await pageBox(page).inputValue()}"`);
  check((await headerBox(page).inputValue()) === UNKNOWN_OPERATOR, `expected the header box to keep "${UNKNOWN_OPERATOR}", got "${await headerBox(page).inputValue()}"`);
  // The box itself says what is wrong, for someone who goes straight back to it.
  const box = await pageBox(page).evaluate((input) => ({
    invalid: input.getAttribute('aria-invalid'),
    description: (input.getAttribute('aria-describedby') || '').split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? `(no #${id})`).join(' ').replace(/\s+/g, ' '),
  }));
  check(box.invalid === 'true' && box.description.includes('There is no colour: in search'),
    `expected the search box to be aria-invalid and described by the error, got ${JSON.stringify(box)}`);
  await summary.getByRole('link', { name: /There is no colour: in search/ }).click();
  const afterLink = await focusInfo(page);
  check(afterLink.element.startsWith('input#q'), `expected the error's link to put focus in the search box, got ${JSON.stringify(afterLink)}`);
  check((await page.locator('.search-summary, ol.search-results').count()) === 0, 'the error page also shows results or a count');
  await expectAxeClean(page, 'search error page');
});

step('At 320 CSS pixels wide (400% zoom) nothing scrolls sideways: the help table, and results with suggestions open', (page) => atWidth(page, 320, async () => {
  await visit(page, '/search', 'the search page');
  check(await page.locator('details.search-help').evaluate((d) => d.open), 'expected "How to search" open on the empty page');
  await expectNoSidewaysScroll(page, 'the empty search page');
  await visit(page, `/search?q=${WORD}`, 'the results page');
  await typeForSuggestions(page, PREFIX);
  await expectNoSidewaysScroll(page, 'the results page with suggestions open');
  await expectAxeClean(page, 'results page with suggestions open at 320px');
}));

step('Without JavaScript, the header form still searches: Enter opens /search with the results', () => withContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } }, 'no-JS', async (page) => {
  await openSignIn(page);
  await signIn(page);
  await headerBox(page).pressSequentially(WORD);
  await Promise.all([page.waitForEvent('load'), headerBox(page).press('Enter')]);
  check(pathOf(page) === '/search' && searchParams(page).get('q') === WORD, `expected /search?q=${WORD}, got ${pathAndQuery(page)}`);
  const r = await resultsPage(page);
  check(r.count === '2 results.' && r.results.length === 2, `expected "2 results." and two results without JavaScript, got "${r.count}" with ${describeResults(r)}`);
  check(r.results.every((x) => x.highlighted.some((b) => b.toLowerCase() === WORD)), `expected "${WORD}" highlighted in every result, got ${JSON.stringify(r.results)}`);
  check(!suggestRequests.includes('no-JS'), 'the page without JavaScript asked for suggestions');
  await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: 'Newest first', exact: true }).click()]);
  check(searchParams(page).get('sort') === 'newest', `expected "Newest first" to work without JavaScript, got ${pathAndQuery(page)}`);
}));

step('No uncaught JavaScript errors on any page', noUncaughtErrors);

run({
  watch: (page, label) => page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/search/suggest') suggestRequests.push(label);
  }),
});
