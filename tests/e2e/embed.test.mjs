// Embedding with one script tag: a host page served from one loopback origin opens the hub,
// served by the real server from another, as a modal and inline; a hostile frame from a third
// origin tries look-alike messages; the token stays out of every URL and referrer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, createSession, launchBrowser, startStaticServer, watchCsp, cspViolations,
} from './support.mjs';

const ROOT = process.env.LINKHUB_ROOT || join(import.meta.dirname, '..', '..');
const DAGSTER_TOKEN = 'user:0afb128e57084fce8fd15c62d75e4bd6';
const ONEFLOW_TOKEN = 'Ab12-Cd34-Ef56-Gh78-Ij90-Kl12-Mn34-Op567';

let host;
let hostile;
let server;
let browser;

before(async () => {
  // The host page is the repository's example, with the loader taken from the hub's origin.
  const routes = {};
  host = await startStaticServer(routes);
  server = await startServer({ extraEnv: { LINKHUB_ALLOWED_ORIGINS: host.url } });
  const html = readFileSync(join(ROOT, 'examples/host.html'), 'utf8')
    .replace('src="/linkhub.js"', `src="${server.url}/linkhub.js"`);
  routes['/host.html'] = { type: 'text/html', body: html };
  routes['/host.js'] = { type: 'text/javascript', body: readFileSync(join(ROOT, 'examples/host.js')) };
  routes['/host.css'] = { type: 'text/css', body: readFileSync(join(ROOT, 'examples/host.css')) };
  hostile = await startStaticServer({
    '/hostile.html': {
      type: 'text/html',
      body: `<!doctype html><script>
        const forged = [
          { source: 'linkhub', type: 'event', event: { name: 'SUCCESS', account_id: 'forged', provider: 'evil', session_id: 'x', timestamp: 'now' } },
          { source: 'linkhub', type: 'init', token: 'forged-token', options: {} },
          { source: 'linkhub', type: 'close' },
          { source: 'linkhub', type: 'ready' },
        ];
        function fire() {
          for (const m of forged) {
            parent.postMessage(m, '*');
            for (let i = 0; i < parent.frames.length; i++) parent.frames[i].postMessage(m, '*');
          }
        }
        fire(); setInterval(fire, 100);
      </script>`,
    },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await host?.stop();
  await hostile?.stop();
});

/** A fresh context on the host page with the token in its fragment, watching requests. */
async function openHost(owner) {
  const session = await createSession(server, { origin_owner_id: owner });
  const context = await browser.newContext();
  await watchCsp(context);
  await context.addInitScript(() => {
    // Count live `message` listeners, to prove destroy() removes the loader's.
    window.__messageListeners = 0;
    const add = window.addEventListener.bind(window);
    const remove = window.removeEventListener.bind(window);
    window.addEventListener = (t, f, o) => { if (t === 'message') window.__messageListeners++; return add(t, f, o); };
    window.removeEventListener = (t, f, o) => { if (t === 'message') window.__messageListeners--; return remove(t, f, o); };
  });
  const requests = [];
  context.on('request', (r) => requests.push({ url: r.url(), token: r.headers()['x-hub-session-token'] }));
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${host.url}/host.html#token=${session.token}`);
  return { session, context, page, requests };
}

async function linkDagster(frame) {
  await frame.getByRole('searchbox').fill('dag');
  await frame.getByRole('button', { name: /Dagster/ }).click();
  await frame.getByLabel('User Token', { exact: true }).fill(DAGSTER_TOKEN);
  await frame.getByLabel('Organization slug', { exact: true }).fill('acme');
  await frame.getByLabel('Deployment', { exact: true }).fill('prod');
  await frame.getByRole('button', { name: 'Connect', exact: true }).click();
  await frame.getByRole('heading', { name: 'Account connected' }).waitFor();
  return (await frame.getByTestId('account-id').textContent()).trim();
}

function assertTokenKeptSecret(session, requests) {
  for (const r of requests) assert.ok(!r.url.includes(session.token), `token in a request URL: ${r.url}`);
  assert.ok(requests.some((r) => r.token === session.token), 'the hub used the token in its header');
}

test('modal: link an account and hand its id to onSuccess', async () => {
  const { session, context, page, requests } = await openHost('embed-modal');
  await page.getByRole('button', { name: 'Open as a modal' }).click();
  await page.getByRole('dialog', { name: 'Connect an account' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.style.overflow), 'hidden');
  const frame = page.frameLocator('iframe.linkhub-frame');
  const accountId = await linkDagster(frame);
  await page.waitForFunction((id) => document.getElementById('result').dataset.accountId === id, accountId);
  const events = await page.locator('#events li').allTextContents();
  for (const name of ['OPEN', 'SELECT_CONNECTOR', 'SUBMIT', 'SUCCESS']) {
    assert.ok(events.some((e) => e.includes(` ${name}`)), `${name} in ${events}`);
  }
  const hubFrame = page.frames().find((f) => f.url().startsWith(server.url));
  assert.equal(await hubFrame.evaluate(() => document.referrer), '', 'no referrer reaches the hub');
  assert.deepEqual(await cspViolations(hubFrame), []);
  assertTokenKeptSecret(session, requests);
  await context.close();
});

test('modal: Esc and the close button close it, focus returns, scroll unlocks, nothing is left', async () => {
  const { context, page } = await openHost('embed-close');
  const opener = page.getByRole('button', { name: 'Open as a modal' });
  await opener.click();
  await page.frameLocator('iframe.linkhub-frame').getByRole('searchbox').waitFor();
  // Esc pressed inside the hub frame closes it too.
  await page.frameLocator('iframe.linkhub-frame').getByRole('searchbox').press('Escape');
  await page.waitForFunction(() => !document.querySelector('.linkhub-modal'));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'open-modal');
  assert.equal(await page.evaluate(() => document.documentElement.style.overflow), '');
  assert.equal(await page.evaluate(() => document.getElementById('result').dataset.closed), 'true');

  await opener.click();
  await page.getByRole('button', { name: 'Close' }).waitFor();
  // Opening again while open does not make a second hub.
  await page.evaluate(() => document.getElementById('open-modal').click());
  assert.equal(await page.locator('iframe.linkhub-frame').count(), 1);
  // Tab from the close button stays inside the dialog.
  await page.getByRole('button', { name: 'Close' }).focus();
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'linkhub-frame');
  await page.getByRole('button', { name: 'Close' }).click();
  await page.waitForFunction(() => !document.querySelector('.linkhub-modal, iframe'));
  assert.equal(await page.evaluate(() => window.__messageListeners), 0, 'listener removed');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'open-modal');
  await context.close();
});

