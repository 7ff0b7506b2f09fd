// Test servers for the conformance of the widget with any StackOne-style backend:
//
// - `startStackOneBackend`: a backend that answers the Hub API with only the shapes StackOne's
//   published client (`@stackone/hub`, MIT: the requests in its `dist/index.esm.js`, which it
//   reads field by field) sends and expects, and none of linkhub's extensions: no
//   `config.guide`, no `fields` in error bodies, no `/hub/settings` (404), no
//   `Idempotency-Key` in its CORS. Its answers carry fields the widget does not know, as a
//   newer backend's would. CORS as StackOne's client needs it: any origin, no cookies, and
//   exactly the request headers that client sends (`content-type`, `x-hub-session-token`,
//   `x-hub-version`).
// - `startStaticHub`: the release widget (`dist/`) as a plain static file server serves it
//   (a folder is its `index.html`, `/link` redirects to `/link/`), with the headers the
//   README's "Static hosting" section tells an operator to set.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';

export const DAGSTER_TOKEN = 'user:0afb128e57084fce8fd15c62d75e4bd6';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#4f43dd"/></svg>';

/** One connector of a StackOne `GET /hub/connectors` answer. */
function summary(base, provider, name, type) {
  return {
    active: true,
    name,
    provider,
    type,
    version: '1.0.0',
    authentication_config_key: 'custom',
    environment: 'production',
    integration_id: `int_${provider}_01`,
    logo_url: `${base}/logos/${provider}.svg`,
    // Not in linkhub's protocol: ignored.
    hub_display_order: 3,
    tags: ['beta'],
  };
}

/** Dagster's linking form as a StackOne `config`: hints, notices, a support link; no guide. */
function dagsterConfig(base) {
  return {
    key: 'dagster',
    name: 'Dagster',
    type: 'custom',
    configFields: [
      {
        key: 'user_token',
        label: 'User Token',
        type: 'password',
        required: true,
        readOnly: false,
        secret: true,
        placeholder: 'user:0123456789abcdef0123456789abcdef',
        description: 'A Dagster+ user token (Organization settings > Tokens).',
        tooltip: 'Copy the whole value, including the user: prefix.',
        validation: { type: 'html-pattern', pattern: 'user:[0-9a-f]{32}', error: 'Paste the full token.' },
        renderAs: 'secret-input',
      },
      {
        key: 'organization',
        label: 'Organization slug',
        type: 'text',
        required: true,
        readOnly: false,
        secret: false,
        placeholder: 'acme',
        guide: { description: 'The subdomain of your Dagster+ address: acme in https://acme.dagster.cloud.', tooltip: 'Lowercase.' },
      },
      {
        key: 'deployment',
        label: 'Deployment',
        type: 'text',
        required: true,
        readOnly: false,
        secret: false,
        placeholder: 'prod',
        description: 'The deployment to connect, as in the URL after the organization.',
      },
    ],
    configNotices: [
      { key: 'read-only', type: 'info', description: 'StackOne-shaped notice: the token is used read-only.', position: 'top' },
      { key: 'token-scope', type: 'warning', description: 'Anchored notice: use a token of a service user.', anchor: 'user_token' },
    ],
    assets: { icon: `${base}/logos/dagster.svg` },
    support: { link: 'https://docs.dagster.io/', description: 'Dagster+ documentation on user tokens.' },
    // Not in linkhub's protocol: ignored.
    releaseStage: 'ga',
  };
}

/**
 * Starts the StackOne-shaped backend on a free loopback port. `tokens` are the session tokens
 * it accepts (a fresh one is made when none is given). Every request is kept in `requests`
 * (method, path, the headers that matter, the body), preflights apart in `preflights`.
 */
