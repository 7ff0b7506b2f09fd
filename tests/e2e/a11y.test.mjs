// Accessibility of every widget screen, checked with axe-core in light and dark: the list,
// a connector page with its guide, the form showing errors, and the success screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createSession, launchBrowser, axeViolations } from './support.mjs';

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


for (const colorScheme of ['light', 'dark']) {
  test(`every screen passes axe (${colorScheme})`, async () => {
    const session = await createSession(server, { origin_owner_id: `owner-a11y-${colorScheme}` });
    const context = await browser.newContext({ colorScheme });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(session.auth_link_url);
    await page.getByRole('searchbox').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'list');

    await page.getByRole('searchbox').fill('dag');
    await page.getByRole('button', { name: /Dagster/ }).click();
    await page.getByRole('heading', { name: 'How to get your credentials' }).waitFor();
    assert.deepEqual(await axeViolations(page), [], 'connector page');

    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByText('Some fields need your attention').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'form with errors');

    await page.getByLabel('User Token', { exact: true }).fill('user:0afb128e57084fce8fd15c62d75e4bd6');
    await page.getByLabel('Organization slug', { exact: true }).fill('acme');
    await page.getByLabel('Deployment', { exact: true }).fill('prod');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('heading', { name: 'Account connected' }).waitFor();
    assert.deepEqual(await axeViolations(page), [], 'success');
    await context.close();
  });
}
