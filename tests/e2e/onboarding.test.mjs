// End-user onboarding (issue #14), end to end against the real server: a three-step plan
// (any HRIS, Dagster, Oneflow) done across two visits and two people. The user links
// BambooHR and Dagster from the checklist, closes the tab and sees "2 of 3" on the next
// visit, hands Oneflow to a colleague, whose link completes it in another browser context,
// and the first tab turns to "All set" by itself. The host page hears STEP_COMPLETED ×3 and
// ONBOARDING_COMPLETED; the webhook receiver gets three signed account.created and one
// connect_session.completed; disconnecting Dagster from "Your connections" sends
// account.deleted. axe checks the new screens in light and dark; a StackOne-style backend
// (no extensions) gets the widget exactly as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  startServerWithReceiver, createSession, launchBrowser, startStaticServer,
  axeViolations,
} from './support.mjs';
import { DAGSTER_TOKEN, startStackOneBackend, startStaticHub, staticCsp } from './stackone.mjs';

const BAMBOO_KEY = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6';
const ONEFLOW_TOKEN = 'Ab12-Cd34-Ef56-Gh78-Ij90-Kl12-Mn34-Op567';
const PLAN = [{ category: 'hris' }, { provider: 'dagster' }, { provider: 'oneflow' }];

let server;
let receiver;
let host;
let browser;

before(async () => {
  const routes = {};
  host = await startStaticServer(routes);
  ({ server, receiver } = await startServerWithReceiver('onboarding', { extraEnv: { LINKHUB_ALLOWED_ORIGINS: host.url } }));
  // A host page that mounts the hub inline and keeps every event it hears.
  routes['/host.html'] = {
    type: 'text/html',
    body: `<!doctype html><html lang="en"><meta charset="utf-8"><title>Host</title><link rel="icon" href="data:,">
      <script src="${server.url}/linkhub.js"></script>
      <main><div id="hub"></div></main>
      <script>
        window.__events = [];
        const token = new URLSearchParams(location.hash.slice(1)).get('token');
        LinkHub.mount(document.getElementById('hub'), {
          token, hubUrl: ${JSON.stringify(server.url)}, locale: 'en',
          onEvent: (e) => window.__events.push(e),
        });
      </script>`,
  };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
  await receiver?.stop();
  await host?.stop();
});

/** The host page in a fresh context (light or dark), with the hub's frame. */
async function openHost(token, colorScheme = 'light') {
  const context = await browser.newContext({ colorScheme });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  await page.goto(`${host.url}/host.html#token=${token}`);
  const frame = page.frameLocator('iframe.linkhub-frame');
  return { context, page, frame, errors };
}

/** The hub's frame as a Frame (for evaluate and axe). */
function hubFrame(page) {
  return page.frames().find((f) => f.url().startsWith(server.url));
}

const progress = (frame) => frame.getByTestId('onb-progress');

async function fill(frame, label, value) {
  await frame.getByLabel(label, { exact: true }).fill(value);
}