export async function startStackOneBackend({ tokens = [] } = {}) {
  const token = tokens[0] || `so_${randomBytes(12).toString('hex')}`;
  const accepted = new Set([token, ...tokens]);
  const requests = [];
  const preflights = [];
  const accounts = [];
  let base = '';
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET,POST,PATCH,DELETE',
      'access-control-allow-headers': 'content-type,x-hub-session-token,x-hub-version',
      'access-control-max-age': '600',
    };
    const send = (status, body, type = 'application/json') => {
      res.writeHead(status, { ...cors, 'content-type': type, 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    // NestJS's error shape, which StackOne's answers have: statusCode, message, error.
    const error = (status, message, error) => send(status, { statusCode: status, message, error });
    if (req.method === 'OPTIONS') {
      preflights.push({ path: url.pathname, headers: req.headers['access-control-request-headers'] || '' });
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith('/logos/')) {
      send(200, LOGO, 'image/svg+xml');
      return;
    }
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      const record = {
        method: req.method,
        path: url.pathname,
        query: url.search,
        origin: req.headers.origin,
        token: req.headers['x-hub-session-token'],
        idempotencyKey: req.headers['idempotency-key'],
        acceptLanguage: req.headers['accept-language'],
        body: raw ? JSON.parse(raw) : undefined,
      };
      requests.push(record);
      if (!url.pathname.startsWith('/hub/')) { error(404, `Cannot ${req.method} ${url.pathname}`, 'Not Found'); return; }
      if (!accepted.has(record.token)) { error(401, 'Unauthorized', 'Unauthorized'); return; }
      const dagster = summary(base, 'dagster', 'Dagster', 'iam');
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /hub/connectors') {
        const all = [dagster, summary(base, 'personio', 'Personio', 'hris')];
        const provider = url.searchParams.get('provider');
        send(200, { integrations: provider ? all.filter((c) => c.provider === provider) : all, next: null });
      } else if (route === `GET /hub/connectors/${dagster.integration_id}`) {
        send(200, { config: dagsterConfig(base), hub_settings: { configured_webhook_events: ['account.created'], project_settings: { expiry_days: 30 } } });
      } else if (route === 'POST /hub/accounts') {
        const { integration_id: integrationId, credentials = {} } = record.body || {};
        if (integrationId !== dagster.integration_id) { error(404, 'Integration not found', 'Not Found'); return; }
        if (credentials.user_token !== DAGSTER_TOKEN) {
          // StackOne's refusal: a message, no per-field map.
          error(400, 'Dagster refused the user token (401 Unauthorized)', 'Bad Request');
          return;
        }
        const account = { id: `acc_${randomBytes(6).toString('hex')}`, provider: 'dagster', origin_owner_id: 'owner-1', status: 'active' };
        accounts.push({ ...account, credentials });
        send(201, account);
      } else {
        // No `/hub/settings`, nothing else: what a backend without them answers.
        error(404, `Cannot ${req.method} ${url.pathname}`, 'Not Found');
      }
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${srv.address().port}`;
  return {
    url: base,
    token,
    requests,
    preflights,
    accounts,
    /** Requests other than the logos' (which the browser may fetch without the token). */
    apiRequests: () => requests.filter((r) => r.path.startsWith('/hub/')),
    stop: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
};

/** A content-hashed name (`app-0123456789abcdef.css`) or the build's `pkg-<hash>/` folder. */
const HASHED = /(^|\/)(pkg-[0-9a-f]{16}\/|[^/]*-[0-9a-f]{16}(_bg)?\.[a-z]+$)/;

/**
 * The Content-Security-Policy the README gives for a static host: the hub's own files, and
 * `apiOrigins` as the backends it may call (and show logos from); `frameAncestors` the host
 * pages that may embed it.
 */
export function staticCsp({ apiOrigins = [], frameAncestors = [] } = {}) {
  const api = apiOrigins.join(' ');
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    `img-src 'self' data: https: ${api}`.trim(),
    `connect-src 'self' ${api}`.trim(),
    `frame-ancestors 'self' ${frameAncestors.join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * Serves `dir` (the release widget) as a plain static file server would, with the README's
 * headers: the CSP on HTML, `Referrer-Policy: no-referrer`, hashed files cached for good,
 * everything else revalidated. No route knows about `/link` or `/embed`: they are folders.
 * `csp` is the policy, or a function giving it (for a backend started after the hub).
 */
export async function startStaticHub(dir, csp) {
  const served = [];
  const srv = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    served.push(path);
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir)) { res.writeHead(403); res.end(); return; }
    let stat = null;
    try { stat = statSync(file); } catch (_) { stat = null; }
    if (stat && stat.isDirectory() && !path.endsWith('/')) {
      res.writeHead(301, { location: `${path}/` });
      res.end();
      return;
    }
    const target = stat && stat.isDirectory() ? join(file, 'index.html') : file;
    let body;
    try { body = readFileSync(target); } catch (_) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found'); return; }
    const type = TYPES[extname(target)] || 'application/octet-stream';
    const headers = { 'content-type': type, 'x-content-type-options': 'nosniff' };
    if (type.startsWith('text/html')) {
      headers['content-security-policy'] = typeof csp === 'function' ? csp() : csp;
      headers['referrer-policy'] = 'no-referrer';
      headers['cache-control'] = 'no-cache';
    } else {
      headers['cache-control'] = HASHED.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
    }
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    served,
    stop: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  };
}
