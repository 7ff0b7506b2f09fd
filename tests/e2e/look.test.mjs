// How the hub looks and reads, on every screen (the list, a connector page with a guide
// section opened, the form showing errors, success, and an expired session):
// - axe-core (WCAG 2.2 A/AA) finds nothing, in light and dark, and with a host's primary colour;
// - a host's theme (link fragment, and a token object through the embed loader) shows in the
//   computed styles with its computed text colour; an invalid token is ignored, with a
//   warning naming it, and the hub still works;
// - at 320 CSS px nothing scrolls sideways, and every control is at least 24×24 px (or spaced
//   as WCAG 2.5.8 allows);
// - screenshots of each screen at 1280 and 360 px in light and dark go to
//   tests/output/screenshots/ (not committed) for a person to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, createSession, launchBrowser, startStaticServer, axeViolations } from './support.mjs';

const ROOT = process.env.LINKHUB_ROOT || join(import.meta.dirname, '..', '..');
const SHOTS = join(ROOT, 'tests', 'output', 'screenshots');
const DAGSTER_TOKEN = 'user:0afb128e57084fce8fd15c62d75e4bd6';
// A small host logo (a green rounded square), as a base64 data URL.
const LOGO = `data:image/svg+xml;base64,${Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="6" fill="#0b6e4f"/><circle cx="12" cy="12" r="5" fill="#fff"/></svg>',
).toString('base64')}`;
const CUSTOM = `&primary=${encodeURIComponent('#0b6e4f')}&radius=4px&brand_name=Acme+Inc&brand_logo=${encodeURIComponent(LOGO)}`;

let server;
let host;
let browser;
let owners = 0;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const routes = {};
  host = await startStaticServer(routes);
  server = await startServer({ extraEnv: { LINKHUB_ALLOWED_ORIGINS: host.url } });
  routes['/host.html'] = {
    type: 'text/html',
    body: `<!doctype html><html lang="en"><head><title>Host</title></head><body>
      <main><h1>Host</h1><div id="hub" style="height:760px"></div></main>
      <script src="${server.url}/linkhub.js"></script></body></html>`,
  };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await host?.stop();
});


