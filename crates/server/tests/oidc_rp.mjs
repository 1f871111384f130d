// F-INT-5: a relying party nobody here wrote — panva's openid-client (v6, OpenID
// Certified) — signs a user in through ninsho. Run by the browser tests in
// tests/api/browser.rs with:
//
//   node oidc_rp.mjs ISSUER CLIENT_ID CLIENT_SECRET CALLBACK_PORT
//
// It discovers the provider and listens on 127.0.0.1:CALLBACK_PORT for the browser
// (`/cb` after a sign-in, `/bye` after a logout). Then it takes one command per line
// on standard input and answers with lines on standard output; any failure the
// library reports exits non-zero, except where a command expects one.
//
//   SIGN_IN <json>  authorization parameters beside the library's own (PKCE S256,
//                   nonce, state): prints `AUTHORIZE <url>` for the test's browser,
//                   waits for it at /cb, exchanges the code (client_secret_basic),
//                   has the library check the ID token — its signature against the
//                   JWKS included — and calls userinfo. Prints `CALLBACK /cb`, then
//                   `SIGNED_IN <json>`: the ID token's header and claims, userinfo,
//                   and whether a refresh token came.
//   REFRESH         rotates the latest refresh token: `REFRESHED <json>` (the new
//                   ID token's claims, whether the refresh token changed), or
//                   `REFRESH_REFUSED <error>`.
//   REFRESH_SPENT   the same with the refresh token before the latest (a replay).
//   LOGOUT <state>  prints `END_SESSION <url>` (with the latest ID token as the
//                   hint, back to /bye), waits for the browser at /bye and prints
//                   `LOGGED_OUT <json>` with the state it came back with.
//   QUIT

import * as http from 'node:http';
import * as readline from 'node:readline';
import * as client from 'openid-client';

const [issuer, clientId, clientSecret, port] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const redirectUri = `${base}/cb`;
const postLogoutUri = `${base}/bye`;

const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret), {
  // The test's ninsho answers on plain HTTP on loopback.
  execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
});

// The browser's next visit at a path, as a URL.
const waiting = new Map();
const visit = (path) => new Promise((resolve) => waiting.set(path, resolve));
const server = http.createServer((req, res) => {
  const url = new URL(req.url, base);
  // The browser's connection is not kept: an open one would keep this process alive.
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
  res.end(`<!doctype html><title>back</title><p id="rp-done">back at the application: ${url.pathname}</p>`);
  const resolve = waiting.get(url.pathname);
  if (resolve) {
    waiting.delete(url.pathname);
    resolve(url);
  }
});
await new Promise((resolve, reject) => {
  server.on('error', reject);
  server.listen(Number(port), '127.0.0.1', resolve);
});

const say = (word, value) => console.log(`${word} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
const header = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());
let latest = null;
const refreshTokens = [];

async function signIn(extra) {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    ...extra,
  });
  const back = visit('/cb');
  say('AUTHORIZE', url.href);
  const callback = await back;
  // Where it stands, so a test that gives up can say which step stalled.
  say('CALLBACK', callback.pathname);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedNonce: nonce,
    expectedState: state,
    idTokenExpected: true,
    // max_age sent: the library checks that auth_time is recent enough.
    ...(extra.max_age !== undefined ? { maxAge: Number(extra.max_age) } : {}),
  });
  latest = tokens;
  if (tokens.refresh_token) refreshTokens.push(tokens.refresh_token);
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  say('SIGNED_IN', { header: header(tokens.id_token), claims, userinfo, refresh_token: Boolean(tokens.refresh_token) });
}

async function refresh(token) {
  try {
    const tokens = await client.refreshTokenGrant(config, token);
    latest = tokens;
    refreshTokens.push(tokens.refresh_token);
    say('REFRESHED', { claims: tokens.claims(), rotated: Boolean(tokens.refresh_token) && tokens.refresh_token !== token });
  } catch (e) {
    if (!(e instanceof client.ResponseBodyError)) throw e;
    say('REFRESH_REFUSED', e.error);
  }
}

async function logout(state) {
  const url = client.buildEndSessionUrl(config, { id_token_hint: latest.id_token, post_logout_redirect_uri: postLogoutUri, state });
  const back = visit('/bye');
  say('END_SESSION', url.href);
  const came = await back;
  say('LOGGED_OUT', { state: came.searchParams.get('state') });
}

say('READY', issuer);
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [command, ...rest] = line.split(' ');
  const arg = rest.join(' ');
  if (command === 'SIGN_IN') await signIn(arg ? JSON.parse(arg) : {});
  else if (command === 'REFRESH') await refresh(refreshTokens.at(-1));
  else if (command === 'REFRESH_SPENT') await refresh(refreshTokens.at(-2));
  else if (command === 'LOGOUT') await logout(arg);
  else if (command === 'QUIT') break;
  else throw new Error(`unknown command: ${line}`);
}
// Standard input and the library's kept connections would hold the process open.
server.close();
process.exit(0);
