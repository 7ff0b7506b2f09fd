// An OAuth2 provider on loopback, owned by the tests (no npm package): the authorization-code
// grant of RFC 6749 §4.1 with PKCE (RFC 7636, S256), as strict as a real provider about what
// the flow checks. `/authorize` checks the client and its redirect URI (a wrong one gets an
// error page, never a redirect), then the request, and redirects back with a one-time code
// and the state; `/token` authenticates the client (secret in the form or HTTP Basic) and
// exchanges the code once, for the same client and redirect URI, when the PKCE verifier
// matches the challenge. Errors are the RFC's (`invalid_client`, `invalid_grant`, …).
import { createServer } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';

const CODE_LIFETIME_MS = 60_000;

/**
 * Starts the provider on 127.0.0.1 with a free port. `clientId` and `clientSecret` are the
 * one registered client; `redirectUri` (settable later, once the server under test has its
 * port) is the one redirect URI registered for it.
 *
 * Returns `{ url, log, hold, redirectUri, close() }`: `log.authorize` and `log.token` record
 * every request's parameters and what was answered (`outcome`: `code`, `held`, or an error
 * code); set `hold = true` to have `/authorize` show a sign-in page instead of approving.
 */
export async function startOAuthProvider({ clientId, clientSecret, redirectUri = null }) {
  const codes = new Map();
  const provider = {
    url: '',
    redirectUri,
    hold: false,
    log: { authorize: [], token: [] },
    close: () => new Promise((r) => http.close(r)),
  };

  const page = (res, status, text) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><title>Test provider</title><p>${text}</p>`);
  };
  const json = (res, status, body, extra = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra });
    res.end(JSON.stringify(body));
  };

  function authorize(url, res) {
    const q = Object.fromEntries(url.searchParams);
    const entry = { params: q, outcome: '' };
    provider.log.authorize.push(entry);
    // §4.1.2.1: an unknown client or redirect URI is told to the user, not redirected to.
    if (q.client_id !== clientId) {
      entry.outcome = 'unknown_client';
      return page(res, 400, 'Unknown client.');
    }
    if (!q.redirect_uri || (provider.redirectUri !== null && q.redirect_uri !== provider.redirectUri)) {
      entry.outcome = 'bad_redirect_uri';
      return page(res, 400, 'This redirect URI is not registered for the client.');
    }
    const back = new URL(q.redirect_uri);
    const refuse = (error) => {
      entry.outcome = error;
      back.searchParams.set('error', error);
      if (q.state) back.searchParams.set('state', q.state);
      res.writeHead(302, { location: back.toString() });
      res.end();
    };
    if (q.response_type !== 'code') return refuse('unsupported_response_type');
    if (!q.state) return refuse('invalid_request');
    if (q.code_challenge_method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge || '')) {
      return refuse('invalid_request');
    }
    if (provider.hold) {
      entry.outcome = 'held';
      return page(res, 200, 'Waiting for you to sign in…');
    }
    const code = randomBytes(24).toString('base64url');
    codes.set(code, {
      clientId: q.client_id,
      redirectUri: q.redirect_uri,
      challenge: q.code_challenge,
      scope: q.scope || '',
      expires: Date.now() + CODE_LIFETIME_MS,
    });
    entry.outcome = 'code';
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.state);
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  function token(req, body, res) {
    const form = Object.fromEntries(new URLSearchParams(body));
    const entry = { params: { ...form }, outcome: '' };
    if (entry.params.client_secret) entry.params.client_secret = '(given)';
    provider.log.token.push(entry);
    const refuse = (status, error) => {
      entry.outcome = error;
      const extra = status === 401 ? { 'www-authenticate': 'Basic realm="test provider"' } : {};
      json(res, status, { error }, extra);
    };
    if (!(req.headers['content-type'] || '').startsWith('application/x-www-form-urlencoded')) {
      return refuse(400, 'invalid_request');
    }
    // §2.3.1: the client's credentials in HTTP Basic, or in the form.
    let [id, secret] = [form.client_id, form.client_secret];
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization || '');
    if (basic) {
      const [user, pass] = Buffer.from(basic[1], 'base64').toString().split(':');
      [id, secret] = [decodeURIComponent(user), decodeURIComponent(pass ?? '')];
    }
    if (id !== clientId || (clientSecret !== undefined && secret !== clientSecret)) {
      return refuse(401, 'invalid_client');
    }
    if (form.grant_type !== 'authorization_code') return refuse(400, 'unsupported_grant_type');
    const grant = codes.get(form.code);
    // A code is used once, whatever the outcome (§4.1.2).
    codes.delete(form.code);
    if (!grant || grant.expires < Date.now() || grant.clientId !== id) return refuse(400, 'invalid_grant');
    if (form.redirect_uri !== grant.redirectUri) return refuse(400, 'invalid_grant');
    const challenge = createHash('sha256').update(form.code_verifier || '').digest('base64url');
    if (!form.code_verifier || challenge !== grant.challenge) return refuse(400, 'invalid_grant');
    entry.outcome = 'tokens';
    json(res, 200, {
      access_token: `at-${randomBytes(12).toString('hex')}`,
      refresh_token: `rt-${randomBytes(12).toString('hex')}`,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: grant.scope,
    });
  }

  const http = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/authorize' && req.method === 'GET') return authorize(url, res);
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d) => { body += d; });
      req.on('end', () => token(req, body, res));
      return undefined;
    }
    res.writeHead(404);
    return res.end();
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  provider.url = `http://127.0.0.1:${http.address().port}`;
  return provider;
}
