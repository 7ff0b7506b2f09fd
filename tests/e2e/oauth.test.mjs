// The OAuth2 flow end to end: the widget opens the popup in the click handler, the real
// server redirects it to the tests' own OAuth2 provider on loopback (`oauth-provider.mjs`:
// client, redirect URI and PKCE checked, one-time codes), the code is exchanged, and the
// widget (polling the attempt) shows the linked account. Also cancel and a blocked popup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, createSession, launchBrowser, newPage } from './support.mjs';
import { startOAuthProvider } from './oauth-provider.mjs';

let server;
let browser;
let provider;
let catalogDir;
// The demo catalog's Salesforce client; its secret comes from the server's environment.
const CLIENT_ID = 'linkhub-demo';
const CLIENT_SECRET = `cs-${randomBytes(12).toString('hex')}`;

before(async () => {
  provider = await startOAuthProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  catalogDir = mkdtempSync(join(tmpdir(), 'linkhub-oauth-catalog-'));
  cpSync(process.env.LINKHUB_CATALOG, catalogDir, { recursive: true });
  const file = join(catalogDir, 'salesforce', 'connector.toml');
  const original = readFileSync(file, 'utf8');
  assert.match(original, new RegExp(`client_id = "${CLIENT_ID}"`));
  assert.match(original, /client_secret_env = "LINKHUB_OAUTH_SALESFORCE_SECRET"/);
  const toml = original
    .replace(/authorize_url = ".*"/, `authorize_url = "${provider.url}/authorize"`)
    .replace(/token_url = ".*"/, `token_url = "${provider.url}/token"`);
  writeFileSync(file, toml);
  server = await startServer({
    catalog: catalogDir,
    extraEnv: { LINKHUB_OAUTH_SALESFORCE_SECRET: CLIENT_SECRET },
  });
  // The one redirect URI registered for the client: the server's callback.
  provider.redirectUri = `${server.url}/connect/oauth2/callback`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await provider?.close();
  if (catalogDir) rmSync(catalogDir, { recursive: true, force: true });
});

test('the test provider refuses what an OAuth2 provider refuses', async () => {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirect = provider.redirectUri;
  const authorize = (params) => fetch(`${provider.url}/authorize?${new URLSearchParams({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirect, state: 's1',
    code_challenge: challenge, code_challenge_method: 'S256', ...params,
  })}`, { redirect: 'manual' });
  const token = (form, headers = {}) => fetch(`${provider.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(Object.entries(form).filter(([, v]) => v !== undefined)),
  });
  // A wrong client or redirect URI is an error page, never a redirect.
  assert.equal((await authorize({ client_id: 'someone' })).status, 400);
  assert.equal((await authorize({ redirect_uri: 'http://127.0.0.1:1/elsewhere' })).status, 400);
  // A request without PKCE is sent back with an error and the state.
  const plain = new URL((await authorize({ code_challenge_method: 'plain' })).headers.get('location'));
  assert.equal(plain.searchParams.get('error'), 'invalid_request');
  assert.equal(plain.searchParams.get('state'), 's1');
  const codeOf = async () => {
    const r = await authorize({});
    assert.equal(r.status, 302);
    const back = new URL(r.headers.get('location'));
    assert.equal(back.origin + back.pathname, redirect);
    assert.equal(back.searchParams.get('state'), 's1');
    return back.searchParams.get('code');
  };
  const exchange = (code, more = {}) => ({
    grant_type: 'authorization_code', code, redirect_uri: redirect, code_verifier: verifier,
    client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...more,
  });
  const code = await codeOf();
  const wrongSecret = await token(exchange(code, { client_secret: 'nope' }));
  assert.equal(wrongSecret.status, 401);
  assert.equal((await wrongSecret.json()).error, 'invalid_client');
  // The refused attempt did not use the code up; a wrong verifier does.
  const wrongVerifier = await token(exchange(code, { code_verifier: 'x'.repeat(43) }));
  assert.equal((await wrongVerifier.json()).error, 'invalid_grant');
  assert.equal((await (await token(exchange(code))).json()).error, 'invalid_grant');
  // A wrong redirect URI is refused; the right exchange works once, with HTTP Basic too.
  const second = await codeOf();
  assert.equal((await (await token(exchange(second, { redirect_uri: `${redirect}x` }))).json()).error, 'invalid_grant');
  const third = await codeOf();
  const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
  const ok = await token(exchange(third, { client_id: undefined, client_secret: undefined }), { authorization: basic });
  assert.equal(ok.status, 200);
  const tokens = await ok.json();
  assert.equal(tokens.token_type, 'Bearer');
  assert.ok(tokens.access_token.startsWith('at-'));
  assert.equal((await (await token(exchange(third))).json()).error, 'invalid_grant', 'a code is used once');
});

test('OAuth: the popup signs in and the widget shows the linked account', async () => {
  provider.hold = false;
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
  // The provider approved the server's request and exchanged its code: client, secret,
  // redirect URI and PKCE verifier all checked there.
  const authorized = provider.log.authorize.at(-1);
  assert.equal(authorized.outcome, 'code');
  assert.equal(authorized.params.code_challenge_method, 'S256');
  assert.equal(authorized.params.scope, 'api refresh_token');
  const exchanged = provider.log.token.at(-1);
  assert.equal(exchanged.outcome, 'tokens', JSON.stringify(exchanged));
  assert.equal(exchanged.params.redirect_uri, provider.redirectUri);
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
  provider.hold = true;
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
