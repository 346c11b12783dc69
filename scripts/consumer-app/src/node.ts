/**
 * A Node application as its developer would write it from the README: both entries of
 * both packages, typed, then the journey against the sidecar named on the command line.
 */
import {
  IdentityClient,
  IdentityClientError,
  NoLiveBearerError,
  ServiceError,
  type IdentityErrorCode,
  type IntrospectionResponse,
} from '@idsvc/client';
import { openMessage, sealMessage } from '@idsvc/client/message';
import { IdentityClient as WebIdentityClient } from '@idsvc/client/web';
import { ProtocolError, protocol } from '@idsvc/protocol';
import { webProtocol } from '@idsvc/protocol/web';

const [sidecarUrl, clientId, clientSecret] = process.argv.slice(2);
if (!sidecarUrl || !clientId || !clientSecret) throw new Error('usage: node node.js SIDECAR_URL CLIENT_ID CLIENT_SECRET');

async function journey(client: IdentityClient | WebIdentityClient): Promise<IntrospectionResponse> {
  const { data: tokens } = await client.issue({
    audience: 'orders-api',
    scope: 'orders.read',
    subject: 'consumer-check',
    includeRefreshToken: true,
  });
  const { data: claims } = await client.introspect(tokens.access_token);
  try {
    await client.introspect(tokens.access_token, { bearer: 'not-a-token' });
  } catch (err) {
    if (!(err instanceof ServiceError) || !(err instanceof IdentityClientError)) throw err;
    const code: IdentityErrorCode = err.code;
    if (code !== 'invalid_token') throw err;
  }
  // RFC 7662: a token that is not this client's live token is inactive, not an error.
  const { data: garbage } = await client.introspect('not-a-token');
  if (garbage.active) throw new Error('a garbage token introspected as active');
  try {
    await client.openAuthenticatedSession({ subject: 'someone-never-issued' });
    throw new Error('an authenticated session opened without a bearer');
  } catch (err) {
    if (!(err instanceof NoLiveBearerError) || err.code !== NoLiveBearerError.code) throw err;
  }
  client.close();
  return claims;
}

// The two crypto backends agree on the bytes: a key pair from one, a secret from both.
const a = await protocol.generateKeyPair();
const b = await webProtocol.generateKeyPair();
const fromNode = await protocol.sharedSecret(a.privateKey, b.publicKey);
const fromWeb = await webProtocol.sharedSecret(b.privateKey, a.publicKey);
if (Buffer.compare(Buffer.from(fromNode), Buffer.from(fromWeb)) !== 0) throw new Error('backends disagree');
if (!(new ProtocolError('invalid_request') instanceof Error)) throw new Error('ProtocolError is no Error');

// The message steps alone: what one side seals, the other opens (answers use the same AAD rule).
const session = { kid: 'session:S-00000000000000000000000000000000', key: new Uint8Array(32).fill(7), clientId: 'app' };
const sealed = await sealMessage(protocol, session, '{"hello":"world"}', { now: Date.now() });
const opened = await openMessage(protocol, session, (name) => ({ 'x-kid': session.kid, 'x-idempotency-key': sealed.idempotencyKey })[name], JSON.parse(sealed.body));
if (opened !== '{"hello":"world"}') throw new Error('the message steps do not round-trip');

const results = [
  await journey(new IdentityClient({ sidecarUrl, clientId, clientSecret })),
  await journey(new WebIdentityClient({ sidecarUrl, clientId, clientSecret, dangerouslyAllowSecretInBrowser: true })),
];
if (!results.every((claims) => claims.active && claims.sub === 'consumer-check')) {
  throw new Error(`unexpected introspection: ${JSON.stringify(results)}`);
}
console.log('node: journey passed on both entries');