/** Sideways scrolling, and controls under 24×24 px without the spacing WCAG 2.5.8 allows. */
function layoutProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) problems.push(`scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    const targets = [...document.querySelectorAll('a[href], button, input, select, textarea, summary')]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 1 && r.height > 1 && getComputedStyle(e).visibility !== 'hidden';
      });
    const rects = targets.map((e) => e.getBoundingClientRect());
    const distance = (x, y, r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
    targets.forEach((e, i) => {
      const r = rects[i];
      if (r.width >= 24 && r.height >= 24) return;
      // Inline exception: a link inside a sentence.
      if (e.tagName === 'A' && getComputedStyle(e).display === 'inline') return;
      // Spacing exception: a 24 px circle centred on it touches no other target.
      const cx = r.left + r.width / 2;
      const cy = r.top + r.height / 2;
      const clash = rects.some((o, j) => j !== i && distance(cx, cy, o) < 12);
      if (clash) problems.push(`small target ${Math.round(r.width)}×${Math.round(r.height)}: ${e.outerHTML.slice(0, 80)}`);
    });
    return problems;
  });
}

/**
 * Walks a fresh session through every screen, calling `visit(name)` on each: the list,
 * Dagster's page with its second guide section open, the form with errors, success; then
 * an expired session.
 */
async function walk(page, suffix, visit) {
  const session = await createSession(server, { origin_owner_id: `owner-look-${owners++}` });
  await page.goto(`${session.auth_link_url}${suffix}`);
  await page.getByRole('searchbox').waitFor();
  await visit('list');

  await page.getByRole('searchbox').fill('dag');
  await page.getByRole('button', { name: /Dagster/ }).click();
  await page.getByRole('heading', { name: 'How to get your credentials' }).waitFor();
  await page.locator('.lh-guide__toggle').nth(1).click();
  await visit('connector');

  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByText('Some fields need your attention').waitFor();
  await visit('form-errors');

  await page.getByLabel('User Token', { exact: true }).fill(DAGSTER_TOKEN);
  await page.getByLabel('Organization slug', { exact: true }).fill('acme');
  await page.getByLabel('Deployment', { exact: true }).fill('prod');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('heading', { name: 'Account connected' }).waitFor();
  await visit('success');

  await page.goto('about:blank'); // a new fragment alone would not reload the page
  await page.goto(`${session.auth_link_url.replace(/token=[^&]+/, 'token=lh_not_a_session')}${suffix}`);
  await page.getByRole('heading', { name: 'This session has expired' }).waitFor();
  await visit('expired');
}

/** A page of the given width and colour scheme. */
async function open(width, colorScheme) {
  const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { context, page };
}

const VARIANTS = [
  { name: 'light', colorScheme: 'light', suffix: '' },
  { name: 'dark', colorScheme: 'dark', suffix: '' },
  { name: 'custom-light', colorScheme: 'light', suffix: CUSTOM },
  { name: 'custom-dark', colorScheme: 'dark', suffix: CUSTOM },
];

for (const variant of VARIANTS) {
  test(`every screen passes axe at 1280 px and is captured at 1280 and 360 px (${variant.name})`, async () => {
    for (const width of [1280, 360]) {
      const { context, page } = await open(width, variant.colorScheme);
      await walk(page, variant.suffix, async (screen) => {
        if (width === 1280) assert.deepEqual(await axeViolations(page), [], `${screen} (${variant.name})`);
        await page.screenshot({ path: join(SHOTS, `${screen}-${width}-${variant.name}.png`), fullPage: true, caret: 'hide', animations: 'disabled' });
      });
      await context.close();
    }
  });
}

for (const colorScheme of ['light', 'dark']) {
  test(`at 320 px nothing scrolls sideways and controls are big enough (${colorScheme})`, async () => {
    const { context, page } = await open(320, colorScheme);
    await walk(page, '', async (screen) => {
      assert.deepEqual(await layoutProblems(page), [], screen);
      // The narrow layout passes axe too (target size included).
      assert.deepEqual(await axeViolations(page), [], `${screen} at 320 px`);
    });
    await context.close();
  });
}

/** The computed background and text colour of the primary (Connect) button. */
const buttonColours = (locator) => locator.evaluate((b) => {
  const s = getComputedStyle(b);
  return { background: s.backgroundColor, color: s.color };
});

test('a primary colour from the link is applied with its computed text colour', async () => {
  for (const [primary, background, color] of [
    ['#0b6e4f', 'rgb(11, 110, 79)', 'rgb(255, 255, 255)'],
    // A light primary gets dark text: the higher-contrast candidate, computed.
    ['#ffd400', 'rgb(255, 212, 0)', 'rgb(0, 0, 0)'],
  ]) {
    const { context, page } = await open(1280, 'light');
    const session = await createSession(server, { origin_owner_id: `owner-look-${owners++}`, provider: 'oneflow' });
    await page.goto(`${session.auth_link_url}&primary=${encodeURIComponent(primary)}&radius=4px`);
    const connect = page.getByRole('button', { name: 'Connect', exact: true });
    await connect.waitFor();
    assert.deepEqual(await buttonColours(connect), { background, color }, primary);
    assert.equal(await connect.evaluate((b) => getComputedStyle(b).borderTopLeftRadius), '2.4px', 'radius-small follows radius');
    // Links and accents use a shade that reads on the page.
    assert.deepEqual(await axeViolations(page), [], primary);
    await context.close();
  }
});

test('an invalid theme token is reported and ignored; the default stays and the hub works', async () => {
  const { context, page } = await open(1280, 'light');
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  const session = await createSession(server, { origin_owner_id: `owner-look-${owners++}`, provider: 'oneflow' });
  await page.goto(`${session.auth_link_url}&primary=${encodeURIComponent('red;background:url(https://x)')}&radius=4px`);
  const connect = page.getByRole('button', { name: 'Connect', exact: true });
  await connect.waitFor();
  assert.deepEqual(await buttonColours(connect), { background: 'rgb(58, 79, 216)', color: 'rgb(255, 255, 255)' }, 'the default primary');
  assert.equal(await page.evaluate(() => document.documentElement.style.getPropertyValue('--lh-color-primary')), '');
  assert.equal(await page.evaluate(() => document.documentElement.style.getPropertyValue('--lh-radius')), '4px', 'the valid token still applies');
  assert.ok(warnings.some((w) => w.includes('"primary"')), `a warning names the option: ${warnings}`);
  // Still works: link the account.
  await page.getByLabel('API Token', { exact: true }).fill('Ab12-Cd34-Ef56-Gh78-Ij90-Kl12-Mn34-Op567');
  await page.getByLabel('User Email', { exact: true }).fill('ops@example.com');
  await connect.click();
  await page.getByRole('heading', { name: 'Account connected' }).waitFor();
  await context.close();
});

test('the theme code fails to load: the hub still shows, in the default look, and says why', async () => {
  const { context, page } = await open(1280, 'light');
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  let refused = 0;
  await page.route(/\/split_host_theme\.wasm$/, (route) => { refused += 1; return route.abort('connectionrefused'); });
  const session = await createSession(server, { origin_owner_id: `owner-look-${owners++}`, provider: 'oneflow' });
  await page.goto(`${session.auth_link_url}&primary=${encodeURIComponent('#0b6e4f')}`);
  const connect = page.getByRole('button', { name: 'Connect', exact: true });
  await connect.waitFor({ state: 'visible' });
  assert.equal(refused, 1, 'the theme code was asked for once');
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).visibility), 'visible');
  assert.deepEqual(await buttonColours(connect), { background: 'rgb(58, 79, 216)', color: 'rgb(255, 255, 255)' }, 'the default primary');
  assert.ok(warnings.some((w) => w.includes('theme code could not be loaded')), `a warning says why: ${warnings}`);
  await context.close();
});

test('embedded: a theme object and a brand from the loader options', async () => {
  const { context, page } = await open(1280, 'light');
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  const session = await createSession(server, { origin_owner_id: `owner-look-${owners++}` });
  await page.goto(`${host.url}/host.html`);
  await page.waitForFunction(() => window.LinkHub);
  await page.evaluate(({ token, hubUrl, logo }) => {
    window.LinkHub.mount(document.getElementById('hub'), {
      token,
      hubUrl,
      theme: { mode: 'dark', tokens: { primary: '#0b6e4f', radius: '4px', spacing: 'huge' } },
      brand: { name: 'Acme Inc', logo },
    });
  }, { token: session.token, hubUrl: server.url, logo: LOGO });
  const frame = page.frameLocator('#hub iframe');
  await frame.getByRole('searchbox').waitFor();
  const hub = page.frames().find((f) => f.url().startsWith(server.url));
  assert.equal(await hub.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(await hub.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(17, 20, 24)', 'dark background');
  // The host's brand replaces linkhub's; its logo is decorative beside the visible name.
  const brand = frame.locator('.lh-brand');
  assert.equal((await brand.textContent()).trim(), 'Acme Inc');
  assert.equal(await brand.locator('img').getAttribute('alt'), '');
  assert.equal(await frame.locator('.lh-brand__logo--ours').count(), 0);
  assert.equal(await frame.locator('.lh-connector').first().evaluate((e) => getComputedStyle(e).borderTopLeftRadius), '4px');
  assert.ok(warnings.some((w) => w.includes('"spacing"')), `a warning names the bad token: ${warnings}`);
  assert.equal(await hub.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--lh-space').trim()), '8px', 'the default spacing stays');

  await frame.getByRole('searchbox').fill('dag');
  await frame.getByRole('button', { name: /Dagster/ }).click();
  const connect = frame.getByRole('button', { name: 'Connect', exact: true });
  await connect.waitFor();
  assert.deepEqual(await buttonColours(connect), { background: 'rgb(11, 110, 79)', color: 'rgb(255, 255, 255)' });
  // The guide's links, dark-green on a dark page otherwise, get a readable shade.
  const contrast = await axeViolations(hub, ['color-contrast']);
  assert.deepEqual(contrast, []);
  await context.close();
});

test('the loader modal fills a narrow screen', async () => {
  const { context, page } = await open(360, 'light');
  const session = await createSession(server, { origin_owner_id: `owner-look-${owners++}` });
  await page.goto(`${host.url}/host.html`);
  await page.waitForFunction(() => window.LinkHub);
  await page.evaluate(({ token, hubUrl }) => { window.LinkHub.open({ token, hubUrl }); }, { token: session.token, hubUrl: server.url });
  await page.frameLocator('iframe.linkhub-frame').getByRole('searchbox').waitFor();
  const box = await page.getByRole('dialog').boundingBox();
  assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 360, 800]);
  await page.screenshot({ path: join(SHOTS, 'modal-360-light.png') });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.waitForFunction(() => document.querySelector('[role=dialog]').getBoundingClientRect().width === 720);
  await context.close();
});

test('white-label shows neither linkhub mark nor footer; a host brand replaces the mark', async () => {
  const { context, page } = await open(1280, 'light');
  const plain = await createSession(server, { origin_owner_id: `owner-look-${owners++}` });
  await page.goto(plain.auth_link_url);
  await page.locator('.lh-connector').first().waitFor();
  assert.equal((await page.locator('.lh-brand').textContent()).trim(), 'linkhub');
  const white = await createSession(server, { origin_owner_id: `owner-look-${owners++}` });
  await page.goto('about:blank');
  await page.goto(`${white.auth_link_url}&whitelabel=1`);
  await page.locator('.lh-connector').first().waitFor();
  assert.equal(await page.locator('.lh-brand, .lh-hub__footer').count(), 0);
  // A logo over plain http (or without a name) is refused; the name alone still shows.
  const branded = await createSession(server, { origin_owner_id: `owner-look-${owners++}` });
  await page.goto('about:blank');
  await page.goto(`${branded.auth_link_url}&brand_name=Acme&brand_logo=${encodeURIComponent('http://acme.example/logo.png')}`);
  await page.locator('.lh-connector').first().waitFor();
  assert.equal((await page.locator('.lh-brand').textContent()).trim(), 'Acme');
  assert.equal(await page.locator('.lh-brand img').count(), 0);
  await context.close();
});
