// `cargo xtask bench widget`: the release widget served by the real server, measured in
// headless Chromium over loopback. Figures are printed, never asserted.
//
// For each of N fresh loads (a new browser context each, HTTP cache disabled through CDP):
//   - bytes transferred for the first screen: the sum of CDP `Network.loadingFinished`
//     encodedDataLength (compressed, headers included) of every request from navigation until
//     the network is idle after the list is shown; the browser is made to ask for gzip only,
//     because the goal is stated in gzip. The connector page's wasm chunk, which the widget
//     prefetches when the browser is idle after the list is visible, is reported on its own
//     line — but counted as first screen if its request started before the list was visible;
//   - list visible: performance.now() (origin = navigation start) of the animation frame in
//     which the first `.lh-connector__name` is in the DOM with a layout box;
//   - form interactive: from the click on a connector to an enabled `input` of its linking form
//     that takes focus (MutationObserver), including the fetch of the connector's definition;
// then, against a server with the synthetic 1,000-connector catalog, per keystroke of search
// (10 characters typed one by one through CDP): from keydown to the end of the list's update
// (the later of: the task after the `input` event, including Leptos' microtask effects, and
// the last DOM mutation in the list within 500 ms). Below it, for the keystrokes that change
// the rows, when the list's DOM was updated and when the next frame began: with the HTTP
// cache off, the new rows' logo responses queue ahead of the probe's task, so a few
// keystrokes end late although the list was updated and drawn much sooner.
//
// Env (set by xtask): LINKHUB_SERVER_BIN, LINKHUB_DIST, LINKHUB_CATALOG,
// LINKHUB_SYNTHETIC_CATALOG, LINKHUB_CHROMIUM, LINKHUB_CHROMIUM_ARGS.
// Options: --loads N (default 10), --connector NAME (default Dagster), --keys N (default 10).
import { startServer, createSession, launchBrowser } from '../e2e/support.mjs';

const opts = parseArgs(process.argv.slice(2));
const GOALS = { bytes: 120 * 1024, listMs: 300, formMs: 50, keyMs: 16 };

function parseArgs(argv) {
  const o = { loads: 10, connector: 'Dagster', keys: 10 };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--loads') { o.loads = Math.max(1, parseInt(v, 10) || 10); i++; }
    else if (k === '--connector') { o.connector = v; i++; }
    else if (k === '--keys') { o.keys = Math.max(1, parseInt(v, 10) || 10); i++; }
    else throw new Error(`unknown option ${k} (--loads N, --connector NAME, --keys N)`);
  }
  return o;
}

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const pct = (xs, p) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)] : NaN;
};
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const msf = (x) => (Number.isFinite(x) ? `${x.toFixed(x < 100 ? 1 : 0)} ms` : 'n/a');
const met = (ok) => (ok ? 'MET' : 'NOT MET');
const log = (s) => process.stderr.write(`${s}\n`);

/** Runs before any page script: notes when the connector list first has a visible name. */
function listProbe() {
  const probe = { listDomAt: null, listFrameAt: null };
  window.__lhBench = probe;
  const check = () => {
    if (probe.listDomAt !== null) return;
    const el = document.querySelector('.lh-connector__name');
    if (!el || el.getBoundingClientRect().height === 0) return;
    probe.listDomAt = performance.now();
    requestAnimationFrame(() => { probe.listFrameAt = performance.now(); });
    obs.disconnect();
  };
  const obs = new MutationObserver(check);
  obs.observe(document, { childList: true, subtree: true, attributes: true });
}

