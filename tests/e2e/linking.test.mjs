// The linking flows end to end against the real server: find a connector, read its guide,
// be told precisely what is wrong, fix it, connect, and see the account. Also each
// validation error, retry after a 5xx keeping the values, the expired session, edit mode
// and a duplicate submit producing one account.
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

const DAGSTER_TOKEN = 'user:0afb128e57084fce8fd15c62d75e4bd6';
const ONEFLOW_TOKEN = 'Ab12-Cd34-Ef56-Gh78-Ij90-Kl12-Mn34-Op567';

/** `GET /accounts?origin_owner_id=…` with the project key. */
async function accountsOf(owner) {
  const res = await fetch(`${server.url}/accounts?origin_owner_id=${encodeURIComponent(owner)}`, {
    headers: { authorization: `Basic ${Buffer.from(`${server.apiKey}:`).toString('base64')}` },
  });
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.json();
  return Array.isArray(body) ? body : body.data ?? [];
}

/** Console errors other than failed loads (a missing favicon, a refused form). */
const realErrors = (errors) => errors.filter((e) => !e.startsWith('Failed to load resource'));

/** Page object of the hub. */
class Hub {
  constructor(page) { this.page = page; page.setDefaultTimeout(10_000); }
  async open(session) { await this.page.goto(session.auth_link_url); }
  async pick(query, name) {
    await this.page.getByRole('searchbox').fill(query);
    await this.page.getByRole('button', { name: new RegExp(name) }).click();
    await this.page.getByRole('heading', { level: 2, name }).waitFor();
  }
  /** The input labelled `label` (the label is exactly the field's name). */
  field(label) { return this.page.getByLabel(label, { exact: true }); }
  errorOf(label) {
    return this.page.locator('.lh-form__field', { has: this.field(label) }).locator('.lh-field__error');
  }
  connect() { return this.page.getByRole('button', { name: 'Connect', exact: true }); }
  async accountId() {
    await this.page.getByRole('heading', { name: 'Account connected' }).waitFor();
    return (await this.page.getByTestId('account-id').textContent()).trim();
  }
}

test('Dagster: find by typing, read the guide, fix a malformed token, connect', async () => {
  const owner = 'owner-dagster';
  const session = await createSession(server, { origin_owner_id: owner });
  const { page, context, errors } = await newPage(browser);
  const hub = new Hub(page);
  await hub.open(session);
  await hub.pick('dag', 'Dagster');

  // The guide: first section open, the others collapsed; links open in a new tab.
  await page.getByRole('heading', { name: 'How to get your credentials' }).waitFor();
  const toggles = page.locator('.lh-guide__toggle');
  assert.ok((await toggles.count()) >= 2, 'several sections');
  assert.equal(await toggles.nth(0).getAttribute('aria-expanded'), 'true');
  assert.equal(await toggles.nth(1).getAttribute('aria-expanded'), 'false');
  await page.getByRole('heading', { name: 'Sign in to Dagster+' }).waitFor();
  await toggles.nth(1).click();
  assert.equal(await toggles.nth(1).getAttribute('aria-expanded'), 'true');
  const link = page.locator('.lh-guide a').first();
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  await page.getByRole('button', { name: /^Copy user:0afb/ }).first().waitFor();

  // A malformed token is refused precisely once the user leaves the field.
  const token = hub.field('User Token');
  assert.equal(await token.getAttribute('type'), 'password');
  assert.equal(await token.getAttribute('autocomplete'), 'new-password');
  assert.equal(await token.getAttribute('spellcheck'), 'false');
  await token.fill('0afb128e57084fce8fd15c62d75e4bd6');
  await token.blur();
  await hub.errorOf('User Token').getByText(/prefix user: followed by 32 lowercase hexadecimal/).waitFor();
  assert.equal(await token.getAttribute('aria-invalid'), 'true');
  const describedBy = await token.getAttribute('aria-describedby');
  assert.ok(describedBy.includes('lh-field-user_token-error'), describedBy);

  // Show / hide.
  await page.getByRole('button', { name: 'Show User Token' }).click();
  const reveal = page.locator('button[aria-controls="lh-field-user_token"]');
  assert.equal(await token.getAttribute('type'), 'text');
  assert.equal(await reveal.getAttribute('aria-label'), 'Hide User Token');
  await reveal.click();
  assert.equal(await token.getAttribute('type'), 'password');

  // Fixing it clears the error while typing.
  await token.fill(DAGSTER_TOKEN);
  await page.waitForFunction(() => document.getElementById('lh-field-user_token').getAttribute('aria-invalid') === 'false');
  await hub.field('Organization slug').fill('acme');
  await hub.field('Deployment').fill('prod');
  await page.locator('.lh-preview__value').getByText('https://acme.dagster.cloud/prod').waitFor();

  await hub.connect().click();
  const id = await hub.accountId();
  assert.ok(id.length > 0);
  const accounts = await accountsOf(owner);
  assert.equal(accounts.length, 1);
  assert.equal(accounts[0].id, id);
  assert.deepEqual(realErrors(errors), []);
  await context.close();
});

