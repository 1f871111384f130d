// F-INT-5: a relying party nobody here wrote — panva's openid-client (v6, OpenID
// Certified) — signs a user in through ninsho. Run by the browser test
// `f_int_5_browser_openid_client_signs_in_with_password_and_totp` with:
//
//   node oidc_rp.mjs ISSUER CLIENT_ID CLIENT_SECRET CALLBACK_PORT
//
// It discovers the provider, prints `AUTHORIZE <url>` (PKCE S256, nonce, state) for
// the test's browser to open, waits on 127.0.0.1:CALLBACK_PORT/cb for the browser to
// come back, then exchanges the code (client_secret_basic), has the library check
// the ID token — its signature against the JWKS included — and calls userinfo. It
// prints `HEADER <json>` (the ID token's), `CLAIMS <json>` and `USERINFO <json>`;
// any failure exits non-zero.

import * as http from 'node:http';
import * as client from 'openid-client';

const [issuer, clientId, clientSecret, port] = process.argv.slice(2);
const redirectUri = `http://127.0.0.1:${port}/cb`;

const config = await client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(clientSecret), {
  // The test's ninsho answers on plain HTTP on loopback.
  execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
});

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
});

const callback = await new Promise((resolve, reject) => {
  const server = http.createServer((req, res) => {
    // The browser's connection is not kept: an open one would keep this process alive.
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
    res.end('<!doctype html><title>signed in</title><p id="rp-done">back at the application</p>');
    server.close();
    resolve(new URL(req.url, redirectUri));
  });
  server.on('error', reject);
  server.listen(Number(port), '127.0.0.1', () => console.log(`AUTHORIZE ${url.href}`));
});

// Where it stands, so a test that gives up can say which step stalled.
console.log(`CALLBACK ${callback.pathname}`);
const tokens = await client.authorizationCodeGrant(config, callback, {
  pkceCodeVerifier: verifier,
  expectedNonce: nonce,
  expectedState: state,
  idTokenExpected: true,
});
console.log('TOKENS received');
const claims = tokens.claims();
console.log(`HEADER ${Buffer.from(tokens.id_token.split('.')[0], 'base64url').toString()}`);
console.log(`CLAIMS ${JSON.stringify(claims)}`);
const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
console.log(`USERINFO ${JSON.stringify(info)}`);
