// The walking skeleton end to end: an auth link opened in Chromium lists the catalog's
// connectors, served by the real server; a bad token gets the expired-session screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createSession, launchBrowser, newPage } from './support.mjs';

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

test('the auth link lists the connectors of the catalog', async () => {
  const session = await createSession(server);
  assert.match(session.auth_link_url, /#token=/, 'token travels in the fragment');
  assert.ok(!session.auth_link_url.includes('?token='), 'never in a query string');
  const { page, context, errors } = await newPage(browser);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(session.auth_link_url);
  const list = page.getByRole('list');
  await list.getByRole('button', { name: /Dagster/ }).waitFor();
  await list.getByRole('button', { name: /Oneflow/ }).waitFor();
  const names = await page.locator('.lh-connector__name').allTextContents();
  assert.ok(names.length >= 2, `expected the catalog's connectors, got ${names}`);
  assert.ok(!page.url().includes(session.token), 'token stripped from the address bar');
  assert.ok(requests.every((u) => !u.includes(session.token)), 'token in no request URL');
  assert.ok(requests.every((u) => !u.includes('split_embed_handshake')), 'the embed code is only for embedding');
  assert.ok(requests.every((u) => !u.includes('split_host_theme')), 'the theme code is only for a host theme');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a logo that fails to load gives way to the lettered mark; the others stay', async () => {
  const session = await createSession(server);
  const { page, context, errors } = await newPage(browser);
  await page.route('**/catalog/dagster/logo.svg', (route) => route.fulfill({ status: 404, body: '' }));
  await page.goto(session.auth_link_url);
  const dagster = page.getByRole('button', { name: /Dagster/ });
  const mark = dagster.locator('.lh-connector__mark');
  await mark.waitFor({ state: 'visible' });
  assert.equal((await mark.textContent()).trim(), 'D');
  assert.equal(await dagster.locator('img').isVisible(), false, 'the broken image is hidden');
  // Decorative: the button's name is the connector's, not the letter.
  assert.equal(await dagster.locator('.lh-connector__logo').getAttribute('aria-hidden'), 'true');
  const oneflow = page.getByRole('button', { name: /Oneflow/ });
  await page.waitForFunction(() => [...document.querySelectorAll('.lh-connector[data-provider=oneflow] img')]
    .every((img) => img.complete && img.naturalWidth > 0));
  assert.equal(await oneflow.locator('img').isVisible(), true);
  assert.equal(await oneflow.locator('.lh-connector__mark').isVisible(), false);
  // A failed image is a network error in the console, nothing else.
  assert.ok(errors.every((e) => /Failed to load resource/.test(e)), errors.join('\n'));
  await context.close();
});

test('search narrows the list as you type', async () => {
  const session = await createSession(server);
  const { page, context } = await newPage(browser);
  await page.goto(session.auth_link_url);
  await page.getByRole('button', { name: /Dagster/ }).waitFor();
  // The count says how many the link offers (all of them are listed: fewer than a page).
  const all = await page.locator('.lh-connector').count();
  assert.equal(await page.locator('.lh-list__count').textContent(), `${all} providers available`);
  await page.getByRole('searchbox').fill('dag');
  await page.waitForFunction(() => document.querySelectorAll('.lh-connector__name').length === 1);
  assert.deepEqual(await page.locator('.lh-connector__name').allTextContents(), ['Dagster']);
  // A search without a match says so, quoting the query as typed.
  await page.getByRole('searchbox').fill('zzz {count}');
  await page.getByRole('status').filter({ hasText: 'No provider matches “zzz {count}”.' }).waitFor();
  await context.close();
});

test('an unknown token shows the expired-session screen', async () => {
  const { page, context } = await newPage(browser);
  await page.goto(`${server.url}/link#token=not-a-real-token`);
  await page.getByRole('heading', { name: 'This session has expired' }).waitFor();
  await context.close();
});

test('a page opened without a token says the link is incomplete', async () => {
  const { page, context } = await newPage(browser);
  await page.goto(`${server.url}/link`);
  await page.getByRole('heading', { name: 'This link is incomplete' }).waitFor();
  await context.close();
});

test('a theme named by the link pins light or dark, whatever the system says', async () => {
  const session = await createSession(server);
  const { page, context } = await newPage(browser);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(`${session.auth_link_url}&theme=dark`);
  await page.locator('.lh-connector__name').first().waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(17, 20, 24)');
  const other = await createSession(server);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('about:blank'); // a fragment-only change would not reload the page
  await page.goto(`${other.auth_link_url}&theme=nonsense`);
  await page.locator('.lh-connector__name').first().waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), undefined);
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(17, 20, 24)', 'system dark followed');
  await context.close();
});

test('white-label mode drops linkhub branding', async () => {
  const session = await createSession(server);
  const { page, context } = await newPage(browser);
  await page.goto(`${session.auth_link_url}&whitelabel=1`);
  await page.locator('.lh-connector__name').first().waitFor();
  assert.equal(await page.getByText('Secured by linkhub').count(), 0);
  const branded = await createSession(server);
  await page.goto('about:blank');
  await page.goto(branded.auth_link_url);
  await page.getByText('Secured by linkhub').waitFor();
  await context.close();
});

test("the connector page's code is fetched as the hub starts, beside the session's requests, without a click", async () => {
  const session = await createSession(server);
  const { page, context, errors } = await newPage(browser);
  await page.addInitScript(() => {
    // When the first connector name enters the page, on the page's own clock.
    new MutationObserver((_, obs) => {
      if (document.querySelector('.lh-connector__name')) { window.__listAt = performance.now(); obs.disconnect(); }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(session.auth_link_url);
  await page.getByRole('list').getByRole('button', { name: /Dagster/ }).waitFor();
  const seen = await page.waitForFunction(() => {
    const entries = performance.getEntriesByType('resource');
    const chunk = entries.find((r) => /\/split_connector_page\.wasm$/.test(r.name));
    const list = entries.find((r) => /\/hub\/connectors$/.test(r.name));
    return chunk && list && { chunk: chunk.startTime, listAsked: list.startTime, listAnswered: list.responseEnd, listAt: window.__listAt };
  }, null, { timeout: 5000 }).then((h) => h.jsonValue());
  // Asked for while the session's list was on its way, not after the list was shown.
  assert.ok(seen.chunk < seen.listAnswered, `requested before the list's answer came: ${JSON.stringify(seen)}`);
  assert.ok(seen.chunk < seen.listAt, `requested before the list was shown: ${JSON.stringify(seen)}`);
  // Opening a connector now needs no further code.
  const more = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) more.push(r.url()); });
  await page.getByRole('button', { name: /Dagster/ }).click();
  await page.getByLabel('User Token', { exact: true }).waitFor();
  assert.ok(!more.some((u) => /split_connector_page/.test(u)), `no connector page code fetched on click: ${more}`);
  // Only the hand-off panel's code may come now, after the form (its chunk and what it shares).
  assert.ok(more.every((u) => /\/(split_handoff|chunk_\d+)\.wasm$/.test(u)), `${more}`);
  assert.deepEqual(errors, []);
  await context.close();
});