test('Oneflow: every validation error, then connect', async () => {
  const owner = 'owner-oneflow';
  const session = await createSession(server, { origin_owner_id: owner });
  const { page, context, errors } = await newPage(browser);
  const hub = new Hub(page);
  await hub.open(session);
  await hub.pick('one', 'Oneflow');

  // Submitting empty: every required field says so, focus on the first.
  await hub.connect().click();
  await hub.errorOf('API Token').getByText('This field is required.').waitFor();
  await hub.errorOf('User Email').getByText('This field is required.').waitFor();
  await page.getByText('Some fields need your attention').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'lh-field-api_token');

  await hub.field('API Token').fill('too-short');
  await hub.errorOf('API Token').getByText(/exactly 40 characters/).waitFor();
  await hub.field('User Email').fill('jane.doe@');
  await hub.errorOf('User Email').getByText(/valid email address/).waitFor();

  await hub.field('API Token').fill(ONEFLOW_TOKEN);
  await hub.field('User Email').fill('jane.doe@example.com');
  await page.waitForFunction(() => document.querySelectorAll('[aria-invalid="true"]').length === 0);
  await hub.connect().click();
  const id = await hub.accountId();
  assert.equal((await accountsOf(owner)).map((a) => a.id).join(), id);
  assert.deepEqual(realErrors(errors), []);
  await context.close();
});

test('a 5xx keeps every value and the retry links once with the same Idempotency-Key', async () => {
  const owner = 'owner-retry';
  const session = await createSession(server, { origin_owner_id: owner, provider: 'dagster' });
  const { page, context } = await newPage(browser);
  const hub = new Hub(page);
  const keys = [];
  let failNext = true;
  await page.route('**/hub/accounts', async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (failNext) {
      failNext = false;
      // The request did reach the server (so a retry must not link twice), but the answer is lost.
      await route.fetch();
      await route.fulfill({ status: 503, contentType: 'application/json', body: '{"statusCode":503,"message":"unavailable"}' });
    } else {
      await route.continue();
    }
  });
  await hub.open(session);
  // One-connector session: the page opens directly, with no way back to a list.
  await page.getByRole('heading', { level: 2, name: 'Dagster' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Back to providers/ }).count(), 0);
  await hub.field('User Token').fill(DAGSTER_TOKEN);
  await hub.field('Organization slug').fill('acme');
  await hub.field('Deployment').fill('prod');
  await hub.connect().click();
  await page.getByText(/server had a problem \(error 503\)/).waitFor();
  assert.equal(await hub.field('User Token').inputValue(), DAGSTER_TOKEN);
  assert.equal(await hub.field('Organization slug').inputValue(), 'acme');
  await hub.connect().click();
  const id = await hub.accountId();
  assert.equal(keys.length, 2);
  assert.ok(keys[0], 'an Idempotency-Key is sent');
  assert.equal(keys[0], keys[1], 'the retry reuses the key');
  const accounts = await accountsOf(owner);
  assert.equal(accounts.length, 1);
  assert.equal(accounts[0].id, id);
  // Nothing secret in storage or the URL.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href);
  assert.ok(!stored.includes(DAGSTER_TOKEN));
  await context.close();
});

test('a double submit produces one account', async () => {
  const owner = 'owner-double';
  const session = await createSession(server, { origin_owner_id: owner, provider: 'oneflow' });
  const { page, context } = await newPage(browser);
  const hub = new Hub(page);
  await hub.open(session);
  await hub.field('API Token').fill(ONEFLOW_TOKEN);
  await hub.field('User Email').fill('jane.doe@example.com');
  await hub.connect().dblclick();
  await hub.accountId();
  assert.equal((await accountsOf(owner)).length, 1);
  await context.close();
});

test('server field messages land on the fields', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-400', provider: 'oneflow' });
  const { page, context } = await newPage(browser);
  const hub = new Hub(page);
  await page.route('**/hub/accounts', (route) => route.fulfill({
    status: 400,
    contentType: 'application/json',
    body: JSON.stringify({ statusCode: 400, message: 'Some credentials are not valid', fields: { user_email: 'No such user in this Oneflow account' } }),
  }));
  await hub.open(session);
  await hub.field('API Token').fill(ONEFLOW_TOKEN);
  await hub.field('User Email').fill('jane.doe@example.com');
  await hub.connect().click();
  await hub.errorOf('User Email').getByText('No such user in this Oneflow account').waitFor();
  await page.getByText('The details were refused: Some credentials are not valid').waitFor();
  assert.equal(await hub.field('User Email').getAttribute('aria-invalid'), 'true');
  await context.close();
});

