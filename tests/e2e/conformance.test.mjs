// The widget against a StackOne-style backend that is not linkhub's: three origins, as a
// team that keeps StackOne (or its own compatible backend) would run it.
//
//   host page (origin 1) ── LinkHub.open({ token, hubUrl, baseUrl }) ──▶ hub (origin 2: the
//   release widget as static files, no reference server) ── /hub/* ──▶ backend (origin 3:
//   StackOne-shaped answers only, see stackone.mjs)
//
// A Dagster account is linked end to end by the embed and by an auth link with `&base=`, with
// zero Content-Security-Policy violations; a backend the hub's operator did not allow, or a
// base that is not a valid one, gets the clear refusal and is sent nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startStaticServer, watchCsp, cspViolations } from './support.mjs';
import { DAGSTER_TOKEN, startStackOneBackend, startStaticHub, staticCsp } from './stackone.mjs';

const REFUSED = 'This hub may not connect to that service';

let backend;
let stranger; // a second StackOne-shaped backend, which the hub's policy does not list
let hub;
let host;
let browser;

before(async () => {
  const dist = process.env.LINKHUB_DIST;
  if (!dist) throw new Error('LINKHUB_DIST is not set: run through `cargo xtask test --tier e2e`');
  backend = await startStackOneBackend();
  stranger = await startStackOneBackend({ tokens: [backend.token] });
  const routes = {};
  host = await startStaticServer(routes);
  hub = await startStaticHub(dist, staticCsp({ apiOrigins: [backend.url], frameAncestors: [host.url] }));
  // A host page of its own origin: the loader from the hub's origin, its options from the
  // page's fragment (a real host would get the token from its backend).
  routes['/host.html'] = {
    type: 'text/html',
    body: `<!doctype html><html lang="en"><meta charset="utf-8"><title>Host</title><link rel="icon" href="data:,">
      <script src="${hub.url}/linkhub.js"></script>
      <button id="open" type="button">Connect Dagster</button>
      <output id="result"></output>
      <script>
        const q = new URLSearchParams(location.hash.slice(1));
        const result = document.getElementById('result');
        document.getElementById('open').addEventListener('click', () => {
          try {
            LinkHub.open({
              token: q.get('token'), hubUrl: q.get('hub'), baseUrl: q.get('base'),
              onSuccess: (account) => { result.dataset.accountId = account.accountId; result.dataset.provider = account.provider; },
            });
          } catch (e) { result.dataset.thrown = e.message; }
        });
      </script></html>`,
  };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await hub?.stop();
  await host?.stop();
  await backend?.stop();
  await stranger?.stop();
});

/** A fresh context recording CSP violations, console errors and every request. */
async function open() {
  const context = await browser.newContext();
  await watchCsp(context);
  const requests = [];
  context.on('request', (r) => requests.push({ url: r.url(), method: r.method(), headers: r.headers() }));
  const failed = [];
  context.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page, requests, failed, errors };
}

/**
 * Console errors other than Chromium's line for each answer with an error status, which the
 * StackOne-shaped backend gives on purpose (no `/hub/settings`, a refused token).
 */
const unexpected = (errors) => errors.filter((e) => !/Failed to load resource: the server responded with a status of (400|404)/.test(e));

/**
 * Links Dagster in `frame` against the StackOne-shaped backend: the connector page shows its
 * StackOne hints (no guide), a refused token shows the backend's message, the right one
 * links. Returns the account id the hub shows.
 */
