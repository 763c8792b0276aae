// A relying party and a service written with openid-client (the npm package), as Node apps use
// it: a web app authenticating with client_secret_jwt signs in through PAR with PKCE and DPoP,
// reads userinfo, refreshes, introspects and revokes; a service authenticating with an Ed25519
// key (private_key_jwt, which the library names "Ed25519") gets a token for an API.
//
// argv: issuer web_client_id web_secret redirect_uri service_client_id ed25519_pkcs8_pem_file audience
// stdout: one JSON line {"authorize": url}, then (after the callback URL arrives on stdin) one
// JSON line with what the library saw. Any error: one JSON line {"error": ...}, exit 1.
import * as client from 'openid-client';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [issuer, webId, webSecret, redirectUri, serviceId, keyFile, audience] = process.argv.slice(2);
const say = (value) => process.stdout.write(JSON.stringify(value) + '\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
// The test server listens on plain http on loopback.
const insecure = { execute: [client.allowInsecureRequests] };

async function webApp() {
  const config = await client.discovery(
    new URL(issuer), webId, { redirect_uris: [redirectUri] }, client.ClientSecretJwt(webSecret), insecure);
  const dpop = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorize = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email offline_access',
    prompt: 'consent',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  }, { DPoP: dpop });
  say({ authorize: authorize.href });
  const callback = (await lines.next()).value;
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true,
  }, undefined, { DPoP: dpop });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP: dpop });
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP: dpop });
  const introspected = await client.tokenIntrospection(config, refreshed.access_token);
  await client.tokenRevocation(config, refreshed.refresh_token);
  let reuse = 'accepted';
  try {
    await client.refreshTokenGrant(config, refreshed.refresh_token, undefined, { DPoP: dpop });
  } catch (e) {
    reuse = e.error ?? e.code ?? String(e);
  }
  return {
    token_type: tokens.token_type,
    claims,
    userinfo,
    refreshed_token_type: refreshed.token_type,
    rotated: refreshed.refresh_token !== tokens.refresh_token,
    introspected,
    after_revocation: reuse,
  };
}

async function service() {
  const pem = readFileSync(keyFile, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const key = await crypto.subtle.importKey(
    'pkcs8', Buffer.from(pem, 'base64'), { name: 'Ed25519' }, false, ['sign']);
  const config = await client.discovery(
    new URL(issuer), serviceId, {}, client.PrivateKeyJwt({ key, kid: 'ed-1' }), insecure);
  const tokens = await client.clientCredentialsGrant(config, { resource: audience });
  return { token_type: tokens.token_type, access_token: tokens.access_token };
}

try {
  const web = await webApp();
  say({ web, service: await service() });
  // stdin stays open; the test needs no more lines.
  process.exit(0);
} catch (e) {
  say({ error: String(e), code: e.code, oauth: e.error, description: e.error_description, cause: String(e.cause ?? '') });
  process.exit(1);
}
