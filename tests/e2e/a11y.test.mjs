// Accessibility of every widget screen, checked with axe-core in light and dark: the list,
// a connector page with its guide, the form showing errors, and the success screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, createSession, launchBrowser } from './support.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

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

/** Runs axe on the page; returns "rule: target" lines for each violation. */
async function violations(page) {
  // Injected through the DevTools protocol, so the hub's Content-Security-Policy stays as it is.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return result;
}

for (const colorScheme of ['light', 'dark']) {
  test(`every screen passes axe (${colorScheme})`, async () => {
    const session = await createSession(server, { origin_owner_id: `owner-a11y-${colorScheme}` });
    const context = await browser.newContext({ colorScheme });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(session.auth_link_url);
    await page.getByRole('searchbox').waitFor();
    assert.deepEqual(await violations(page), [], 'list');

    await page.getByRole('searchbox').fill('dag');
    await page.getByRole('button', { name: /Dagster/ }).click();
    await page.getByRole('heading', { name: 'How to get your credentials' }).waitFor();
    assert.deepEqual(await violations(page), [], 'connector page');

    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByText('Some fields need your attention').waitFor();
    assert.deepEqual(await violations(page), [], 'form with errors');

    await page.getByLabel('User Token', { exact: true }).fill('user:0afb128e57084fce8fd15c62d75e4bd6');
    await page.getByLabel('Organization slug', { exact: true }).fill('acme');
    await page.getByLabel('Deployment', { exact: true }).fill('prod');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('heading', { name: 'Account connected' }).waitFor();
    assert.deepEqual(await violations(page), [], 'success');
    await context.close();
  });
}