async function linkDagster(frame) {
  await frame.getByRole('searchbox').fill('dag');
  await frame.getByRole('button', { name: /Dagster/ }).click();
  await frame.getByRole('heading', { level: 2, name: 'Dagster' }).waitFor();
  // StackOne's format: field hints, notices (top and anchored), the support link; no guide.
  await frame.getByText('A Dagster+ user token (Organization settings > Tokens).').waitFor();
  await frame.getByText(/The subdomain of your Dagster\+ address/).waitFor();
  await frame.getByText('StackOne-shaped notice: the token is used read-only.').waitFor();
  await frame.getByText('Anchored notice: use a token of a service user.').waitFor();
  assert.equal(await frame.getByRole('link', { name: /Dagster/ }).first().getAttribute('href'), 'https://docs.dagster.io/');
  assert.equal(await frame.getByRole('heading', { name: 'How to get your credentials' }).count(), 0, 'no guide without config.guide');

  await frame.getByLabel('User Token', { exact: true }).fill(`user:${'0'.repeat(32)}`);
  await frame.getByLabel('Organization slug', { exact: true }).fill('acme');
  await frame.getByLabel('Deployment', { exact: true }).fill('prod');
  await frame.getByRole('button', { name: 'Connect', exact: true }).click();
  // An error body without `fields`: its message is shown.
  await frame.getByText('The details were refused: Dagster refused the user token (401 Unauthorized)').waitFor();

  await frame.getByLabel('User Token', { exact: true }).fill(DAGSTER_TOKEN);
  await frame.getByRole('button', { name: 'Connect', exact: true }).click();
  await frame.getByRole('heading', { name: 'Account connected' }).waitFor();
  return (await frame.getByTestId('account-id').textContent()).trim();
}

/** What the backend received: the session token in its header only, StackOne's own headers. */
function assertBackendSaw(requests, token) {
  assert.ok(requests.length >= 3, `the widget called the backend: ${JSON.stringify(requests)}`);
  for (const r of requests) {
    assert.equal(r.token, token, `${r.method} ${r.path} carried the session token`);
    assert.ok(!r.query.includes(token), `no token in a URL: ${r.path}${r.query}`);
    // `?lang=` is linkhub's extension: a backend that does not offer it is not sent it.
    if (r.path.startsWith('/hub/connectors/')) assert.equal(r.query, '', `${r.path}${r.query}`);
    // Its CORS does not allow it: a widget that sent it would have had its submit refused.
    assert.equal(r.idempotencyKey, undefined, `no Idempotency-Key to a StackOne-style backend: ${r.path}`);
  }
  const posts = requests.filter((r) => r.method === 'POST' && r.path === '/hub/accounts');
  assert.equal(posts.length, 2, 'one refused and one accepted submit');
  assert.deepEqual(Object.keys(posts[1].body).sort(), ['credentials', 'integration_id']);
  assert.deepEqual(posts[1].body.credentials, { user_token: DAGSTER_TOKEN, organization: 'acme', deployment: 'prod' });
  assert.ok(requests.some((r) => r.path === '/hub/settings'), 'the widget asked for settings and took the 404 in its stride');
}

/** Nothing but the hub's own files and the backend's answers was requested. */
function assertOnlyNamedOrigins(requests, origins) {
  for (const r of requests) {
    const origin = new URL(r.url).origin;
    assert.ok(origins.includes(origin), `a request to ${r.url} (allowed: ${origins.join(', ')})`);
  }
}

test('embed: LinkHub.open({ token, hubUrl, baseUrl }) links Dagster on a StackOne-shaped backend, with zero CSP violations', async () => {
  const seen = backend.requests.length;
  const { context, page, requests, failed, errors } = await open();
  const q = new URLSearchParams({ token: backend.token, hub: hub.url, base: backend.url });
  await page.goto(`${host.url}/host.html#${q}`);
  await page.getByRole('button', { name: 'Connect Dagster' }).click();
  const frame = page.frameLocator('iframe.linkhub-frame');
  const accountId = await linkDagster(frame);
  await page.waitForFunction((id) => document.getElementById('result').dataset.accountId === id, accountId);
  assert.equal(await page.evaluate(() => document.getElementById('result').dataset.provider), 'dagster');
  assert.equal(backend.accounts.at(-1).id, accountId, 'the account the backend made is the one the host was told of');

  const hubFrame = page.frames().find((f) => f.url().startsWith(hub.url));
  assert.ok(hubFrame.url().startsWith(`${hub.url}/embed/#origin=`), `a static host serves /embed as a folder: ${hubFrame.url()}`);
  assert.deepEqual(await cspViolations(hubFrame), []);
  assert.deepEqual(await cspViolations(page), []);
  assertBackendSaw(backend.requests.slice(seen), backend.token);
  assertOnlyNamedOrigins(requests, [host.url, hub.url, backend.url]);
  assert.ok(!requests.some((r) => r.url.startsWith(hub.url) && new URL(r.url).pathname.startsWith('/hub/')), 'no API call went to the hub\'s own origin');
  assert.deepEqual(failed, []);
  assert.deepEqual(unexpected(errors), []);
  assert.equal(stranger.requests.length, 0);
  await context.close();
});