async function waitForWebhooks(predicate, what) {
  const deadline = Date.now() + 20_000;
  while (!predicate(receiver.events) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(predicate(receiver.events), `${what}: ${JSON.stringify(receiver.events.map((e) => e.type))}`);
}

const count = (type) => receiver.events.filter((e) => e.type === type).length;

async function assertAxeClean(page, where) {
  const violations = await axeViolations(hubFrame(page));
  assert.deepEqual(violations, [], where);
}

test('the onboarding story: two visits, a colleague, All set by itself, events, webhooks, disconnect', async () => {
  const owner = `onb-owner-${randomBytes(4).toString('hex')}`;
  const session = await createSession(server, { origin_owner_id: owner, onboarding: PLAN });
  const hostEvents = [];

  // First visit: the checklist, then BambooHR for the HR step (a list filtered on HR).
  const first = await openHost(session.token);
  let { frame } = first;
  await frame.getByRole('heading', { name: 'Your setup checklist' }).waitFor();
  await progress(frame).getByText('0 of 3 connected').waitFor();
  assert.equal(await progress(frame).getAttribute('aria-live'), 'polite');
  await assertAxeClean(first.page, 'checklist (light)');
  await frame.getByRole('button', { name: 'Connect HR' }).click();
  await frame.getByRole('heading', { name: 'Choose a provider' }).waitFor();
  assert.equal(await frame.getByLabel('Category').inputValue(), 'hris', 'the list is filtered on the step\'s category');
  assert.equal(await frame.getByRole('button', { name: /Dagster/ }).count(), 0);
  await frame.getByRole('button', { name: /BambooHR/ }).click();
  await fill(frame, 'Company subdomain', 'acme');
  await fill(frame, 'API Key', BAMBOO_KEY);
  await frame.getByRole('button', { name: 'Connect', exact: true }).click();

  // Back on the checklist, focus on the next step.
  await progress(frame).getByText('1 of 3 connected').waitFor();
  await frame.getByText('Connected as BambooHR').waitFor();
  const hub = hubFrame(first.page);
  await hub.waitForFunction(() => document.activeElement?.id === 'lh-step-1-action');
  assert.equal(await hub.evaluate(() => document.activeElement.textContent), 'Connect Dagster');

  // Dagster, from the focused button (keyboard).
  await first.page.keyboard.press('Enter');
  await fill(frame, 'User Token', DAGSTER_TOKEN);
  await fill(frame, 'Organization slug', 'acme');
  await fill(frame, 'Deployment', 'prod');
  await frame.getByRole('button', { name: 'Connect', exact: true }).click();
  await progress(frame).getByText('2 of 3 connected').waitFor();
  await hub.waitForFunction(() => document.activeElement?.id === 'lh-step-2-action');
  hostEvents.push(...(await first.page.evaluate(() => window.__events)));
  assert.deepEqual(first.errors, []);
  await first.context.close();

  // Second visit (a new tab on the same link): the progress was kept.
  const second = await openHost(session.token);
  ({ frame } = second);
  await progress(frame).getByText('2 of 3 connected').waitFor();
  assert.equal(await frame.locator('#lh-step-0').getAttribute('data-state'), 'done');
  assert.equal(await frame.locator('#lh-step-1').getAttribute('data-state'), 'done');

  // Hand Oneflow to a colleague.
  await frame.getByRole('button', { name: 'Connect Oneflow' }).click();
  await frame.getByRole('heading', { name: 'Someone else has these credentials?' }).waitFor();
  await frame.getByRole('button', { name: 'Create a link for a colleague' }).click();
  const linkBox = frame.getByLabel('Link for your colleague');
  await linkBox.waitFor();
  const handoffLink = await linkBox.inputValue();
  assert.match(handoffLink, new RegExp(`^${server.url}/link#token=`));
  assert.notEqual(handoffLink, `${server.url}/link#token=${session.token}`, 'a session of its own');
  const mailto = await frame.getByRole('link', { name: 'Send by email' }).getAttribute('href');
  assert.ok(mailto.startsWith('mailto:?subject='), mailto);
  assert.ok(decodeURIComponent(mailto).includes(handoffLink), 'the link is in the mail body');
  await assertAxeClean(second.page, 'connector page with its hand-off link');
  // Opened from the checklist, the page says it goes back there.
  assert.equal(await frame.getByRole('button', { name: 'Back to providers' }).count(), 0);
  await frame.getByRole('button', { name: 'Back to your checklist' }).click();
  await frame.locator('#lh-step-2[data-state="handed_off"]').waitFor();
  await frame.getByText('Waiting for a colleague').waitFor();

  // The colleague, in another browser context, on the hand-off link: Oneflow only.
  const colleague = await browser.newContext();
  const theirs = await colleague.newPage();
  theirs.setDefaultTimeout(20_000);
  await theirs.goto(handoffLink);
  await theirs.getByRole('heading', { name: 'Oneflow', exact: true }).waitFor();
  assert.equal(await theirs.getByText('Your setup checklist').count(), 0, 'a colleague sees only their connector');
  await theirs.getByLabel('API Token', { exact: true }).fill(ONEFLOW_TOKEN);
  await theirs.getByLabel('User Email', { exact: true }).fill('colleague@example.com');
  await theirs.getByRole('button', { name: 'Connect', exact: true }).click();
  await theirs.getByRole('heading', { name: 'Account connected' }).waitFor();
  await colleague.close();

  // The first user's tab turns to All set by itself (polling while visible).
  await frame.getByRole('heading', { name: 'All set' }).waitFor({ timeout: 20_000 });
  await progress(frame).getByText('3 of 3 connected').waitFor();
  await assertAxeClean(second.page, 'All set (light)');
  hostEvents.push(...(await second.page.evaluate(() => window.__events)));

  const steps = hostEvents.filter((e) => e.name === 'STEP_COMPLETED');
  assert.equal(steps.length, 3, JSON.stringify(hostEvents.map((e) => e.name)));
  assert.deepEqual(steps.map((e) => e.step), [0, 1, 2]);
  assert.deepEqual(steps.map((e) => e.provider), ['bamboohr', 'dagster', 'oneflow']);
  assert.ok(steps.every((e) => e.account_id && e.session_id));
  const completed = hostEvents.filter((e) => e.name === 'ONBOARDING_COMPLETED');
  assert.equal(completed.length, 1);
  assert.deepEqual(completed[0].accounts.map((a) => a.provider).sort(), ['bamboohr', 'dagster', 'oneflow']);
  assert.deepEqual(completed[0].accounts.map((a) => a.id).sort(), steps.map((e) => e.account_id).sort());

  // Webhooks, all signed (the receiver keeps only verified ones, and rejected none).
  await waitForWebhooks((ev) => ev.filter((e) => e.type === 'account.created').length >= 3
    && ev.some((e) => e.type === 'connect_session.completed'), 'three account.created and connect_session.completed');
  assert.equal(count('account.created'), 3);
  assert.equal(count('connect_session.completed'), 1);
  assert.deepEqual(receiver.rejected, []);

  // "Your connections": disconnect Dagster behind the confirmation dialog.
  await frame.getByRole('button', { name: 'Your connections' }).click();
  await frame.getByRole('heading', { name: 'Your connections' }).waitFor();
  await frame.locator('.lh-account').nth(2).waitFor();
  assert.equal(await frame.locator('.lh-account').count(), 3);
  await assertAxeClean(second.page, 'Your connections (light)');
  const dagster = frame.locator('.lh-account[data-provider="dagster"]');
  await dagster.getByRole('button', { name: 'Disconnect' }).click();
  const dialog = frame.getByRole('dialog', { name: 'Disconnect Dagster?' });
  await dialog.waitFor();
  assert.equal(await hubFrame(second.page).evaluate(() => document.activeElement.textContent), 'Cancel');
  await assertAxeClean(second.page, 'disconnect dialog (light)');
  // Escape cancels, and focus goes back to the button that opened it.
  await second.page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.match(await hubFrame(second.page).evaluate(() => document.activeElement.id), /^lh-disconnect-/);
  await dagster.getByRole('button', { name: 'Disconnect' }).click();
  await dialog.getByRole('button', { name: 'Disconnect' }).click();
  await frame.getByText('Dagster was disconnected.').waitFor();
  await frame.locator('.lh-account[data-provider="dagster"]').waitFor({ state: 'detached' });
  assert.equal(await frame.locator('.lh-account').count(), 2);
  await waitForWebhooks((ev) => ev.some((e) => e.type === 'account.deleted'), 'account.deleted');
  assert.equal(count('account.deleted'), 1);
  assert.deepEqual(receiver.rejected, []);

  // The checklist counts Dagster as to do again.
  await frame.getByRole('button', { name: 'Back to your checklist' }).click();
  await progress(frame).getByText('2 of 3 connected').waitFor();
  assert.deepEqual(second.errors, []);
  await second.context.close();
});

test('the checklist and "Your connections" pass axe in dark mode, and reflow at 320 px', async () => {
  const owner = `onb-dark-${randomBytes(4).toString('hex')}`;
  const session = await createSession(server, {
    origin_owner_id: owner,
    onboarding: [{ provider: 'dagster' }, { provider: 'oneflow', optional: true, label: 'Your contract tool' }],
  });
  const { context, page, frame } = await openHost(session.token, 'dark');
  await page.setViewportSize({ width: 320, height: 700 });
  await progress(frame).getByText('0 of 2 connected').waitFor();
  await assertAxeClean(page, 'checklist (dark)');
  // Skip the optional step, then take it up again.
  await frame.locator('#lh-step-1-skip').click();
  await frame.locator('#lh-step-1[data-state="skipped"]').waitFor();
  await frame.getByRole('button', { name: 'Take up again' }).click();
  await frame.locator('#lh-step-1[data-state="todo"]').waitFor();
  // No horizontal scrolling at 320 px.
  const hub = hubFrame(page);
  assert.ok(await hub.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth));
  // Link Dagster, then look at the connections in dark mode.
  await frame.getByRole('button', { name: 'Connect Dagster' }).click();
  await fill(frame, 'User Token', DAGSTER_TOKEN);
  await fill(frame, 'Organization slug', 'acme');
  await fill(frame, 'Deployment', 'prod');
  await frame.getByRole('button', { name: 'Connect', exact: true }).click();
  await progress(frame).getByText('1 of 2 connected').waitFor();
  // Only Dagster was required: all set.
  await frame.getByRole('heading', { name: 'All set' }).waitFor();
  await frame.getByRole('button', { name: 'Your connections' }).click();
  await frame.locator('.lh-account').first().waitFor();
  await assertAxeClean(page, 'Your connections (dark)');
  assert.ok(await hub.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth));
  await frame.locator('.lh-account').getByRole('button', { name: 'Disconnect' }).click();
  await frame.getByRole('dialog').waitFor();
  await assertAxeClean(page, 'disconnect dialog (dark)');
  await context.close();
});

