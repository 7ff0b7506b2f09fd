// Shared harness for the end-to-end tests: starts the real reference server on a free
// loopback port with its own data directory, launches Debian's headless Chromium through
// playwright-core, and stops both by PID when a test is done.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.x A and AA rules, 2.2 included. */
export const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Runs axe-core in `target` (a page or a frame) with the `runOnly` rules or tags; returns a
 * "rule: targets" line per violation. axe is injected through the DevTools protocol, so the
 * hub's Content-Security-Policy stays as it is.
 */
export async function axeViolations(target, runOnly = WCAG_AA) {
  await target.evaluate(AXE);
  return target.evaluate(async (only) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: only });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, runOnly);
}

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the e2e tier through \`cargo xtask test --tier e2e\``);
  return v;
};

/** Starts `linkhub-server serve` on 127.0.0.1 with a fresh data dir; resolves once it listens. */
export async function startServer({ catalog = env('LINKHUB_CATALOG'), extraArgs = [], extraEnv = {}, dataDir, apiKey } = {}) {
  // A given data dir (a restart) is kept on stop; a fresh one is removed.
  const ownDir = !dataDir;
  dataDir ||= mkdtempSync(join(tmpdir(), 'linkhub-e2e-'));
  apiKey ||= `lh_test_${randomBytes(16).toString('hex')}`;
  const args = ['--data-dir', dataDir, '--catalog', catalog, 'serve', '--port', '0', '--web-dir', env('LINKHUB_DIST'), ...extraArgs];
  const child = spawn(env('LINKHUB_SERVER_BIN'), args, {
    // Credential checks off unless a test asks for them (LINKHUB_VERIFY in extraEnv): the
    // catalog's real providers must never be contacted from a test.
    env: { ...process.env, LINKHUB_API_KEY: apiKey, RUST_LOG: 'warn', LINKHUB_VERIFY: 'off', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${log}`)), 30_000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${log}`)); });
  });
  return {
    url,
    apiKey,
    dataDir,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGTERM');
        await exited;
      }
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
    /** Removes the data dir of a server started on a given one. */
    cleanup() { rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/** `POST /connect_sessions` with the project API key (HTTP Basic, empty password). */
export async function createSession(server, body = {}) {
  const res = await fetch(`${server.url}/connect_sessions`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${server.apiKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ origin_owner_id: 'owner-1', origin_owner_name: 'Acme Inc', ...body }),
  });
  if (res.status !== 201) throw new Error(`connect_sessions answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** Headless Chromium with the flags this closed-network machine needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.LINKHUB_CHROMIUM || '/usr/bin/chromium',
    args: (process.env.LINKHUB_CHROMIUM_ARGS || '--no-sandbox --disable-gpu').split(' ').filter((a) => a && !a.startsWith('--headless')),
    headless: true,
  });
}

/** A page that records console errors and failed requests, to assert there were none. */
export async function newPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  return { page, context, errors };
}

/** `linkhub-server project show --json` on the server's data dir (webhook secret, ids). */
export async function projectInfo(server) {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync(env('LINKHUB_SERVER_BIN'), ['--data-dir', server.dataDir, '--catalog', env('LINKHUB_CATALOG'), 'project', 'show', '--json'], {
    env: { ...process.env, LINKHUB_API_KEY: server.apiKey, LINKHUB_LOG: 'warn' },
  });
  return JSON.parse(out.toString());
}

/** A static HTTP server on 127.0.0.1 answering `routes[path]` ({type, body}); 404 otherwise. */
export async function startStaticServer(routes) {
  const http = await import('node:http');
  const srv = http.createServer((req, res) => {
    const route = routes[new URL(req.url, 'http://x').pathname];
    if (!route) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' });
    res.end(route.body);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${srv.address().port}`, stop: () => new Promise((r) => srv.close(r)) };
}

/**
 * A webhook receiver that verifies Standard Webhooks signatures (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` keyed by the base64
 * part of `whsec_…`) and keeps the verified events.
 */
export async function startWebhookReceiver(secret) {
  const http = await import('node:http');
  const { createHmac, timingSafeEqual } = await import('node:crypto');
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const events = [];
  const rejected = [];
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      const ts = req.headers['webhook-timestamp'];
      const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
      const ok = String(req.headers['webhook-signature'] || '').split(' ').some((sig) => {
        const [version, value] = sig.split(',');
        const given = Buffer.from(value || '', 'base64');
        return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
      });
      if (ok) events.push(JSON.parse(body)); else rejected.push(body);
      res.writeHead(ok ? 204 : 401);
      res.end();
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${srv.address().port}/hooks`, events, rejected, stop: () => new Promise((r) => srv.close(r)) };
}

/**
 * A server on a new data dir whose webhooks go to a receiver that verifies them. The project
 * (and its webhook secret) is made on first use of a data dir: make it, start a receiver that
 * knows the secret, then the server that delivers to it. `extraEnv` is added to the server's.
 */
export async function startServerWithReceiver(name, { extraEnv = {}, ...options } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), `linkhub-e2e-${name}-`));
  const apiKey = `lh_test_${randomBytes(16).toString('hex')}`;
  const { webhook_secret: secret } = await projectInfo({ dataDir, apiKey });
  const receiver = await startWebhookReceiver(secret);
  const server = await startServer({
    ...options,
    dataDir,
    apiKey,
    extraEnv: { LINKHUB_WEBHOOK_URL: receiver.url, LINKHUB_WEBHOOK_RETRY_BASE_MS: '200', ...extraEnv },
  });
  return { server, receiver };
}

/** Collects Content-Security-Policy violations in every frame of a context. */
export async function watchCsp(context) {
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
}

/** CSP violations recorded so far in a page or frame. */
export const cspViolations = (frame) => frame.evaluate(() => window.__cspViolations || []);
