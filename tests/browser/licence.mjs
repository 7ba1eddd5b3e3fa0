// A licence to post in a real browser: a member who may not post in a channel follows its
// "Apply for a licence to post" link, applies, and is sent back; a coordinator approves from
// Applications; the member's open page, on its next request, offers the composer, posts, and
// shows the unread count. axe-core checks every new page on the way. Run by
// tests/api/browser.rs, or by hand:
//
//   BASE_URL=… PASSWORD=… EMAIL=member@… COORDINATOR=coordinator@… CHANNEL=slug node licence.mjs

import {
  check, expectAxeClean, expectVisible, inputs, pathOf, run, step, url, visit, withContext,
} from './harness.mjs';

const env = inputs('licence', ['COORDINATOR', 'CHANNEL'],
  'BASE_URL=http://127.0.0.1:PORT EMAIL=member@example.org PASSWORD=… COORDINATOR=… CHANNEL=slug node licence.mjs');

const WHY = 'To share the library events programme with colleagues';

async function signInAs(page, email) {
  await page.goto(url('/login'));
  await page.getByLabel('Work email address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(env.PASSWORD);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
  check(pathOf(page) !== '/login', `signing in as ${email} did not leave the sign-in page`);
}

step('A member without a licence is told so in the channel and follows the link to apply', async (page) => {
  await signInAs(page, env.EMAIL);
  await visit(page, `/c/${env.CHANNEL}`, 'the channel');
  check((await page.locator('.composer').count()) === 0, 'expected no composer for a member without a licence');
  await Promise.all([page.waitForEvent('load'), page.getByRole('link', { name: 'Apply for a licence to post' }).click()]);
  check(pathOf(page) === '/apply', `expected the application form, got ${page.url()}`);
  await expectAxeClean(page, 'application form');
});

step('The member applies and is sent back to the channel', async (page) => {
  await page.getByLabel('Why would you like a licence to post?').fill(WHY);
  await page.getByRole('group', { name: 'Which channels would you post in?' }).getByRole('checkbox').first().check();
  await page.getByRole('group', { name: /done the training/ }).getByLabel('Yes').check();
  await page.getByLabel("Your manager's name").fill('Pat Lee');
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Send application' }).click()]);
  check(pathOf(page) === `/c/${env.CHANNEL}`, `expected to be back in the channel, got ${page.url()}`);
  await expectVisible(page.getByText('your application is with the coordinators'), 'the thank-you message');
});

step('The coordinator opens Applications, reads the application and approves it', () =>
  withContext({}, 'coordinator', async (page) => {
    await signInAs(page, env.COORDINATOR);
    await Promise.all([page.waitForEvent('load'), page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Applications' }).click()]);
    check(pathOf(page) === '/applications', `expected the applications page, got ${page.url()}`);
    await expectVisible(page.getByText(WHY), 'the reason given');
    await expectAxeClean(page, 'applications page');
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: /^Approve/ }).click()]);
    await expectVisible(page.getByText('holds a licence to post from their next page'), 'the confirmation');
    await expectAxeClean(page, 'applications page after approving');
  }));

step('On its next request the member\'s page offers the composer, posts, and shows the notice', async (page) => {
  await visit(page, `/c/${env.CHANNEL}`, 'the channel');
  await expectVisible(page.getByRole('link', { name: 'Notifications, 1 unread' }), 'the unread count');
  await page.locator('.composer summary').click();
  await page.getByLabel('A discussion').check();
  await page.getByLabel('Title or subject').fill('Half-term events at every library');
  await page.getByLabel('Why it matters, or what you want to discuss').fill('Lego club, story time and a coding workshop.');
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Post', exact: true }).click()]);
  check(/^\/p\/\d+$/.test(pathOf(page)), `expected the new thread, got ${page.url()}`);
  await visit(page, '/notifications', 'the notifications page');
  await expectVisible(page.getByText('approved your application for a licence to post'), 'the decision');
  await expectAxeClean(page, 'notifications page with a decision');
});

run({ about: 'apply, approve, post' });