test('without a plan, "Your connections" is one click from the list once the owner has an account', async () => {
  const owner = `onb-list-${randomBytes(4).toString('hex')}`;
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  // A first link for this owner: no accounts yet, so no link to them.
  const first = await createSession(server, { origin_owner_id: owner });
  await page.goto(`${server.url}/link#token=${first.token}&locale=en`);
  await page.getByRole('heading', { name: 'Choose a provider' }).waitFor();
  await page.getByRole('button', { name: /Dagster/ }).click();
  await fill(page, 'User Token', DAGSTER_TOKEN);
  await fill(page, 'Organization slug', 'acme');
  await fill(page, 'Deployment', 'prod');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  // No plan: the success screen stays, as before.
  await page.getByRole('heading', { name: 'Account connected' }).waitFor();
  // A new link for the same owner: the list's header leads to the account.
  const second = await createSession(server, { origin_owner_id: owner });
  await page.goto('about:blank');
  await page.goto(`${server.url}/link#token=${second.token}&locale=en`);
  await page.getByRole('heading', { name: 'Choose a provider' }).waitFor();
  await page.getByRole('button', { name: 'Your connections' }).click();
  await page.getByRole('heading', { name: 'Your connections' }).waitFor();
  assert.equal(await page.locator('.lh-account[data-provider="dagster"]').count(), 1);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'lh-connections-heading');
  await page.getByRole('button', { name: 'Connect another account' }).click();
  await page.getByRole('heading', { name: 'Choose a provider' }).waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'lh-list-heading');
  await context.close();
});

