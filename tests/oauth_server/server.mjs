// A real OAuth 2.0 authorization server for the test suite: npm `oidc-provider`, on loopback,
// run as a subprocess by the `oauth_server` fixture in tests/conftest.py.
//
// What it enforces, because the console's OAuth client must cope with it against real platforms:
//   - authorization code flow only, and only with PKCE S256;
//   - a refresh token with every code exchange, rotated on every use; replaying a spent refresh
//     token answers `invalid_grant` and revokes the whole grant (oidc-provider's replay detection);
//   - RFC 7009 revocation and RFC 7662 introspection;
//   - each client authenticates only as registered (client_secret_basic or client_secret_post).
// Login and consent need no human: the interaction step signs in the one test account and
// grants whatever was asked, so the authorize URL ends in a redirect to redirect_uri with a code.
//
// Environment (all optional):
//   OAUTH_PORT              port on 127.0.0.1; 0 or unset picks a free one
//   OAUTH_REDIRECT_URIS     space-separated redirect URIs the clients accept (exact match)
//   OAUTH_SCOPES            space-separated scopes it knows (others are dropped from requests)
//   OAUTH_ACCESS_TOKEN_TTL  access token lifetime in seconds, default 3600
// Prints `listening http://127.0.0.1:PORT` on stdout once it answers requests.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1'; // loopback only: nothing outside this machine may reach it
const ACCOUNT_ID = 'account-1';
const words = (value, fallback) => (value?.trim() ? value.trim().split(/\s+/) : fallback);

const redirectUris = words(process.env.OAUTH_REDIRECT_URIS, ['http://127.0.0.1/connect/callback/test/']);
const scopes = words(process.env.OAUTH_SCOPES, ['openid', 'offline_access', 'posts.read', 'posts.write']);
const accessTokenTTL = Number(process.env.OAUTH_ACCESS_TOKEN_TTL || 3600);

// Fixed credentials, mirrored in tests/conftest.py: one client per way of authenticating at the
// token endpoint that the platforms use.
const client = (clientId, authMethod) => ({
  client_id: clientId,
  client_secret: `${clientId}-secret`,
  token_endpoint_auth_method: authMethod,
  redirect_uris: redirectUris,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
});

// The issuer names the port, so bind first and build the provider once the port is known.
const server = createServer();
await new Promise((resolve) => server.listen(Number(process.env.OAUTH_PORT || 0), HOST, resolve));
const issuer = `http://${HOST}:${server.address().port}`;

// A signing key of its own per run (ID tokens), instead of oidc-provider's shared development key.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };

const clients = [client('console-test-basic', 'client_secret_basic'), client('console-test-post', 'client_secret_post')];
const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: ['oauth-test-server-cookie-key'] },
  scopes,
  claims: { openid: ['sub'] },
  async findAccount(ctx, sub) {
    return sub === ACCOUNT_ID ? { accountId: ACCOUNT_ID, claims: async () => ({ sub: ACCOUNT_ID }) } : undefined;
  },
  pkce: { required: () => true }, // S256 is the only method oidc-provider 9 supports
  // A refresh token with every code, not only when offline_access survives the request: most
  // platforms hand one out for their own scope (offline.access, refresh_token, none at all).
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  // Refresh tokens outlive the (in-memory) sign-in session, as a stored credential must.
  expiresWithSession: async () => false,
  ttl: {
    AccessToken: () => accessTokenTTL,
    AuthorizationCode: 60,
    RefreshToken: 14 * 24 * 60 * 60,
    Grant: 14 * 24 * 60 * 60,
    Interaction: 10 * 60,
    Session: 24 * 60 * 60,
    IdToken: 60 * 60,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false }, // replaced by the automatic step below
    revocation: { enabled: true, allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId },
    introspection: { enabled: true, allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId },
  },
});

// Automatic login and consent: sign in the test account and grant every requested scope in one
// step, so the provider goes straight on to the redirect with the code.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'GET' || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
  const interaction = await provider.interactionDetails(ctx.req, ctx.res);
  const { params } = interaction;
  const grant = interaction.grantId
    ? await provider.Grant.find(interaction.grantId)
    : new provider.Grant({ accountId: ACCOUNT_ID, clientId: params.client_id });
  if (params.scope) grant.addOIDCScope(params.scope);
  const grantId = await grant.save();
  const result = { login: { accountId: ACCOUNT_ID }, consent: { grantId } };
  ctx.status = 303;
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
});

// oidc-provider accepts client_secret_basic and client_secret_post alike from either client
// (lib/shared/client_auth.js). Platforms are stricter, so refuse a client that authenticates
// other than as registered: the client tests then prove the console sends the declared method.
const authMethodOf = Object.fromEntries(clients.map((c) => [c.client_id, c.token_endpoint_auth_method]));
const safeDecode = (value) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // oidc-provider answers malformed credentials itself
  }
};
const clientAuthPaths = new Set(['/token', '/token/revocation', '/token/introspection']);
provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || !clientAuthPaths.has(ctx.path)) return next();
  // Read the form here to see where the secret is; oidc-provider then uses this parsed copy
  // (it logs once that an upstream parser ran).
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  ctx.request.body = Buffer.concat(chunks).toString('utf8');
  const form = new URLSearchParams(ctx.request.body);
  const basic = /^basic /i.test(ctx.get('authorization'))
    ? Buffer.from(ctx.get('authorization').slice(6), 'base64').toString('utf8')
    : undefined;
  const clientId = basic !== undefined ? safeDecode(basic.split(':')[0]) : form.get('client_id');
  const used = basic !== undefined ? 'client_secret_basic' : form.has('client_secret') ? 'client_secret_post' : undefined;
  const registered = authMethodOf[clientId];
  if (registered && used && used !== registered) {
    ctx.status = 401;
    ctx.body = { error: 'invalid_client', error_description: `client ${clientId} must use ${registered}, not ${used}` };
    return undefined;
  }
  return next();
});

server.on('request', provider.callback());
console.log(`listening ${issuer}`);
