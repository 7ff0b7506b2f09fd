// Shared harness for the end-to-end tests: starts the real reference server on a free
// loopback port with its own data directory, launches Debian's headless Chromium through
// playwright-core, and stops both by PID when a test is done.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the e2e tier through \`cargo xtask test --tier e2e\``);
  return v;
};

/** Starts `linkhub-server serve` on 127.0.0.1 with a fresh data dir; resolves once it listens. */
export async function startServer({ catalog = env('LINKHUB_CATALOG'), extraArgs = [], extraEnv = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'linkhub-e2e-'));
  const apiKey = `lh_test_${randomBytes(16).toString('hex')}`;
  const args = ['--data-dir', dataDir, '--catalog', catalog, 'serve', '--port', '0', '--web-dir', env('LINKHUB_DIST'), ...extraArgs];
  const child = spawn(env('LINKHUB_SERVER_BIN'), args, {
    env: { ...process.env, LINKHUB_API_KEY: apiKey, RUST_LOG: 'warn', ...extraEnv },
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
      rmSync(dataDir, { recursive: true, force: true });
    },
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