test('an expired session while filling the form shows the expired screen', async () => {
  const created = Date.now();
  const session = await createSession(server, { origin_owner_id: 'owner-expired', provider: 'oneflow', expires_in: 5 });
  const { page, context } = await newPage(browser);
  const hub = new Hub(page);
  await hub.open(session);
  await hub.field('API Token').fill(ONEFLOW_TOKEN);
  await hub.field('User Email').fill('jane.doe@example.com');
  await page.waitForTimeout(Math.max(0, created + 6_500 - Date.now()));
  await hub.connect().click();
  await page.getByRole('heading', { name: 'This session has expired' }).waitFor();
  await context.close();
});

test('edit mode: secrets show redacted and only changed values are sent', async () => {
  const owner = 'owner-edit';
  const first = await createSession(server, { origin_owner_id: owner, provider: 'oneflow' });
  let { page, context } = await newPage(browser);
  let hub = new Hub(page);
  await hub.open(first);
  await hub.field('API Token').fill(ONEFLOW_TOKEN);
  await hub.field('User Email').fill('jane.doe@example.com');
  await hub.connect().click();
  const id = await hub.accountId();
  await context.close();

  const edit = await createSession(server, { origin_owner_id: owner, provider: 'oneflow', account_id: id });
  ({ page, context } = await newPage(browser));
  hub = new Hub(page);
  const bodies = [];
  page.on('request', (r) => { if (r.method() === 'PATCH') bodies.push(r.postDataJSON()); });
  await hub.open(edit);
  await page.getByRole('heading', { name: 'Update your Oneflow account' }).waitFor();
  await page.getByText(/Saved value ending in p567/).waitFor();
  assert.equal(await hub.field('User Email').inputValue(), 'jane.doe@example.com');
  await hub.field('User Email').fill('john.roe@example.com');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('heading', { name: 'Account updated' }).waitFor();
  assert.deepEqual(bodies[0].credentials, { user_email: 'john.roe@example.com' });
  const accounts = await accountsOf(owner);
  assert.equal(accounts.length, 1);
  await context.close();
});

test('conditional fields and anchored notices (Zendesk)', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-zd', provider: 'zendesk' });
  const { page, context } = await newPage(browser);
  const hub = new Hub(page);
  await hub.open(session);
  await hub.field('API token').waitFor();
  assert.equal(await hub.field('Password').isVisible(), false);
  await hub.field('Authentication method').selectOption('password');
  await hub.field('Password').waitFor();
  assert.equal(await hub.field('API token').isVisible(), false);
  await page.getByText(/Zendesk is phasing out password access/).waitFor();
  await context.close();
});

test('French: the form and its errors are translated', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-fr', provider: 'oneflow' });
  const { page, context } = await newPage(browser);
  await page.goto(`${session.auth_link_url}&locale=fr`);
  await page.getByRole('button', { name: 'Connecter', exact: true }).click();
  await page.getByText('Ce champ est obligatoire.').first().waitFor();
  await context.close();
});

test('keyboard: Enter opens a connector, Back returns to the list as it was', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-keys' });
  const { page, context } = await newPage(browser);
  const hub = new Hub(page);
  await hub.open(session);
  await page.getByRole('searchbox').fill('zen');
  await page.getByRole('searchbox').press('Tab');
  // Tab past the category filter to the first (only) match.
  await page.getByRole('button', { name: /Zendesk/ }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 2, name: 'Zendesk' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'lh-page-title', 'focus moves to the page');
  await page.getByRole('button', { name: /Back to providers/ }).click();
  await page.getByRole('searchbox').waitFor();
  assert.equal(await page.getByRole('searchbox').inputValue(), 'zen', 'the search is kept');
  await context.close();
});

test('Personio: the action picker narrows the guide to the chosen scopes', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-personio', provider: 'personio' });
  const { page, context } = await newPage(browser);
  new Hub(page);
  await page.goto(session.auth_link_url);
  const picker = page.getByRole('group', { name: 'What will you use this connection for?' });
  await picker.waitFor();
  const headings = () => page.locator('.lh-guide__toggle').allTextContents();
  const all = await headings();
  await picker.getByLabel('Read time off').check();
  const narrowed = await headings();
  assert.ok(narrowed.length < all.length, `${narrowed} vs ${all}`);
  await picker.getByLabel(/Everything/).check();
  assert.deepEqual(await headings(), all);
  await context.close();
});