/** A fresh context and page, with CDP network accounting and the HTTP cache off. */
async function freshPage(browser) {
  const context = await browser.newContext();
  await context.addInitScript(listProbe);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  // The goal is in gzip; the server would answer brotli to Chromium's default header.
  await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'gzip' } });
  const net = { inflight: new Set(), lastActivity: Date.now(), total: 0, body: 0, resources: new Map() };
  cdp.on('Network.requestWillBeSent', (e) => {
    net.inflight.add(e.requestId);
    net.lastActivity = Date.now();
    net.resources.set(e.requestId, { url: e.request.url, type: e.type, bytes: 0, body: 0, encoding: '' });
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = net.resources.get(e.requestId);
    if (!r) return;
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    r.encoding = h['content-encoding'] || 'identity';
    r.status = e.response.status;
  });
  cdp.on('Network.dataReceived', (e) => {
    const r = net.resources.get(e.requestId);
    if (r) r.body += e.encodedDataLength;
    net.body += e.encodedDataLength;
  });
  cdp.on('Network.loadingFinished', (e) => {
    net.inflight.delete(e.requestId);
    net.lastActivity = Date.now();
    net.total += e.encodedDataLength;
    const r = net.resources.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  cdp.on('Network.loadingFailed', (e) => {
    net.inflight.delete(e.requestId);
    net.lastActivity = Date.now();
    const r = net.resources.get(e.requestId);
    if (r) r.failed = e.errorText;
  });
  return { context, page, cdp, net, errors };
}

/** Waits until no request has been in flight for `quietMs` (at most `maxMs`). */
async function networkIdle(net, quietMs = 500, maxMs = 10_000) {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (net.inflight.size === 0 && Date.now() - net.lastActivity >= quietMs) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Opens a fresh session's auth link and waits for the connector list. */
async function loadList(browser, server) {
  const session = await createSession(server, { origin_owner_id: `bench-${Date.now()}-${Math.random()}` });
  const p = await freshPage(browser);
  await p.page.goto(session.auth_link_url, { waitUntil: 'commit' });
  await p.page.waitForFunction(() => window.__lhBench?.listFrameAt != null, null, { timeout: 30_000, polling: 20 });
  const probe = await p.page.evaluate(() => window.__lhBench);
  await networkIdle(p.net);
  // The connector page's code (its chunk and the chunk it shares with the embed code),
  // prefetched when the browser is idle after showing the list, is the next screen's code,
  // not the first screen's: its bytes are reported on their own line, but only if its
  // request started after the list was visible. Any wasm requested earlier counts as first
  // screen.
  const lateChunks = await p.page.evaluate((visibleAt) => performance.getEntriesByType('resource')
    .filter((r) => /\/(split_[^/]*|chunk_\d+)\.wasm$/.test(new URL(r.name).pathname) && r.startTime >= visibleAt)
    .map((r) => r.name), probe.listFrameAt);
  p.net.lazy = 0;
  for (const r of p.net.resources.values()) {
    if (lateChunks.includes(r.url)) {
      r.lazy = true;
      p.net.lazy += r.bytes;
      p.net.total -= r.bytes;
      p.net.body -= r.body;
    }
  }
  return { ...p, probe };
}

/** Clicks the connector named `name`; ms until an enabled input of its form takes focus. */
async function openConnector(page, name, timeoutMs = 5000) {
  return page.evaluate(({ name, timeoutMs }) => new Promise((resolve) => {
    const button = [...document.querySelectorAll('.lh-connector')]
      .find((b) => b.querySelector('.lh-connector__name')?.textContent.trim() === name);
    if (!button) { resolve({ missing: `no connector named ${name} in the list` }); return; }
    let done = false;
    let t0 = 0;
    const ready = () => {
      const scope = document.querySelector('form.lh-form') ? 'form.lh-form' : 'form';
      const inputs = document.querySelectorAll(['input:not([type=hidden]):not([disabled])', 'textarea:not([disabled])', 'select:not([disabled])'].map((s) => `${scope} ${s}`).join(', '));
      for (const input of inputs) {
        if (input.closest('.lh-hub__list')) continue; // the (hidden) list's own search box
        if (input.getBoundingClientRect().width === 0) continue;
        input.focus();
        if (document.activeElement === input) return true;
      }
      return false;
    };
    const finish = (v) => {
      if (done) return;
      done = true;
      obs.disconnect();
      clearTimeout(timer);
      resolve(v);
    };
    const hit = () => {
      if (done || !ready()) return;
      const domMs = performance.now() - t0;
      obs.disconnect();
      requestAnimationFrame(() => finish({ domMs, frameMs: performance.now() - t0 }));
    };
    const obs = new MutationObserver(hit);
    obs.observe(document.body, { childList: true, subtree: true, attributes: true });
    const timer = setTimeout(() => finish({
      missing: document.querySelector('.lh-page') ? 'the connector page shows no linking form' : 'no connector page',
    }), timeoutMs);
    t0 = performance.now();
    button.click();
    hit();
  }), { name, timeoutMs });
}

/** Installs the keystroke probe on the list: keydown → end of the list's update. */
async function installKeyProbe(page) {
  await page.evaluate(() => {
    const keys = [];
    window.__lhKeys = keys;
    let cur = null;
    const list = document.querySelector('.lh-list') || document.body;
    window.addEventListener('keydown', () => {
      cur = { t0: performance.now(), inputTask: null, lastMutation: null, frame: null };
      keys.push(cur);
    }, true);
    window.addEventListener('input', () => {
      const k = cur;
      if (!k) return;
      // The next frame: when the browser starts drawing what the keystroke changed.
      requestAnimationFrame(() => { k.frame = performance.now(); });
      // A message runs after this task: after every input listener and their microtasks
      // (Leptos runs its effects in microtasks).
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { k.inputTask = performance.now(); };
      ch.port2.postMessage(0);
    }, true);
    new MutationObserver(() => {
      if (cur && performance.now() - cur.t0 < 500) cur.lastMutation = performance.now();
    }).observe(list, { childList: true, subtree: true, characterData: true, attributes: true });
  });
}

async function main() {
  const loads = opts.loads;
  if (loads < 10) log(`[bench] note: ${loads} loads; the figures of record use at least 10`);
  const browser = await launchBrowser();
  const result = { bytes: [], lazy: [], body: [], requests: [], listMs: [], listDomMs: [], formMs: [], formDomMs: [], formNa: null,
    synthListMs: [], keyMs: [], keyDomMs: [], keyFrameMs: [], keyCounts: [], errors: [] };
  let firstResources = null;
  let server;
  try {
    // 1. The demo catalog: bytes, list visible, connector → form.
    server = await startServer();
    log(`[bench] widget served by ${server.url} (catalog ${process.env.LINKHUB_CATALOG})`);
    for (let i = 1; i <= loads; i++) {
      const l = await loadList(browser, server);
      result.bytes.push(l.net.total);
      result.lazy.push(l.net.lazy);
      result.body.push(l.net.body);
      result.requests.push([...l.net.resources.values()].filter((r) => !r.lazy).length);
      result.listMs.push(l.probe.listFrameAt);
      result.listDomMs.push(l.probe.listDomAt);
      if (!firstResources) firstResources = [...l.net.resources.values()];
      let formNote = '';
      if (result.formNa === null || !result.formNa) {
        const f = await openConnector(l.page, opts.connector);
        if (f.missing) {
          result.formNa = f.missing;
          formNote = `form n/a (${f.missing})`;
        } else {
          result.formNa = false;
          result.formMs.push(f.frameMs);
          result.formDomMs.push(f.domMs);
          formNote = `form ${msf(f.frameMs)}`;
        }
      }
      result.errors.push(...l.errors);
      log(`[bench] load ${i}/${loads}: ${kb(l.net.total)} in ${l.net.resources.size} requests, list ${msf(l.probe.listFrameAt)}, ${formNote}`);
      await l.context.close();
    }
    await server.stop();
    server = null;

    // 2. The synthetic 1,000-connector catalog: list visible and search keystrokes.
    server = await startServer({ catalog: process.env.LINKHUB_SYNTHETIC_CATALOG });
    log(`[bench] synthetic catalog served by ${server.url} (${process.env.LINKHUB_SYNTHETIC_CATALOG})`);
    const query = pickQuery(await hubConnectors(server), opts.keys);
    for (let i = 1; i <= loads; i++) {
      const l = await loadList(browser, server);
      result.synthListMs.push(l.probe.listFrameAt);
      const names = await l.page.locator('.lh-connector__name').allTextContents();
      await installKeyProbe(l.page);
      await l.page.locator('.lh-list input[type=search]').focus();
      const counts = [names.length];
      for (const ch of query) {
        await l.page.keyboard.type(ch);
        await new Promise((r) => setTimeout(r, 300));
        counts.push(await l.page.locator('.lh-connector__name').count());
      }
      const keys = await l.page.evaluate(() => window.__lhKeys);
      const per = keys.map((k) => Math.max(k.inputTask ?? NaN, k.lastMutation ?? -Infinity) - k.t0);
      result.keyMs.push(...per);
      // Where a slow keystroke's time goes: the list's DOM update, the next frame, or the
      // tasks queued ahead of the probe's message (images of the new rows arriving).
      result.keyDomMs.push(...keys.filter((k) => k.lastMutation != null).map((k) => k.lastMutation - k.t0));
      result.keyFrameMs.push(...keys.filter((k) => k.frame != null).map((k) => k.frame - k.t0));
      result.keyCounts = counts;
      result.errors.push(...l.errors);
      log(`[bench] synthetic load ${i}/${loads}: ${names.length} connectors, list ${msf(l.probe.listFrameAt)}, keystroke median ${msf(median(per))}, max ${msf(Math.max(...per.filter(Number.isFinite)))}`);
      await l.context.close();
    }
    result.query = query;
  } finally {
    await browser.close();
    await server?.stop();
  }
  report(result, firstResources, loads);
}

/**
 * The characters to type: built greedily so that as many keystrokes as possible change the
 * list (the widget matches a trimmed, lowercased query on name, provider and category), keeping
 * the list as long as possible; once nothing narrows any more, a key that empties it.
 */
function pickQuery(connectors, n) {
  const hay = connectors.map((c) => [c.name, c.provider, c.type].map((s) => String(s ?? '').toLowerCase()));
  const count = (q) => hay.filter((h) => h.some((s) => s.includes(q))).length;
  const chars = [...new Set(hay.flat().join(''))].filter((c) => c.trim() !== '');
  let q = '';
  let current = hay.length;
  while (q.length < n) {
    let best = null;
    for (const c of chars) {
      const k = count(q + c);
      // Rank: narrows and keeps some (by size) > keeps all > empties.
      const rank = k > 0 && k < current ? 2e6 + k : k === current ? 1e6 : 0;
      if (!best || rank > best.rank) best = { c, k, rank };
    }
    if (!best) break;
    q += best.c;
    current = best.k;
  }
  return q;
}

/** The session's connectors as the widget gets them. */
async function hubConnectors(server) {
  const session = await createSession(server, { origin_owner_id: 'bench-query' });
  const res = await fetch(`${server.url}/hub/connectors`, { headers: { 'x-hub-session-token': session.token } });
  if (!res.ok) throw new Error(`GET /hub/connectors answered ${res.status}`);
  return (await res.json()).integrations || [];
}

function report(r, resources, loads) {
  const bytes = median(r.bytes);
  const list = median(r.listMs);
  const form = median(r.formMs);
  const key = median(r.keyMs);
  const line = (label, value, goal, verdict) => console.log(`  ${label.padEnd(40)} ${value.padStart(10)}   ${goal.padEnd(14)} ${verdict}`);
  console.log('');
  console.log(`linkhub widget in headless Chromium over loopback — medians of ${loads} fresh loads`);
  console.log('(a new browser context per load, HTTP cache disabled, release build served by linkhub-server)');
  console.log('');
  console.log('  first screen, per resource (load 1):');
  for (const x of resources || []) {
    const path = x.url.replace(/^https?:\/\/[^/]+/, '').replace(/#.*$/, '');
    const note = x.failed ? `  (${x.failed})` : x.lazy ? '  (after the list was visible: next screen)' : '';
    console.log(`    ${path.slice(0, 60).padEnd(60)} ${String(x.status ?? '-').padStart(4)} ${x.encoding.padEnd(8)} ${String(x.bytes).padStart(9)} B${note}`);
  }
  console.log('');
  line('figure', 'median', 'goal', 'verdict');
  line(`first screen transferred (${median(r.requests)} requests)`, kb(bytes), '≤ 120 KB gzip', met(bytes <= GOALS.bytes));
  line('  of which bodies (compressed)', kb(median(r.body)), '', '');
  line('connector page code, prefetched when idle', kb(median(r.lazy)), '', '(not first screen)');
  line('connector list visible (demo catalog)', msf(list), '≤ 300 ms', met(list <= GOALS.listMs));
  line('  list in the DOM', msf(median(r.listDomMs)), '', '');
  if (r.formNa) {
    line(`${opts.connector} clicked → form interactive`, 'n/a', '≤ 50 ms', `n/a (connector page not available: ${r.formNa})`);
  } else {
    line(`${opts.connector} clicked → form interactive`, msf(form), '≤ 50 ms', met(form <= GOALS.formMs));
    line('  focusable input in the DOM', msf(median(r.formDomMs)), '', '');
  }
  line('list visible (1,000 connectors)', msf(median(r.synthListMs)), '', '');
  line(`search keystroke, 1,000 connectors (${r.keyMs.filter(Number.isFinite).length})`, msf(key), '≤ 16 ms', met(key <= GOALS.keyMs));
  line('  keystroke p90 / max', `${msf(pct(r.keyMs, 0.9))} / ${msf(Math.max(...r.keyMs.filter(Number.isFinite)))}`, '', '');
  line('  list updated in the DOM, median / p90', `${msf(median(r.keyDomMs))} / ${msf(pct(r.keyDomMs, 0.9))}`, '', '(keystrokes that changed it)');
  line('  next frame, median / p90', `${msf(median(r.keyFrameMs))} / ${msf(pct(r.keyFrameMs, 0.9))}`, '', '');
  console.log(`  (typed "${r.query}": connectors shown after each key ${r.keyCounts.join(' → ')})`);
  if (r.keyCounts.length > 1 && new Set(r.keyCounts).size === 1) {
    console.log('  warning: the list never changed while typing; the keystroke figure measures no update');
  }
  console.log('');
  console.log('  for scale: Nango connect UI 165 KB gzip, list in ~600 ms; StackOne web component 591 KB gzip');
  if (r.errors.length) {
    console.log(`\n  ${r.errors.length} console/page errors during the loads, e.g. ${[...new Set(r.errors)].slice(0, 3).join(' | ')}`);
  }
}

main().catch((e) => {
  console.error(`bench widget failed: ${e.stack || e}`);
  process.exit(1);
});
