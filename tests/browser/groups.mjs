// A working group in a real browser, by keyboard only: a member finds the group on Channels
// (marked members only, no counts), asks to join from its page; the manager sees the request
// counted in the header, accepts it on the members page; the new member posts in the group
// mentioning the manager, who sees the count, reads the notification and marks it read (the
// count goes to none). The manager then pins and announces the post and the member dismisses
// the announcement from their home page. axe-core (WCAG 2.2 AA) checks every new page.
// Run by tests/api/browser.rs, or by hand:
//
//   BASE_URL=… PASSWORD=… EMAIL=member@… MANAGER=manager@… MANAGER_HANDLE=… CHANNEL=slug node groups.mjs

import {
  check, eventually, expectAxeClean, expectVisible, inputs, pathOf, run, step, url, visit, withContext,
} from './harness.mjs';

const env = inputs('groups', ['MANAGER', 'MANAGER_HANDLE', 'CHANNEL'],
  'BASE_URL=http://127.0.0.1:PORT EMAIL=member@example.org PASSWORD=… MANAGER=… MANAGER_HANDLE=… CHANNEL=slug node groups.mjs');

const MESSAGE = 'I look after the parish newsletters and would like to help.';
const TITLE = 'Newsletter calendar for spring';

/** Press Tab until `locator` has the focus (the keyboard way there), or fail. */
async function tabTo(page, locator, what, max = 120) {
  for (let i = 0; i < max; i += 1) {
    if (await locator.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  check(false, `pressing Tab ${max} times never reached ${what}`);
}

/** Tab to a link or button and press Enter, waiting for the page it leads to. */
async function activate(page, locator, what) {
  await tabTo(page, locator, what);
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
}

/** Tab to a field and type into it. */
async function typeInto(page, locator, text, what) {
  await tabTo(page, locator, what);
  await page.keyboard.type(text);
}

async function signInAs(page, email) {
  await page.goto(url('/login'));
  await typeInto(page, page.getByLabel('Work email address', { exact: true }), email, 'the email field');
  await typeInto(page, page.getByLabel('Password', { exact: true }), env.PASSWORD, 'the password field');
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
  check(pathOf(page) !== '/login', `signing in as ${email} did not leave the sign-in page`);
}

const bell = (page) => page.locator('.me__notifications');
const unread = async (page) => Number(await bell(page).getAttribute('data-unread'));

step('A member finds the group on Channels, marked members only, and asks to join by keyboard', async (page) => {
  await signInAs(page, env.EMAIL);
  await visit(page, '/channels', 'the channel directory');
  const item = page.locator('.channel-item').filter({ hasText: 'Members only' });
  check((await item.count()) === 1, 'expected one channel marked "Members only"');
  const text = await item.innerText();
  check(!/followers?|posts?\b/.test(text.replace(/its members read and discuss here/, '')), `the group's line shows counts: "${text}"`);
  check((await item.getByRole('button', { name: /^Follow/ }).count()) === 0, 'a non-member is offered Follow');
  await activate(page, item.getByRole('link', { name: /^Ask to join/ }), 'the Ask to join link');
  check(pathOf(page) === `/c/${env.CHANNEL}`, `expected the group's page, got ${page.url()}`);
  await expectVisible(page.getByRole('heading', { name: 'Run by' }), 'who runs it');
  check((await page.locator('.timeline').count()) === 0, 'a non-member sees posts');
  await expectAxeClean(page, 'a working group seen from outside');
  await typeInto(page, page.getByLabel('A word to the managers (optional)'), MESSAGE, 'the message field');
  await activate(page, page.getByRole('button', { name: 'Ask to join', exact: true }), 'the Ask to join button');
  await expectVisible(page.getByText('Its managers will answer'), 'the confirmation');
  await expectVisible(page.getByRole('button', { name: 'Withdraw my request' }), 'the way to withdraw');
  await expectAxeClean(page, 'the group page with a request waiting');
});

step('The manager sees the request counted, opens it and accepts it by keyboard', () =>
  withContext({}, 'manager', async (page) => {
    await signInAs(page, env.MANAGER);
    check(await unread(page) === 1, `expected 1 unread in the header, got ${await unread(page)}`);
    await activate(page, bell(page), 'the notifications link');
    check(pathOf(page) === '/notifications', `expected the notifications, got ${page.url()}`);
    await expectVisible(page.getByText(MESSAGE), 'the requester\'s message');
    await expectAxeClean(page, 'notifications with a request to join');
    await activate(page, page.getByRole('button', { name: 'Mark as read' }), 'Mark as read');
    check(await unread(page) === 0, `expected none unread after marking it read, got ${await unread(page)}`);
    await activate(page, page.getByRole('link', { name: 'Answer the request' }), 'the link to the request');
    check(pathOf(page) === `/c/${env.CHANNEL}/members`, `expected the members page, got ${page.url()}`);
    await expectVisible(page.getByRole('heading', { name: 'Asking to join' }), 'the requests');
    await expectAxeClean(page, 'the members page with a request');
    await activate(page, page.getByRole('button', { name: /^Accept/ }), 'the Accept button');
    await expectVisible(page.getByText('is now a member of'), 'the confirmation');
    await expectAxeClean(page, 'the members page after accepting');
  }));

step('The new member is told, reads the group and posts in it, mentioning the manager', async (page) => {
  await page.goto(url('/notifications'));
  await expectVisible(page.getByText('You are now a member of'), 'the answer');
  await visit(page, `/c/${env.CHANNEL}`, 'the group');
  await expectVisible(page.getByRole('button', { name: 'Leave channel' }), 'the way to leave');
  await tabTo(page, page.locator('.composer summary'), 'the composer');
  await page.keyboard.press('Enter');
  // Tab reaches the radio group at its checked choice; an arrow key picks the other.
  await tabTo(page, page.getByLabel('A link, with a note on why it matters'), 'the kind of post');
  await page.keyboard.press('ArrowDown');
  check(await page.getByLabel('A discussion').isChecked(), 'the arrow key did not choose a discussion');
  await typeInto(page, page.getByLabel('Title or subject'), TITLE, 'the title');
  await typeInto(page, page.getByLabel('Why it matters, or what you want to discuss'),
    `Here is a first draft, @${env.MANAGER_HANDLE}: one issue a month.`, 'the body');
  await activate(page, page.getByRole('button', { name: 'Post', exact: true }), 'the Post button');
  check(/^\/p\/\d+$/.test(pathOf(page)), `expected the new thread, got ${page.url()}`);
});

step('The manager sees the mention counted, reads it, marks it read, and pins and announces the post', () =>
  withContext({}, 'manager', async (page) => {
    await signInAs(page, env.MANAGER);
    await eventually(() => unread(page), (n) => n === 1, 'expected 1 unread (the mention) in the header');
    check((await bell(page).getAttribute('aria-label')) === 'Notifications, 1 unread', 'the count\'s accessible name');
    await activate(page, bell(page), 'the notifications link');
    await expectVisible(page.getByText('mentioned you in'), 'the mention');
    await expectAxeClean(page, 'notifications with a mention');
    await activate(page, page.getByRole('button', { name: 'Mark as read' }), 'Mark as read');
    check(await unread(page) === 0, `expected none unread after marking it read, got ${await unread(page)}`);
    check((await bell(page).getAttribute('aria-label')) === 'Notifications, none unread', 'the count\'s accessible name');
    await activate(page, page.getByRole('link', { name: TITLE }), 'the link to the post');
    await activate(page, page.getByRole('button', { name: /^Pin to the top/ }), 'the Pin button');
    await expectVisible(page.getByText('Pinned to the top of'), 'the pin confirmation');
    await tabTo(page, page.getByRole('button', { name: 'Announce to followers' }), 'the Announce button');
    await page.keyboard.press('Enter');
    // With JavaScript the app asks first, in a dialog; confirm it by keyboard.
    const dialog = page.getByRole('dialog');
    if (await dialog.isVisible().catch(() => false)) {
      await tabTo(page, dialog.getByRole('button', { name: 'Announce' }), 'the dialog\'s Announce button');
      await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
    } else {
      await page.waitForLoadState('load');
    }
    await expectVisible(page.getByText('Announced: everyone following'), 'the announce confirmation');
    await expectAxeClean(page, 'a pinned and announced thread');
    await visit(page, `/c/${env.CHANNEL}`, 'the group');
    await expectVisible(page.getByRole('heading', { name: 'Pinned' }), 'the pinned section');
    await expectAxeClean(page, 'the group with a pinned post');
  }));

step('The member sees the announcement on their home page and dismisses it by keyboard', async (page) => {
  await visit(page, '/', 'the home page');
  const section = page.getByRole('region', { name: 'Announcements' });
  await expectVisible(section.getByText(TITLE), 'the announcement');
  await expectAxeClean(page, 'the home page with an announcement');
  await activate(page, section.getByRole('button', { name: /^Dismiss/ }), 'the Dismiss button');
  check((await page.getByRole('region', { name: 'Announcements' }).count()) === 0, 'the announcement is still there');
});

run({ about: 'ask to join, accept, post, notify, pin, announce' });
