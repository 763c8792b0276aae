// A real upstream OpenID Connect provider for the tests: node-oidc-provider (npm
// `oidc-provider`) on a free loopback port, with one confidential client (our provider's
// callback) and its built-in development login pages, where any login name is an account:
//   "<name>@<domain>"             email <name>@<domain>, email_verified true
//   "unverified:<name>@<domain>"  the same email, email_verified false
// The account's `sub` is the login name. Test controls beside the provider:
//   POST /__test/swap-jwks   serve, from now on, a JWKS with another key under the same kid:
//                            the ID tokens' signatures then no longer verify.
// Usage: node provider.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI; prints {"issuer": ...}.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri] = process.argv.slice(2);

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'upstream-1', use: 'sig', alg: 'RS256' };
}

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const key = signingKey();
const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [key] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  // The claims go into the ID token itself (as most upstreams do), not only into userinfo.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const unverified = id.startsWith('unverified:');
    const email = unverified ? id.slice('unverified:'.length) : id;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email,
          email_verified: !unverified,
          name: `Upstream ${email.split('@')[0]}`,
          preferred_username: email.split('@')[0],
        };
      },
    };
  },
});

let swapped = null;
const handle = provider.callback();
server.on('request', (req, res) => {
  if (req.method === 'POST' && req.url === '/__test/swap-jwks') {
    const other = signingKey();
    const { d, p, q, dp, dq, qi, ...publicPart } = other;
    swapped = JSON.stringify({ keys: [publicPart] });
    res.writeHead(204).end();
    return;
  }
  if (swapped && req.url === '/jwks') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(swapped);
    return;
  }
  handle(req, res);
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