test('scopes set on the connect session by the host backend show only those guide sections', async () => {
  const session = await createSession(server, {
    origin_owner_id: 'owner-scoped', provider: 'personio', scopes: ['employees:read'],
  });
  const { page, context, errors } = await newPage(browser);
  new Hub(page);
  await page.goto(session.auth_link_url);
  const picker = page.getByRole('group', { name: 'What will you use this connection for?' });
  await picker.waitFor();
  const headings = async () => (await page.locator('.lh-guide__toggle').allTextContents()).map((t) => t.trim());
  assert.deepEqual(await headings(), [
    'Start a custom integration', 'Allow reading employees', 'Copy the credentials',
    'Linking the Account from the Hub',
  ]);
  assert.ok(await picker.getByLabel('Read employees').isChecked(), 'the session scopes are the chosen action');
  // The user may still ask for everything.
  await picker.getByLabel(/Everything/).check();
  const all = await headings();
  assert.ok(all.includes('Allow reading time off') && all.length > 3, `${all}`);
  assert.deepEqual(realErrors(errors), []);
  await context.close();
});

test('Greenhouse: notices at the top, at the bottom and beside their field', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-gh', provider: 'greenhouse' });
  const { page, context } = await newPage(browser);
  const hub = new Hub(page);
  await page.goto(session.auth_link_url);
  await page.getByRole('note').filter({ hasText: 'requires a Site Admin' }).waitFor();
  await page.getByRole('note').filter({ hasText: 'If some data is missing after connecting' }).waitFor();
  const anchored = page.locator('[data-field=api_key] [role=note]');
  assert.match(await anchored.textContent(), /displays a new key only once/);
  const describedBy = await page.locator('#lh-field-api_key').getAttribute('aria-describedby');
  assert.ok(describedBy.includes('lh-notice-key_once'), describedBy);
  assert.ok(hub);
  await context.close();
});

test('the connector page code fails to load: the network error offers a retry that loads it', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-chunk' });
  const { page, context, errors } = await newPage(browser);
  // The connector page is its own wasm chunk (`split_connector_page.wasm`): make every fetch
  // of it fail, including the one the widget starts when idle after showing the list.
  let refused = 0;
  const chunk = /\/split_connector_page\.wasm$/;
  await page.route(chunk, (route) => { refused += 1; return route.abort('connectionrefused'); });
  const hub = new Hub(page);
  await hub.open(session);
  await page.getByRole('searchbox').fill('dag');
  await page.getByRole('button', { name: /Dagster/ }).click();
  await page.getByRole('heading', { name: "We couldn't reach the server" }).waitFor();
  assert.ok(refused >= 1, 'the chunk was asked for');
  assert.equal(await page.getByRole('button', { name: 'Try again' }).count(), 1);
  assert.equal(await page.getByRole('button', { name: /Back to providers/ }).count(), 1, 'the way back stays');
  // The network is back: the retry fetches the chunk and the page works.
  await page.unroute(chunk);
  await page.getByRole('button', { name: 'Try again' }).click();
  await hub.field('User Token').waitFor();
  await page.getByRole('button', { name: /Back to providers/ }).click();
  assert.equal(await page.getByRole('searchbox').inputValue(), 'dag', 'the search is kept');
  assert.ok(errors.every((e) => !/panic|unreachable/i.test(e)), errors.join('\n'));
  await context.close();
});

test('a deep link asks for its connector while the page code is still on the way, once', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-early', provider: 'dagster' });
  const { page, context, errors } = await newPage(browser);
  const detail = (url) => /^\/hub\/connectors\/[^/]+$/.test(new URL(url).pathname);
  let asked = 0;
  let seen;
  const connectorAsked = new Promise((resolve) => { seen = resolve; });
  page.on('request', (req) => { if (detail(req.url())) { asked += 1; seen(); } });
  // The page's chunk is held back until the connector's answer has been asked for (5 s at
  // most): a widget that asks only once the chunk runs would keep it waiting the full 5 s.
  const waits = [];
  await page.route(/\/split_connector_page\.wasm$/, async (route) => {
    waits.push(await Promise.race([
      connectorAsked.then(() => 'asked first'),
      new Promise((resolve) => { setTimeout(() => resolve('not asked'), 5_000); }),
    ]));
    await route.continue();
  });
  const hub = new Hub(page);
  await hub.open(session);
  await hub.field('User Token').waitFor();
  assert.deepEqual(waits, ['asked first'], 'the chunk was fetched once, after the connector was asked for');
  assert.equal(asked, 1, 'the page used the early answer rather than asking again');
  // The page works as before: a malformed token is refused where it was typed.
  await hub.field('User Token').fill('not-a-token');
  await hub.connect().click();
  await hub.errorOf('User Token').waitFor();
  assert.equal(await hub.field('User Token').inputValue(), 'not-a-token');
  assert.deepEqual(realErrors(errors), []);
  await context.close();
});
