// A complete link with the keyboard alone (WCAG 2.1.1): from the auth link, only
// `page.keyboard` — Tab, typing, Enter, Space — finds Dagster, opens a guide section, is sent
// to the first invalid field, fills the form and connects. Focus lands on each new screen's
// heading, and Back returns to the list's heading with the search as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createSession, launchBrowser, newPage } from './support.mjs';

const DAGSTER_TOKEN = 'user:0afb128e57084fce8fd15c62d75e4bd6';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A short description of the focused element, for assertions and messages. */
const focused = (page) => page.evaluate(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return 'body';
  const name = e.getAttribute('aria-label') || e.labels?.[0]?.textContent || e.textContent || '';
  return `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.type ? `[${e.type}]` : ''} ${name.trim().replace(/\s+/g, ' ')}`;
});

/** Presses Tab until the focused element matches `predicate` (run in the page); fails after `max`. */
async function tabTo(page, predicate, what, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate)) return;
  }
  assert.fail(`Tab never reached ${what}; focus is on ${await focused(page)}`);
}

/** Waits until the focused element is the heading named `text`. */
async function focusOnHeading(page, text) {
  await page.waitForFunction((t) => {
    const e = document.activeElement;
    return e && /^H[1-6]$/.test(e.tagName) && e.textContent.trim() === t;
  }, text);
}

test('keyboard only: search, choose, read the guide, fix, fill, submit, success', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-keyboard' });
  const { page, context, errors } = await newPage(browser);
  page.setDefaultTimeout(10_000);
  await page.goto(session.auth_link_url);
  await page.getByRole('searchbox').waitFor();

  // The search box is the first stop.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.type), 'search', await focused(page));
  await page.keyboard.type('dag');
  await tabTo(page, () => document.activeElement.dataset?.provider === 'dagster', 'the Dagster button');
  await page.keyboard.press('Enter');
  await focusOnHeading(page, 'Dagster');

  // The guide: the second section opens with Space on its toggle.
  await page.getByRole('heading', { name: 'How to get your credentials' }).waitFor();
  await tabTo(page, () => {
    const e = document.activeElement;
    return e.classList.contains('lh-guide__toggle') && e.getAttribute('aria-expanded') === 'false';
  }, 'a collapsed guide section');
  const controls = await page.evaluate(() => document.activeElement.getAttribute('aria-controls'));
  await page.keyboard.press('Space');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-expanded')), 'true');
  assert.equal(await page.locator(`#${controls}`).isVisible(), true, 'the section body shows');

  // Submitting empty sends focus to the first invalid field, and says why.
  await tabTo(page, () => document.activeElement.type === 'submit', 'the Connect button');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement.id === 'lh-field-user_token');
  await page.getByText('Some fields need your attention').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-invalid')), 'true');

  await page.keyboard.type(DAGSTER_TOKEN);
  await tabTo(page, () => document.activeElement.labels?.[0]?.textContent.trim() === 'Organization slug', 'Organization slug');
  await page.keyboard.type('acme');
  await tabTo(page, () => document.activeElement.labels?.[0]?.textContent.trim() === 'Deployment', 'Deployment');
  await page.keyboard.type('prod');
  await tabTo(page, () => document.activeElement.type === 'submit', 'the Connect button');
  await page.keyboard.press('Enter');

  await focusOnHeading(page, 'Account connected');
  assert.ok((await page.getByTestId('account-id').textContent()).trim().length > 0);
  assert.deepEqual(errors.filter((e) => !e.startsWith('Failed to load resource')), []);
  await context.close();
});

test('keyboard only: Back returns to the list heading with the search kept', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-keyboard-back' });
  const { page, context } = await newPage(browser);
  page.setDefaultTimeout(10_000);
  await page.goto(session.auth_link_url);
  await page.getByRole('searchbox').waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.type('one');
  await tabTo(page, () => document.activeElement.dataset?.provider === 'oneflow', 'the Oneflow button');
  await page.keyboard.press('Space');
  await focusOnHeading(page, 'Oneflow');
  await tabTo(page, () => document.activeElement.classList.contains('lh-page__back'), 'the Back button');
  await page.keyboard.press('Enter');
  await focusOnHeading(page, 'Choose a provider');
  assert.equal(await page.getByRole('searchbox').inputValue(), 'one');
  // And onwards from the heading: the next stop is the search box again.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.type), 'search');
  await context.close();
});

test('keyboard only: an expired session focuses its message', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-keyboard-expired' });
  const { page, context } = await newPage(browser);
  page.setDefaultTimeout(10_000);
  await page.goto(session.auth_link_url.replace(/token=[^&]+/, 'token=lh_not_a_session'));
  await focusOnHeading(page, 'This session has expired');
  await context.close();
});

test('keyboard only: arrow keys choose an action in the guide picker', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-keyboard-picker', provider: 'personio' });
  const { page, context } = await newPage(browser);
  page.setDefaultTimeout(10_000);
  await page.goto(session.auth_link_url);
  await page.getByRole('group', { name: 'What will you use this connection for?' }).waitFor();
  const headings = () => page.locator('.lh-guide__toggle').allTextContents();
  const all = await headings();
  await tabTo(page, () => document.activeElement.type === 'radio', 'the action picker');
  assert.equal(await page.evaluate(() => document.activeElement.checked), true, 'focus is on the chosen action');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.checked && document.activeElement.value !== ''), true);
  await page.waitForFunction((n) => document.querySelectorAll('.lh-guide__toggle').length < n, all.length);
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction((n) => document.querySelectorAll('.lh-guide__toggle').length === n, all.length);
  assert.deepEqual(await headings(), all);
  await context.close();
});