test('Arabic: the checklist is right to left and in Arabic', async () => {
  const session = await createSession(server, { origin_owner_id: `onb-ar-${randomBytes(4).toString('hex')}`, onboarding: PLAN });
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${server.url}/link#token=${session.token}&locale=ar`);
  await page.getByRole('heading', { name: 'قائمة خطوات الإعداد' }).waitFor();
  await page.getByText('0 من 3 مرتبطة').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  assert.deepEqual(await axeViolations(page), []);
  await context.close();
});

test('a StackOne-style backend (no extensions) gets exactly the list and page of before', async () => {
  const backend = await startStackOneBackend();
  const hub = await startStaticHub(process.env.LINKHUB_DIST, staticCsp({ apiOrigins: [backend.url] }));
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${hub.url}/link#token=${backend.token}&base=${encodeURIComponent(backend.url)}&locale=en`);
    await page.getByRole('heading', { name: 'Choose a provider' }).waitFor();
    assert.equal(await page.locator('.lh-hub__nav, .lh-checklist').count(), 0, 'no checklist, no extra links');
    await page.getByRole('button', { name: /Dagster/ }).click();
    await page.getByRole('heading', { name: 'Dagster', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Connect', exact: true }).waitFor();
    assert.equal(await page.getByText('Someone else has these credentials?').count(), 0, 'no hand-off');
    const paths = backend.requests.map((r) => r.path);
    for (const p of paths) assert.ok(!/^\/hub\/(onboarding|handoffs)/.test(p) && !(p === '/hub/accounts'), `asked ${p}`);
    await context.close();
  } finally {
    await hub.stop();
    await backend.stop();
  }
});
