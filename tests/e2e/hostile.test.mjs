// The hub under hostile content: the server runs the fixture catalog of
// tests/fixtures/hostile-catalog (markup, <script>, event handlers, `javascript:` text,
// bidirectional controls and a 20,000-character word in every text slot of a connector and
// its guide, in English and Arabic). On the list, the connector page with every guide
// section and tooltip open, and the form with its validation errors shown — at 1280 and
// 360 px, left to right and in Arabic — nothing may execute, no Content-Security-Policy
// violation may happen, nothing may overflow the viewport, and no bidi control may reach
// the screen (issue #17: `invoice\u202Efdp.exe` read "invoiceexe.pdf").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, createSession, launchBrowser, watchCsp, cspViolations } from './support.mjs';

const CATALOG = join(process.env.LINKHUB_ROOT || process.cwd(), 'tests/fixtures/hostile-catalog');
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

let server;
let browser;

before(async () => {
  server = await startServer({ catalog: CATALOG });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * A page at `width` that records anything hostile text could make happen: a write to the
 * `window.__pwned` trap, a dialog, a CSP violation (event or console report), a page error.
 */
async function trappedPage(width) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  await watchCsp(context);
  await context.addInitScript(() => {
    window.__executed = [];
    Object.defineProperty(window, '__pwned', {
      configurable: false,
      get: () => undefined,
      set: (v) => { window.__executed.push(`__pwned = ${v}`); },
    });
    for (const name of ['alert', 'confirm', 'prompt']) {
      window[name] = (...args) => { window.__executed.push(`${name}(${args.join()})`); };
    }
  });
  const page = await context.newPage();
  // Shaping and breaking 20,000-letter Arabic words takes Chromium a while on a busy machine.
  page.setDefaultTimeout(60_000);
  const incidents = [];
  page.on('dialog', (d) => { incidents.push(`dialog: ${d.message()}`); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => incidents.push(`page error: ${e}`));
  page.on('console', (m) => {
    if (/Content[- ]Security[- ]Policy|Refused to (execute|load|apply|frame)/i.test(m.text())) incidents.push(`console: ${m.text()}`);
  });
  return { context, page, incidents };
}

/** Everything that must hold on any screen. */
async function assertSafe(page, incidents, where) {
  const executed = await page.evaluate(() => window.__executed);
  assert.deepEqual(executed, [], `${where}: hostile text executed`);
  assert.deepEqual(await cspViolations(page), [], `${where}: CSP violations`);
  assert.deepEqual(incidents, [], `${where}: incidents`);
  const size = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().width > document.documentElement.clientWidth + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
  }));
  assert.ok(size.scroll <= size.client, `${where}: the page is ${size.scroll} px wide in a ${size.client} px viewport (${size.wide.join(', ')})`);
  const text = await page.evaluate(() => document.body.innerText);
  assert.ok(!BIDI_CONTROLS.test(text), `${where}: a bidi control reached the screen`);
  assert.ok(!text.includes('invoiceexe.pdf'), `${where}: the file name reads reversed`);
  // The markup is shown as text, never parsed.
  assert.equal(await page.locator('.lh-hub img[onerror], .lh-hub script, .lh-hub iframe').count(), 0, `${where}: markup became elements`);
}

for (const locale of ['en', 'ar']) {
  for (const width of [1280, 360]) {
    test(`hostile catalog, ${locale}, ${width} px: nothing executes, violates the CSP, overflows or reverses`, async () => {
      const session = await createSession(server, { origin_owner_id: `owner-hostile-${locale}-${width}` });
      const { context, page, incidents } = await trappedPage(width);
      const link = locale === 'en' ? session.auth_link_url : `${session.auth_link_url}&locale=${locale}`;
      await page.goto(link);
      await page.locator('.lh-connector').first().waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.dir), locale === 'ar' ? 'rtl' : 'ltr');
      await assertSafe(page, incidents, 'the list');
      if (locale === 'en') {
        // The bidi override is gone, so the name reads as written.
        await page.getByText('invoicefdp.exe').first().waitFor();
      }

      // The connector page, every guide section and tooltip open, the scope picker shown.
      await page.locator('.lh-connector').first().click();
      await page.locator('.lh-form').waitFor();
      await page.locator('.lh-guide__actions').waitFor();
      for (const toggle of await page.locator('.lh-guide__toggle[aria-expanded="false"]').all()) await toggle.click();
      for (const details of await page.locator('details.lh-field__tip').all()) await details.locator('summary').click();
      await page.locator('.lh-guide__action input').last().check();
      await assertSafe(page, incidents, 'the connector page');
      if (width === 1280) {
        // The scope picker stays in the guide's column, off the form's labels (issue #17).
        const [picker, form] = await Promise.all([
          page.locator('.lh-guide__actions').boundingBox(),
          page.locator('.lh-page__action').boundingBox(),
        ]);
        const overlaps = picker.x < form.x + form.width && form.x < picker.x + picker.width;
        assert.ok(!overlaps, `the scope picker (${JSON.stringify(picker)}) lies on the form (${JSON.stringify(form)})`);
      }

      // The form with every validation error shown: empty, then a malformed token.
      await page.locator('.lh-form__submit').click();
      await page.locator('.lh-field__error:not([hidden])').first().waitFor();
      await page.locator('#lh-field-token').fill('not a token');
      await page.locator('#lh-field-site').fill('evil.invalid');
      await page.locator('.lh-form__submit').click();
      const errors = await page.locator('.lh-field__error:not([hidden])').allInnerTexts();
      assert.ok(errors.length >= 2, `errors shown: ${errors.length}`);
      assert.ok(errors.some((e) => e.includes('<script>window.__pwned=1</script>')), 'the hostile validation message is shown as text');
      await assertSafe(page, incidents, 'the form with its errors');
      await context.close();
    });
  }
}

test('hostile catalog: the long-named connector wraps in the list and its page at 360 px', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-hostile-long', provider: 'longname' });
  const { context, page, incidents } = await trappedPage(360);
  await page.goto(session.auth_link_url);
  await page.locator('.lh-form').waitFor();
  for (const toggle of await page.locator('.lh-guide__toggle[aria-expanded="false"]').all()) await toggle.click();
  await page.locator('.lh-form__submit').click();
  await page.locator('.lh-field__error:not([hidden])').first().waitFor();
  await assertSafe(page, incidents, 'the long-named connector');
  await context.close();
});
