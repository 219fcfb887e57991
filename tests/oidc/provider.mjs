// A real, standards-compliant OpenID Connect provider for Kino's integration tests.
// Listens on 127.0.0.1 on a free port and prints {"issuer": ...} as its first line.
// The login form accepts any password; the login names the account:
//   "<id>"             sub <id>, email <id>@example.com (verified), name "Test <id>"
//   "unverified.<id>"  the same email, but email_verified: false
//   "noemail.<id>"     no email claim at all
import http from 'node:http';

import Provider from 'oidc-provider';

const clientId = process.env.OIDC_CLIENT_ID ?? 'kino';
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? 'kino-secret';
const redirectUris = JSON.parse(process.env.OIDC_REDIRECT_URIS ?? '[]');

function claimsFor(id) {
  const [kind, rest] = id.includes('.') ? id.split(/\.(.*)/s) : ['verified', id];
  const claims = { sub: id, name: `Test ${rest}`, preferred_username: rest };
  if (kind !== 'noemail') {
    claims.email = `${rest}@example.com`;
    claims.email_verified = kind !== 'unverified';
  }
  return claims;
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    cookies: { keys: ['kino-test-cookie-key'] },
    async findAccount(ctx, id) {
      return { accountId: id, async claims() { return claimsFor(id); } };
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

// Exit with the test run that started us, even when it could not stop us.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
