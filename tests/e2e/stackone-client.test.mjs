// The reverse of conformance.test.mjs: StackOne's published client, `@stackone/hub` as npm
// ships it (its self-contained `<stackone-hub>` web component, unmodified), on a host page of
// its own origin, links a Dagster account against the reference server in headless Chromium,
// with no failed request and no console error. (Shared with the reliability work's interop
// check: one file, so each can run it alone.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, createSession, launchBrowser, startStaticServer } from './support.mjs';

const DAGSTER_TOKEN = 'user:0afb128e57084fce8fd15c62d75e4bd6';
const require = createRequire(import.meta.url);
// The package's `./webcomponent` export: the IIFE bundle with React inside.
const WEB_COMPONENT = require.resolve('@stackone/hub/webcomponent');

let server;
let host;
let browser;
const routes = {};

before(async () => {
  host = await startStaticServer(routes);
  server = await startServer({ extraEnv: { LINKHUB_ALLOWED_ORIGINS: host.url } });
  routes['/stackone-hub.js'] = {
    type: 'text/javascript',
    body: readFileSync(WEB_COMPONENT),
  };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await host?.stop();
});

/** A host page showing StackOne's client for `token`, against the reference server. */
function hostPage(token) {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>StackOne client</title><link rel="icon" href="data:,">
    <script src="/stackone-hub.js"></script>
    <stackone-hub id="hub" token="${token}" base-url="${server.url}" height="720px"></stackone-hub>
    <script>
      document.getElementById('hub').addEventListener('success', (e) => {
        document.body.dataset.success = JSON.stringify(e.detail);
      });
    </script></html>`;
}

async function accounts(ownerId) {
  const res = await fetch(`${server.url}/accounts?origin_owner_id=${encodeURIComponent(ownerId)}`, {
    headers: { authorization: `Basic ${Buffer.from(`${server.apiKey}:`).toString('base64')}` },
  });
  assert.equal(res.status, 200);
  return res.json();
}

test('@stackone/hub links a Dagster account against the reference server, with no failed request and no console error', async () => {
  const owner = 'stackone-client-1';
  const session = await createSession(server, { origin_owner_id: owner });
  routes['/stackone.html'] = { type: 'text/html', body: hostPage(session.token) };

  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  context.on('requestfailed', (r) => problems.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  const calls = [];
  context.on('response', (r) => {
    if (r.url().startsWith(server.url)) calls.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
    if (r.status() >= 400) problems.push(`status ${r.status()}: ${r.request().method()} ${r.url()}`);
  });

  await page.goto(`${host.url}/stackone.html`);
  const hub = page.locator('stackone-hub');
  await hub.getByText('Dagster', { exact: true }).first().click();
  await hub.getByText('User Token', { exact: true }).first().waitFor();
  await hub.getByPlaceholder('user:0123456789abcdef0123456789abcdef').fill(DAGSTER_TOKEN);
  await hub.getByPlaceholder('acme').fill('acme');
  await hub.getByPlaceholder('prod').fill('prod');
  await hub.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.waitForFunction(() => document.body.dataset.success);
  const detail = JSON.parse(await page.evaluate(() => document.body.dataset.success));
  assert.equal(detail.provider, 'dagster');

  const linked = await accounts(owner);
  const list = Array.isArray(linked) ? linked : linked.data;
  assert.ok(list.some((a) => a.id === detail.id && a.provider === 'dagster'), `the account is on the server: ${JSON.stringify(linked)}`);
  for (const call of ['GET /hub/settings 200', 'GET /hub/connectors 200', 'POST /hub/accounts 201']) {
    assert.ok(calls.includes(call), `${call} in ${calls.join(', ')}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});
