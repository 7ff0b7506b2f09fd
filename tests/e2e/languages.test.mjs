// Languages (issue #7): one flow per locale through the list and the Dagster form, asserting
// translated widget text, the catalog's translated connector text (a label and a validation
// error), `<html lang>`, and right-to-left layout for Arabic. Then how the locale is chosen
// without the option: the browser's languages, with an unknown option ignored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, createSession, launchBrowser, startStaticServer, axeViolations } from './support.mjs';
import { startStaticHub, staticCsp } from './stackone.mjs';

const ROOT = process.env.LINKHUB_ROOT || new URL('../..', import.meta.url).pathname;
const catalog = (locale) => JSON.parse(readFileSync(`${ROOT}/locales/${locale}.json`, 'utf8'));

// What each language must show. The widget's strings are spelled out here rather than read
// from the catalog files, so a wrong or English value in a catalog fails the test.
const EXPECTED = {
  en: { search: 'Search providers', heading: 'Choose a provider', label: 'User Token', error: /^Paste the full token/, required: 'This field is required.' },
  fr: { search: 'Rechercher un fournisseur', heading: 'Choisissez un fournisseur', label: 'Jeton utilisateur', error: /^Collez le jeton complet/, required: 'Ce champ est obligatoire.' },
  de: { search: 'Anbieter suchen', heading: 'Anbieter auswählen', label: 'Benutzertoken', error: /^Fügen Sie das vollständige Token ein/, required: 'Dieses Feld ist erforderlich.' },
  es: { search: 'Buscar proveedores', heading: 'Elija un proveedor', label: 'Token de usuario', error: /^Pegue el token completo/, required: 'Este campo es obligatorio.' },
  ja: { search: 'プロバイダーを検索', heading: 'プロバイダーを選択してください', label: 'ユーザートークン', error: /^トークン全体を貼り付けてください/, required: 'この項目は必須です。' },
  ar: { search: 'البحث عن مزوّد', heading: 'اختر مزوّد الخدمة', label: 'رمز المستخدم', error: /^الصق الرمز كاملًا/, required: 'هذا الحقل إلزامي.' },
};

let server;
let browser;
let host;
let staticHub; // the release widget as static files, calling `server` on another origin

before(async () => {
  // A host page embedding the hub with the `locale` option, on an origin of its own.
  const routes = {};
  host = await startStaticServer(routes);
  staticHub = await startStaticHub(process.env.LINKHUB_DIST, () => staticCsp({ apiOrigins: [server.url] }));
  server = await startServer({ extraEnv: { LINKHUB_ALLOWED_ORIGINS: `${host.url},${staticHub.url}` } });
  routes['/host.html'] = {
    type: 'text/html',
    body: `<!doctype html><html lang="en"><title>Host</title><body>
      <script src="${server.url}/linkhub.js"></script>
      <script>
        const p = new URLSearchParams(location.hash.slice(1));
        LinkHub.open({ token: p.get('token'), hubUrl: '${server.url}', locale: p.get('locale') });
      </script></body></html>`,
  };
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await host?.stop();
  await staticHub?.stop();
});


/** A fresh context (in `browserLocale`) and page that records console errors. */
async function open(browserLocale = 'en-US') {
  const context = await browser.newContext({ locale: browserLocale });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  return { context, page, errors };
}

test('the expectations match the catalog files', () => {
  for (const [locale, want] of Object.entries(EXPECTED)) {
    const c = catalog(locale);
    assert.equal(c.search_label, want.search, locale);
    assert.equal(c.connectors_heading, want.heading, locale);
    assert.equal(c.err_required, want.required, locale);
  }
});

