// The operator's auth-link flow: sign in to the console, make a link, open it as the end
// user, link an account, and see it listed with its delivered, signed account.created webhook.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServerWithReceiver, launchBrowser, watchCsp, cspViolations } from './support.mjs';

let server;
let receiver;
let browser;

before(async () => {
  ({ server, receiver } = await startServerWithReceiver('console'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
  await receiver?.stop();
});

test('console: make an auth link, link an account through it, see it with its webhook', async () => {
  const context = await browser.newContext();
  await watchCsp(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);

  await page.goto(`${server.url}/console`);
  await page.getByLabel('Project API key').fill('not-the-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(/key/i).first().waitFor();
  await page.getByLabel('Project API key').fill(server.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.goto(`${server.url}/console/link`);
  await page.getByLabel('Origin owner ID').fill('cust-42');
  await page.getByLabel('Origin owner name').fill('Globex Corporation');
  await page.getByLabel('Origin username').fill('hank@globex.example');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Generate' }).click();
  const link = await page.getByLabel('Auth link').inputValue();
  assert.match(link, new RegExp(`^${server.url}/link#token=`));
  await page.getByRole('button', { name: 'Copy link' }).waitFor();
  assert.deepEqual(await cspViolations(page.mainFrame()), []);

  // The end user opens the link.
  const user = await context.newPage();
  user.setDefaultTimeout(15_000);
  await user.goto(link);
  await user.getByRole('searchbox').fill('dag');
  await user.getByRole('button', { name: /Dagster/ }).click();
  await user.getByLabel('User Token', { exact: true }).fill('user:0afb128e57084fce8fd15c62d75e4bd6');
  await user.getByLabel('Organization slug', { exact: true }).fill('globex');
  await user.getByLabel('Deployment', { exact: true }).fill('prod');
  await user.getByRole('button', { name: 'Connect', exact: true }).click();
  await user.getByRole('heading', { name: 'Account connected' }).waitFor();
  const accountId = (await user.getByTestId('account-id').textContent()).trim();
  assert.deepEqual(await cspViolations(user.mainFrame()), []);

  // The webhook arrives, signed.
  const deadline = Date.now() + 10_000;
  while (!receiver.events.some((e) => e.type === 'account.created') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const created = receiver.events.find((e) => e.type === 'account.created');
  assert.ok(created, `no verified account.created (rejected: ${receiver.rejected.length})`);
  assert.equal(created.data.id ?? created.data.account_id, accountId);
  assert.equal(receiver.rejected.length, 0);

  // The operator sees the account and its delivered webhook.
  await page.goto(`${server.url}/console/accounts?origin_owner_id=cust-42`);
  const row = page.getByRole('row', { name: /Dagster/ });
  await row.waitFor();
  assert.match(await row.textContent(), /cust-42/);
  await row.getByRole('link').first().click();
  const deliveries = page.getByRole('table', { name: /Webhook deliveries/ });
  await deliveries.getByRole('row', { name: /account\.created/ }).waitFor();
  assert.match(await deliveries.textContent(), /delivered/i);
  await context.close();
});
