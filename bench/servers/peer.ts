/**
 * The peer: node-oidc-provider (the most widely used OAuth server for Node), set up for the
 * same two operations as the identity API's plaintext routes, with its in-memory adapter:
 *
 * - one confidential client, `client_secret_basic`, grant `client_credentials`;
 * - resource `urn:bench:orders` (audience `orders-api`): ES256 JWT access tokens, which the
 *   provider signs and does not store (the resource indicators feature);
 * - resource `urn:bench:opaque`: opaque access tokens, stored in the adapter, which the
 *   provider can introspect (RFC 7662) and revoke (RFC 7009); it refuses to introspect JWTs.
 *
 * Run by the harness as a child process; prints `READY <url>` and serves until SIGTERM.
 * The client's id and secret come from `BENCH_PEER_CLIENT_ID` / `BENCH_PEER_CLIENT_SECRET`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';
import { PEER_RESOURCES } from './peer-config.js';

const clientId = process.env.BENCH_PEER_CLIENT_ID ?? '';
const clientSecret = process.env.BENCH_PEER_CLIENT_SECRET ?? '';
if (clientId === '' || clientSecret.length < 32) throw new Error('BENCH_PEER_CLIENT_ID and BENCH_PEER_CLIENT_SECRET (32+ characters) are required');

const SCOPE = 'orders.read orders.write';

const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: SCOPE,
    },
  ],
  scopes: SCOPE.split(' '),
  // The only key is ES256; every client signs with it by default.
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  jwks: { keys: [{ ...signingKey, kid: 'bench-es256', use: 'sig', alg: 'ES256' }] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => PEER_RESOURCES.jwt,
      useGrantedResource: async () => false,
      getResourceServerInfo: async (_ctx, resource) => {
        if (resource === PEER_RESOURCES.jwt) {
          return { scope: SCOPE, audience: 'orders-api', accessTokenTTL: 900, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        }
        if (resource === PEER_RESOURCES.opaque) return { scope: SCOPE, audience: 'orders-api', accessTokenTTL: 900, accessTokenFormat: 'opaque' };
        throw new errors.InvalidTarget();
      },
    },
  },
});

const handle = provider.callback();
server.on('request', (request, response) => void handle(request, response));
process.stdout.write(`READY ${issuer}\n`);
process.once('SIGTERM', () => server.close(() => process.exit(0)));