for (const [locale, want] of Object.entries(EXPECTED)) {
  test(`${locale}: list, Dagster form and a validation error are in ${locale}`, async () => {
    const session = await createSession(server, { origin_owner_id: `owner-lang-${locale}` });
    const { context, page, errors } = await open('en-US');
    // The API calls say the widget's language, not the browser's, so the server's
    // messages for the user (a refused field, the OAuth result page) match the widget.
    const apiLanguages = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/hub/')) apiLanguages.push(r.headers()['accept-language']);
    });
    await page.goto(`${session.auth_link_url}&locale=${locale}`);

    // The list.
    const search = page.getByRole('searchbox', { name: want.search });
    await search.waitFor();
    await page.getByRole('heading', { level: 2, name: want.heading }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), locale);
    assert.equal(await page.locator('main.lh-hub').getAttribute('lang'), locale);
    const rtl = locale === 'ar';
    assert.equal(await page.locator('html').getAttribute('dir'), rtl ? 'rtl' : 'ltr');
    const direction = await page.locator('main.lh-hub').evaluate((el) => getComputedStyle(el).direction);
    assert.equal(direction, rtl ? 'rtl' : 'ltr');
    if (rtl) assert.deepEqual(await axeViolations(page), [], 'Arabic list');

    // The Dagster form: a translated label from the catalog, then its translated
    // validation message for a malformed token, and the widget's own required message.
    await search.fill('dag');
    await page.getByRole('button', { name: /Dagster/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Dagster' }).waitFor();
    // The guide: the catalog's French translation in French (and marked so), the English
    // guide, marked English, in every language that has none.
    const guideLang = locale === 'fr' ? 'fr' : 'en';
    const firstSection = guideLang === 'fr' ? 'Générer un jeton utilisateur dans Dagster+' : 'Generate a User Token in Dagster+';
    await page.locator('.lh-guide__sections').getByText(firstSection).first().waitFor();
    assert.equal(await page.locator('.lh-guide__sections').getAttribute('lang'), guideLang);
    assert.equal(await page.locator('.lh-guide__sections').getAttribute('dir'), 'ltr');
    const token = page.getByLabel(want.label, { exact: true });
    await token.fill('user:not-a-token');
    await token.blur();
    await page.getByText(want.error).waitFor();
    const describedBy = await token.getAttribute('aria-describedby');
    assert.match(describedBy ?? '', /lh-field-user_token-error/, 'the error is tied to the field');
    const deployment = page.locator('#lh-field-deployment');
    await deployment.fill('');
    await deployment.blur();
    await page.getByText(want.required).first().waitFor();
    assert.ok(apiLanguages.length >= 3, `list, settings and connector calls: ${apiLanguages}`);
    assert.deepEqual([...new Set(apiLanguages)], [locale]);
    if (rtl) {
      // The back arrow points the reading direction's way: mirrored.
      const transform = await page.locator('.lh-page__back .lh-icon--flip').evaluate((el) => getComputedStyle(el).transform);
      assert.equal(transform, 'matrix(-1, 0, 0, 1, 0, 0)');
      assert.deepEqual(await axeViolations(page), [], 'Arabic form with errors');
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('fr: Oneflow, the other connector of the seeds, is French too: guide, labels and messages', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-lang-oneflow' });
  const { context, page, errors } = await open('en-US');
  await page.goto(`${session.auth_link_url}&locale=fr`);
  await page.getByRole('searchbox', { name: EXPECTED.fr.search }).fill('oneflow');
  await page.getByRole('button', { name: /Oneflow/ }).click();
  await page.getByRole('heading', { level: 2, name: 'Oneflow' }).waitFor();
  const sections = page.locator('.lh-guide__sections');
  await sections.getByText('Activer la Custom Integration').first().waitFor();
  await sections.getByText('Générer votre jeton d\'API Oneflow').first().waitFor();
  assert.equal(await sections.getAttribute('lang'), 'fr');
  const token = page.getByLabel("Jeton d'API", { exact: true });
  await token.fill('too-short');
  await token.blur();
  await page.getByText(/^Un jeton d'API Oneflow compte exactement 40 caractères/).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('without the option, the browser language decides (de-DE → German)', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-lang-browser' });
  const { context, page } = await open('de-DE');
  await page.goto(session.auth_link_url);
  await page.getByRole('searchbox', { name: EXPECTED.de.search }).waitFor();
  await page.getByRole('heading', { level: 2, name: EXPECTED.de.heading }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'de');
  await context.close();
});

test('an unknown locale option is ignored: the browser language, else English', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-lang-unknown' });
  let { context, page } = await open('es-MX');
  await page.goto(`${session.auth_link_url}&locale=tlh`);
  await page.getByRole('searchbox', { name: EXPECTED.es.search }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'es');
  await context.close();

  ({ context, page } = await open('pt-BR'));
  await page.goto(`${session.auth_link_url}&locale=tlh`);
  await page.getByRole('searchbox', { name: EXPECTED.en.search }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await context.close();
});

test('embedded: the locale option reaches the hub, and the loader speaks it too', async () => {
  const session = await createSession(server, { origin_owner_id: 'owner-lang-embed' });
  const { context, page } = await open('en-US');
  await page.goto(`${host.url}/host.html#token=${session.token}&locale=ar`);
  const iframe = page.locator('iframe.linkhub-frame');
  await iframe.waitFor();
  assert.equal(await iframe.getAttribute('title'), 'ربط حساب');
  assert.equal(await page.locator('.linkhub-close').getAttribute('aria-label'), 'إغلاق');
  const hub = page.frameLocator('iframe.linkhub-frame');
  await hub.getByRole('searchbox', { name: EXPECTED.ar.search }).waitFor();
  const frame = page.frames().find((f) => f.url().includes('/embed'));
  assert.ok(frame, 'the hub frame');
  assert.deepEqual(
    await frame.evaluate(() => [document.documentElement.lang, document.documentElement.dir]),
    ['ar', 'rtl'],
  );
  await context.close();
});

test('a hub on another origin than its linkhub backend still gets the connector in its language', async () => {
  // The backend says so in `/hub/settings` (`connector_lang`), so the widget sends `?lang=`
  // to it; a StackOne-style backend, which does not, is sent none (conformance.test.mjs).
  const session = await createSession(server, { origin_owner_id: 'owner-cross-fr', provider: 'dagster' });
  const { context, page, errors } = await open('en-US');
  const asked = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (/^\/hub\/connectors\/[^/]+$/.test(url.pathname)) asked.push(`${url.origin} ${url.search}`);
  });
  await page.goto(`${staticHub.url}/link#token=${session.token}&base=${encodeURIComponent(server.url)}&locale=fr`);
  await page.getByLabel(EXPECTED.fr.label, { exact: true }).waitFor();
  assert.deepEqual(asked, [`${server.url} ?lang=fr`]);
  assert.deepEqual(errors, []);
  await context.close();
});
