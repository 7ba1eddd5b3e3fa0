// The community's safety loop in a real browser: a member reports a post,
// a moderator hides it from the queue with a reason, and its author is told
// (the unread count on every page, the reason on the notifications page) and still reads
// it, marked, while the reporter sees a notice in its place. axe-core checks
// every page on the way. Run by tests/api/browser.rs, or by hand:
//
//   BASE_URL=… PASSWORD=… EMAIL=reporter@… MODERATOR=mod@… AUTHOR=author@… POST=id node community.mjs

import {
  check, expectAxeClean, expectVisible, h1Text, inputs, pathOf, run, step, url, visit, withContext,
} from './harness.mjs';

const env = inputs('community', ['MODERATOR', 'AUTHOR', 'POST'],
  'BASE_URL=http://127.0.0.1:PORT EMAIL=reporter@example.org PASSWORD=… MODERATOR=… AUTHOR=… POST=id node community.mjs');

const REASON = 'Names a colleague who is off sick';

async function signInAs(page, email) {
  await page.goto(url('/login'));
  await page.getByLabel('Work email address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(env.PASSWORD);
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
  check(pathOf(page) !== '/login', `signing in as ${email} did not leave the sign-in page`);
}

step('A member opens the thread and follows its Report link', async (page) => {
  await signInAs(page, env.EMAIL);
  await visit(page, `/p/${env.POST}`, 'the thread');
  await page.getByRole('link', { name: 'Report this post' }).click();
  check(pathOf(page) === `/p/${env.POST}/report`, `expected the report form, got ${page.url()}`);
  await expectAxeClean(page, 'report form');
});

step('Sending without a reason keeps the form and says what is missing', async (page) => {
  await page.getByLabel('Anything the moderators should know').fill('It names someone');
  await page.getByRole('button', { name: 'Send report' }).click();
  await expectVisible(page.getByRole('alert'), 'the error summary');
  check((await page.getByLabel('Anything the moderators should know').inputValue()) === 'It names someone', 'the details were kept');
  await expectAxeClean(page, 'report form with an error');
});

step('Choosing a reason sends it, and the thread thanks the reporter', async (page) => {
  await page.getByLabel('Personal data that should not be here').check();
  await page.getByRole('button', { name: 'Send report' }).click();
  check(pathOf(page) === `/p/${env.POST}`, `expected the thread again, got ${page.url()}`);
  await expectVisible(page.getByText('the moderators will look at your report'), 'the thanks');
});

step('The moderator finds it in the queue and hides it with a reason', async () => {
  await withContext({}, 'moderator', async (mod) => {
    await signInAs(mod, env.MODERATOR);
    await mod.getByRole('link', { name: 'Moderation', exact: true }).click();
    check(pathOf(mod) === '/moderation', `expected the queue, got ${mod.url()}`);
    await expectVisible(mod.getByText('Personal data that should not be here (1)'), 'the report and its reason');
    await expectAxeClean(mod, 'moderation queue');
    await mod.getByLabel('Reason for hiding (the author reads it)').fill(REASON);
    await mod.getByRole('button', { name: /^Hide/ }).click();
    await expectVisible(mod.getByText('Its author was told why'), 'the confirmation');
    await expectVisible(mod.getByText('No reports waiting'), 'an empty queue');
  });
});

step('The reporter now sees a notice where the post was', async (page) => {
  await visit(page, `/p/${env.POST}`, 'the thread');
  check((await h1Text(page)) === 'Post hidden', `expected "Post hidden", got "${await h1Text(page)}"`);
  await expectAxeClean(page, 'hidden post, as others see it');
});

step('Its author is told on the next page, reads why, and still reads the post', async () => {
  await withContext({}, 'author', async (author) => {
    await signInAs(author, env.AUTHOR);
    const unread = author.getByRole('link', { name: 'Notifications, 1 unread' });
    await expectVisible(unread, 'the unread count in the header');
    await unread.click();
    check(pathOf(author) === '/notifications', `expected the notifications page, got ${author.url()}`);
    await expectVisible(author.getByText(REASON), 'the reason');
    await expectAxeClean(author, 'notifications page');
    await author.getByRole('link', { name: 'See it' }).click();
    await expectVisible(author.getByText('Hidden by a moderator.'), 'the mark on the post');
    await expectAxeClean(author, 'hidden post, as its author sees it');
    await visit(author, '/notifications', 'the notifications page');
    await author.getByRole('button', { name: 'Mark as read' }).click();
    check(
      (await author.getByRole('link', { name: 'Notifications, none unread' }).count()) === 1,
      'the count is gone once read',
    );
  });
});

run();