test('auth link: …/link#token=…&base=… links Dagster from static files, with zero CSP violations', async () => {
  const seen = backend.requests.length;
  const { context, page, requests, failed, errors } = await open();
  await page.goto(`${hub.url}/link#token=${backend.token}&base=${encodeURIComponent(backend.url)}&locale=en`);
  const accountId = await linkDagster(page);
  assert.equal(backend.accounts.at(-1).id, accountId);
  assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
  assert.deepEqual(await cspViolations(page), []);
  assertBackendSaw(backend.requests.slice(seen), backend.token);
  assert.ok(backend.requests.slice(seen).every((r) => r.acceptLanguage === 'en'), 'the widget\'s language went along, harmlessly');
  assertOnlyNamedOrigins(requests, [hub.url, backend.url]);
  assert.deepEqual(failed, []);
  assert.deepEqual(unexpected(errors), []);
  await context.close();
});

test('a backend the operator did not allow gets the clear refusal, and nothing is sent to it', async () => {
  // By an auth link…
  const { context, page } = await open();
  await page.goto(`${hub.url}/link#token=${backend.token}&base=${encodeURIComponent(stranger.url)}`);
  await page.getByRole('heading', { name: REFUSED }).waitFor();
  await page.getByText(stranger.url, { exact: true }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Try again' }).count(), 0, 'nothing to retry');
  const violations = await cspViolations(page);
  assert.ok(violations.length > 0 && violations.every((v) => v.startsWith('connect-src')), `the browser refused it: ${violations}`);

  // …and by the embed.
  const q = new URLSearchParams({ token: backend.token, hub: hub.url, base: stranger.url });
  await page.goto(`${host.url}/host.html#${q}`);
  await page.getByRole('button', { name: 'Connect Dagster' }).click();
  await page.frameLocator('iframe.linkhub-frame').getByRole('heading', { name: REFUSED }).waitFor();
  assert.equal(stranger.requests.length + stranger.preflights.length, 0, 'the token never reached it');
  await context.close();
});

test('a base that is not an https: URL (or http: on loopback) is refused before anything is sent', async () => {
  const { context, page, requests } = await open();
  for (const base of ['http://api.example.com', 'javascript:alert(1)', `${backend.url}@evil.example`]) {
    const before = backend.requests.length;
    await page.goto(`${hub.url}/link#token=${backend.token}&base=${encodeURIComponent(base)}`);
    await page.getByRole('heading', { name: REFUSED }).waitFor();
    assert.equal(backend.requests.length, before, `nothing sent for ${base}`);
    assert.deepEqual(await cspViolations(page), [], 'refused by the widget, not left to the browser');
  }
  assertOnlyNamedOrigins(requests, [hub.url]);

  // The loader refuses it at once: no frame, a clear error for the host's developer.
  const q = new URLSearchParams({ token: backend.token, hub: hub.url, base: 'http://api.example.com' });
  await page.goto(`${host.url}/host.html#${q}`);
  await page.getByRole('button', { name: 'Connect Dagster' }).click();
  await page.waitForFunction(() => document.getElementById('result').dataset.thrown);
  assert.match(await page.evaluate(() => document.getElementById('result').dataset.thrown), /baseUrl must be an https: URL/);
  assert.equal(await page.locator('iframe').count(), 0);
  await context.close();
});

test('the static files carry the README\'s headers and /link, /embed are plain folders', async () => {
  const r = await fetch(`${hub.url}/link/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-security-policy'), /script-src 'self' 'wasm-unsafe-eval';/);
  const html = await r.text();
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), 'no inline script: the policy needs no hash');
  const boot = html.match(/src="(\/pkg-[0-9a-f]{16}\/boot\.js)"/);
  assert.ok(boot, 'the page starts from the hashed folder');
  const js = await fetch(`${hub.url}${boot[1]}`);
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal((await fetch(`${hub.url}/embed/`)).status, 200);
  assert.equal((await fetch(`${hub.url}/embed`, { redirect: 'manual' })).status, 301);
});
