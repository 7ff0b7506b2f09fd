// The OAuth2 flow end to end: the widget opens the popup in the click handler, the real
// server redirects it to an OAuth2 test server on loopback, the code is exchanged, and the
// widget (polling the attempt) shows the linked account. Also cancel and a blocked popup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, createSession, launchBrowser, newPage } from './support.mjs';

let server;
let browser;
let provider;
let catalogDir;
const seen = { authorize: [], token: [] };
let holdAuthorize = false;

/** A minimal OAuth2 provider on loopback: approves at once (or holds), exchanges any code. */
async function startProvider() {
  const http = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/authorize') {
      seen.authorize.push(Object.fromEntries(url.searchParams));
      if (holdAuthorize) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>Sign in</title><p>Waiting for you to sign in…</p>');
        return;
      }
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', 'test-code');
      back.searchParams.set('state', url.searchParams.get('state'));
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        seen.token.push(Object.fromEntries(new URLSearchParams(body)));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'at-123', refresh_token: 'rt-456', token_type: 'Bearer' }));
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  return { http, url: `http://127.0.0.1:${http.address().port}` };
}

before(async () => {
  provider = await startProvider();
  catalogDir = mkdtempSync(join(tmpdir(), 'linkhub-oauth-catalog-'));
  cpSync(process.env.LINKHUB_CATALOG, catalogDir, { recursive: true });
  const file = join(catalogDir, 'salesforce', 'connector.toml');
  const toml = readFileSync(file, 'utf8')
    .replace(/authorize_url = ".*"/, `authorize_url = "${provider.url}/authorize"`)
    .replace(/token_url = ".*"/, `token_url = "${provider.url}/token"`);
  writeFileSync(file, toml);
  server = await startServer({ catalog: catalogDir });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((r) => provider?.http.close(r));
  if (catalogDir) rmSync(catalogDir, { recursive: true, force: true });
});

test('OAuth: the popup signs in and the widget shows the linked account', async () => {
  holdAuthorize = false;
  const owner = 'owner-oauth';
  const session = await createSession(server, { origin_owner_id: owner, provider: 'salesforce' });
  const { page, context } = await newPage(browser);
  page.setDefaultTimeout(15_000);
  await page.goto(session.auth_link_url);
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Connect with Salesforce' }).click();
  const popup = await popupPromise;
  assert.ok(popup, 'a popup opened');
  await page.getByRole('heading', { name: 'Account connected' }).waitFor();
  const id = (await page.getByTestId('account-id').textContent()).trim();
  assert.ok(id.length > 0);
  assert.equal(seen.authorize.at(-1).code_challenge_method, 'S256');
  assert.equal(seen.token.at(-1).code, 'test-code');
  const res = await fetch(`${server.url}/accounts?origin_owner_id=${owner}`, {
    headers: { authorization: `Basic ${Buffer.from(`${server.apiKey}:`).toString('base64')}` },
  });
  const accounts = await res.json();
  const list = Array.isArray(accounts) ? accounts : accounts.data;
  assert.equal(list.length, 1);
  assert.equal(list[0].id, id);
  await context.close();
});

test('OAuth: cancel stops waiting and closes the popup', async () => {
  holdAuthorize = true;
  const session = await createSession(server, { origin_owner_id: 'owner-oauth-cancel', provider: 'salesforce' });
  const { page, context } = await newPage(browser);
  page.setDefaultTimeout(15_000);
  await page.goto(session.auth_link_url);
  const popupPromise = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Connect with Salesforce' }).click();
  const popup = await popupPromise;
  await page.getByText('Finish signing in to Salesforce in the window that opened.').waitFor();
  await page.getByText('Having trouble?').waitFor({ timeout: 15_000 });
  const closed = popup.isClosed() ? Promise.resolve() : popup.waitForEvent('close');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('Sign-in cancelled.').waitFor();
  await closed;
  assert.equal(await page.getByRole('button', { name: 'Connect with Salesforce' }).isEnabled(), true);
  await context.close();
});

test('OAuth: a blocked popup gets a message and a retry button', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-oauth-blocked', provider: 'salesforce' });
  const { page, context } = await newPage(browser);
  page.setDefaultTimeout(15_000);
  await page.addInitScript(() => { window.open = () => null; });
  await page.goto(session.auth_link_url);
  await page.getByRole('button', { name: 'Connect with Salesforce' }).click();
  await page.getByText(/blocked the sign-in window/).waitFor();
  await page.getByRole('button', { name: 'Try again' }).waitFor();
  await context.close();
});