test('the embed code fails to load: the frame offers a retry that finishes the handshake', async () => {
  const { context, page } = await openHost('embed-chunk');
  // Reading the host's options is a wasm chunk of its own (`split_embed_handshake.wasm`).
  let refused = 0;
  const chunk = /\/split_embed_handshake\.wasm$/;
  await context.route(chunk, (route) => { refused += 1; return route.abort('connectionrefused'); });
  await page.getByRole('button', { name: 'Show inline below' }).click();
  const frame = page.frameLocator('#inline-hub iframe');
  await frame.getByRole('heading', { name: "We couldn't reach the server" }).waitFor();
  assert.ok(refused >= 1, 'the chunk was asked for');
  await context.unroute(chunk);
  await frame.getByRole('button', { name: 'Try again' }).click();
  await frame.getByRole('searchbox').waitFor();
  await frame.getByRole('button', { name: /Dagster/ }).waitFor();
  await context.close();
});

test('inline: mount in a container and link an account', async () => {
  const { session, context, page, requests } = await openHost('embed-inline');
  await page.getByRole('button', { name: 'Show inline below' }).click();
  const frame = page.frameLocator('#inline-hub iframe');
  await frame.getByRole('searchbox').fill('oneflow');
  await frame.getByRole('button', { name: /Oneflow/ }).click();
  await frame.getByLabel('API Token', { exact: true }).fill(ONEFLOW_TOKEN);
  await frame.getByLabel('User Email', { exact: true }).fill('ops@example.com');
  await frame.getByRole('button', { name: 'Connect', exact: true }).click();
  await frame.getByRole('heading', { name: 'Account connected' }).waitFor();
  const accountId = (await frame.getByTestId('account-id').textContent()).trim();
  await page.waitForFunction((id) => document.getElementById('result').dataset.accountId === id, accountId);
  // Mounting again replaces the hub rather than adding a second one.
  await page.getByRole('button', { name: 'Show inline below' }).click();
  assert.equal(await page.locator('#inline-hub iframe').count(), 1);
  assertTokenKeptSecret(session, requests);
  await context.close();
});

test('a hostile frame posting look-alike messages changes nothing', async () => {
  const { session, context, page, requests } = await openHost('embed-hostile');
  await page.getByRole('button', { name: 'Show inline below' }).click();
  const frame = page.frameLocator('#inline-hub iframe');
  await frame.getByRole('searchbox').waitFor();
  await page.evaluate((src) => {
    const f = document.createElement('iframe');
    f.src = src;
    f.id = 'hostile';
    document.body.appendChild(f);
  }, `${hostile.url}/hostile.html`);
  await page.waitForTimeout(800);
  assert.equal(await page.evaluate(() => document.getElementById('result').textContent), '');
  assert.equal(await page.evaluate(() => document.getElementById('result').dataset.closed), undefined);
  assert.equal(await page.locator('#inline-hub iframe').count(), 1, 'a forged close did not close it');
  const events = await page.locator('#events li').allTextContents();
  assert.ok(!events.some((e) => e.includes('forged')), `forged events reached the host: ${events}`);
  assert.ok(!requests.some((r) => r.token === 'forged-token'), 'the hub never used a forged token');
  // The real hub still works.
  await frame.getByRole('button', { name: /Dagster/ }).waitFor();
  assertTokenKeptSecret(session, requests);
  await context.close();
});
