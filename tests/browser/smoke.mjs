// Real-browser smoke test for Commonroom: headless Chromium driven by playwright-core,
// accessibility checked with axe-core. Run by tests/api/browser.rs, or by hand:
//
//   cd tests/browser && npm ci
//   BASE_URL=http://127.0.0.1:18102 EMAIL=… PASSWORD=… CHANNEL=digital-comms node smoke.mjs
//
// The database must hold that one user (who follows CHANNEL, an open channel) and no posts.
// harness.mjs runs the steps: the first failure stops the run and saves a screenshot.

import {
  axeCheck, check, errorSummary, eventually, expectAxeClean, expectHtmx, expectVisible, h1Text,
  inputs, log, openSignIn, pathOf, run, signIn, step, url, visit, withContext,
} from './harness.mjs';

const env = inputs('smoke', ['CHANNEL'], 'BASE_URL=http://127.0.0.1:PORT EMAIL=admin@example.org PASSWORD=… CHANNEL=slug node smoke.mjs');

const state = {}; // shared between steps: thread URL, post id, user name

// ---------------------------------------------------------------------------
// Page helpers

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
  await openSignIn(page);
  await expectVisible(page.getByRole('heading', { level: 1, name: /Sign in/ }), 'a level-1 heading "Sign in …"');
  await expectAxeClean(page, 'sign-in page');
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
  await expectHtmx(page, 'the thread page');
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
  check(/Like: You\b/.test(after.who), `expected p.reactions__who to name the viewer as "You", got "${after.who}"`);
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
  check(reloaded.pressed === 'true' && reloaded.count === '1' && /Like: You\b/.test(reloaded.who),
    `after reloading, expected the like to persist (pressed, count 1, by "You"), got ${JSON.stringify(reloaded)}`);
});

step('axe: home, channel, thread, share and admin pages have no WCAG 2.2 A/AA violations', async (page) => {
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

step('Without JavaScript, the Like button still works as a plain form POST', () => withContext({ javaScriptEnabled: false }, 'no-JS', async (page) => {
  await openSignIn(page);
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
}));

async function replyItem(page) {
  return page.locator('ol.replies > li', { hasText: REPLY });
}

step('Deleting the reply asks in a dialog: Cancel keeps it, Delete removes it, Restore brings it back', async (page) => {
  await visit(page, `/p/${state.postId}`, 'the thread');
  await expectHtmx(page, 'the thread page');
  const item = await replyItem(page);
  await expectVisible(item, `the reply "${REPLY}"`);
  const urlBefore = page.url();

  await item.getByRole('button', { name: /^Delete/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this reply?' });
  await expectVisible(dialog, 'the confirmation dialog "Delete this reply?"');
  const focused = await page.evaluate(() => (document.activeElement ? document.activeElement.textContent.trim() : ''));
  check(focused === 'Cancel', `expected focus on the dialog's Cancel button (the safe choice), found "${focused}"`);
  await expectAxeClean(page, 'thread with the confirmation dialog open');
  await page.keyboard.press('Escape');
  await eventually(() => dialog.isVisible(), (v) => v === false, 'the dialog closes on Escape');
  check(page.url() === urlBefore, `Escape must not leave the page, but the URL is ${page.url()}`);
  await expectVisible((await replyItem(page)).locator('.prose'), 'the reply, still there after Escape');

  await (await replyItem(page)).getByRole('button', { name: /^Delete/ }).click();
  await expectVisible(dialog, 'the dialog again');
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /\/r\/\d+\/delete$/.test(new URL(r.url()).pathname)),
    page.waitForEvent('load'),
    dialog.getByRole('button', { name: 'Delete reply' }).click(),
  ]);
  const gone = page.locator('ol.replies > li.reply--deleted');
  await expectVisible(gone, 'the deleted reply notice');
  check(!(await page.content()).includes(REPLY), 'the deleted reply\'s words are still on the page');
  await Promise.all([page.waitForEvent('load'), gone.getByRole('button', { name: /^Restore/ }).click()]);
  await expectVisible((await replyItem(page)).locator('.prose'), 'the restored reply');
  // The question page people without JavaScript get (axe needs a script, so it is checked here).
  const replyId = (await (await replyItem(page)).getAttribute('id')).replace('reply-', '');
  await visit(page, `/r/${replyId}/delete`, 'the confirmation page');
  await expectAxeClean(page, 'confirmation page');
});

step('Without JavaScript, deleting asks on a page of its own, and Cancel goes back', () => withContext({ javaScriptEnabled: false }, 'no-JS', async (page) => {
  await openSignIn(page);
  await signIn(page);
  await visit(page, `/p/${state.postId}`, 'the thread');
  await Promise.all([page.waitForEvent('load'), (await replyItem(page)).getByRole('button', { name: /^Delete/ }).click()]);
  check(/^\/r\/\d+\/delete$/.test(pathOf(page)), `expected the confirmation page at /r/<id>/delete, got ${page.url()}`);
  check((await h1Text(page)) === 'Delete this reply?', `expected the heading "Delete this reply?", got "${await h1Text(page)}"`);
  // Opening the question's address (a bookmark, a new tab) asks again, never deletes.
  const question = pathOf(page);
  await visit(page, question, 'the confirmation page opened by its address');
  check((await h1Text(page)) === 'Delete this reply?', `opening ${question} must show the question again`);
  await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: 'Cancel' }).click()]);
  check(pathOf(page) === `/p/${state.postId}`, `Cancel should lead back to the thread, got ${page.url()}`);
  await expectVisible((await replyItem(page)).locator('.prose'), 'the reply, kept after Cancel');
}));

run();
