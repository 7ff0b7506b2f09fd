// The console's onboarding plan builder (issue #14): an operator makes a three-step link
// (an HRIS, Dagster, Oneflow) with the keyboard only, reorders it, and the link's session
// carries the plan. The form passes axe in light and dark and reflows at 320 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, axeViolations, watchCsp, cspViolations } from './support.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
});

/** Signs in and opens "Link account". */
async function linkForm(options = {}) {
  const context = await browser.newContext(options);
  await watchCsp(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${server.url}/console`);
  await page.getByLabel('Project API key').fill(server.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.goto(`${server.url}/console/link`);
  return { context, page };
}

/** Presses a button from the keyboard: focus, then Enter. */
async function press(page, name) {
  const button = page.getByRole('button', { name, exact: true });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.waitForLoadState('load');
}

test('console: a three-step onboarding link, made and reordered with the keyboard', async () => {
  const { context, page } = await linkForm();
  await page.getByLabel('Origin owner ID').fill('onb-42');
  await page.getByLabel('Origin owner name').fill('Initech');
  for (let i = 0; i < 3; i += 1) await press(page, 'Add a step');
  // Built in the wrong order, then Oneflow moved down to last.
  await page.getByLabel('Step 1: connect').selectOption('provider:oneflow');
  await page.getByLabel('Step 2: connect').selectOption('category:hris');
  await page.getByLabel('Step 3: connect').selectOption('provider:dagster');
  await page.getByLabel('Step 2 label').fill('Your HR system');
  await press(page, 'Move step 1 down');
  await press(page, 'Move step 2 down');
  assert.equal(await page.getByLabel('Step 1: connect').inputValue(), 'category:hris');
  assert.equal(await page.getByLabel('Step 1 label').inputValue(), 'Your HR system', 'a label moves with its step');
  assert.equal(await page.getByLabel('Step 2: connect').inputValue(), 'provider:dagster');
  assert.equal(await page.getByLabel('Step 3: connect').inputValue(), 'provider:oneflow');
  assert.equal(await page.getByRole('button', { name: 'Move step 1 up' }).isDisabled(), true);

  // Enter in a field goes on to the review, not to a plan builder button.
  await page.getByLabel('Origin owner name').press('Enter');
  await page.getByRole('heading', { name: 'Review the auth link' }).waitFor();
  const plan = page.locator('dd ol li');
  assert.deepEqual(await plan.allInnerTexts(), ['HRIS (any connector) — “Your HR system”', 'Dagster', 'Oneflow']);
  await page.getByRole('button', { name: 'Generate' }).click();
  const link = await page.getByLabel('Auth link').inputValue();
  const token = link.split('#token=')[1];
  const r = await fetch(`${server.url}/hub/onboarding`, { headers: { 'x-hub-session-token': token } });
  assert.equal(r.status, 200);
  const progress = await r.json();
  assert.deepEqual(progress.steps.map((s) => s.category ?? s.provider), ['hris', 'dagster', 'oneflow']);
  assert.equal(progress.steps[0].label, 'Your HR system');
  assert.deepEqual(await cspViolations(page.mainFrame()), []);
  await context.close();
});

for (const colorScheme of ['light', 'dark']) {
  test(`console: the plan builder passes axe and reflows at 320 px (${colorScheme})`, async () => {
    const { context, page } = await linkForm({ colorScheme, viewport: { width: 320, height: 800 } });
    await press(page, 'Add a step');
    await press(page, 'Add a step');
    // A refused plan shows its error too.
    await page.getByLabel('Origin owner ID').fill('onb-43');
    await page.getByLabel('Origin owner name').fill('Initrode');
    await page.getByLabel('Step 1: connect').selectOption('category:hris');
    await page.getByLabel('Step 2: connect').selectOption('category:hris');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Step 2: Same as step 1.').first().waitFor();
    assert.deepEqual(await axeViolations(page), []);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 320 px (${overflow} px too wide)`);
    await context.close();
  });
}
