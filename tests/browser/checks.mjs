// Checks shared by the real-browser tests (playwright-core has no `expect`):
// a failed check throws CheckFailed with a sentence saying what was expected
// and what was found, which the scripts log and save a screenshot for.

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
export const STEP_TIMEOUT_MS = 15_000;

export class CheckFailed extends Error {}

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

export async function h1Text(page) {
  const h1 = page.getByRole('heading', { level: 1 });
  return (await h1.count()) ? (await h1.first().innerText()).trim() : '(no h1)';
}
