/**
 * The `serverKeys` option: with it, a session init is accepted only when the sidecar's
 * signature by a trusted handshake key and the key confirmation both check out; every
 * other answer fails closed with HandshakeUnverifiedError and leaves no session. Without
 * it, nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { HandshakeUnverifiedError, IdentityClient, IdentityClientError, type ServerKeys } from '../src/index.js';
import { SERVER_KEYS_MAX_AGE_SEC, jwkThumbprint } from '../src/internal.js';
import { protocol } from '@idsvc/protocol';
import { KEYS_URL, SIDECAR, newHandshakeKey, signingSidecar, type Fault } from './support/signing-sidecar.js';

const CREDENTIALS = { clientId: 'dev-client', clientSecret: 'secret-of-the-test' };
const BEARER = { accessToken: 'an-access-token', subject: 'user-7' };

function setup(serverKeys?: (key: ReturnType<typeof newHandshakeKey>) => ServerKeys) {
  const key = newHandshakeKey();
  const sidecar = signingSidecar(key);
  let clock = 1_767_225_600_000;
  const client = new IdentityClient({
    sidecarUrl: SIDECAR,
    ...CREDENTIALS,
    fetch: sidecar.fetch,
    now: () => clock,
    ...(serverKeys ? { serverKeys: serverKeys(key) } : {}),
  });
  return { key, sidecar, client, advance: (ms: number) => (clock += ms) };
}

async function refusal(promise: Promise<unknown>): Promise<HandshakeUnverifiedError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HandshakeUnverifiedError);
  return err as HandshakeUnverifiedError;
}

describe('serverKeys', () => {
  it.each([
    ['a key set URL', () => KEYS_URL],
    ['a key set object', (key) => ({ keys: [key.jwk] })],
    ['a pinned key (matched by its thumbprint, no kid needed)', (key) => ({ pinned: [{ ...key.jwk, kid: undefined }] })],
  ] as [string, (key: ReturnType<typeof newHandshakeKey>) => ServerKeys][])('accepts a signed and confirmed init, given %s', async (_label, keys) => {
    const { key, client } = setup(keys);
    const { session } = await client.initSession();
    expect(session.handshakeKid).toBe(key.jwk.kid);
    expect(session.toJSON()).toMatchObject({ handshakeKid: key.jwk.kid });
    // The session key works: what the client seals opens with the key the SDK derived.
    const aad = new TextEncoder().encode('aad');
    expect(new TextDecoder().decode(await protocol.open(session.key, aad, await protocol.seal(session.key, aad, 'x')))).toBe('x');
  });

  it('checks authenticated inits too: the subject is part of what is signed', async () => {
    const { key, sidecar, client } = setup(() => KEYS_URL);
    const { session } = await client.refreshSession(BEARER);
    expect(session.authenticated).toBe(true);
    expect(session.handshakeKid).toBe(key.jwk.kid);
    sidecar.fault = 'other-subject';
    expect((await refusal(client.refreshSession(BEARER))).reason).toBe('bad_signature');
  });

  it.each([
    ['unsigned', 'missing'],
    ['foreign-key', 'unknown_key'],
    ['forged-signature', 'bad_signature'],
    ['bad-confirm', 'bad_confirmation'],
  ] as [Fault, string][])('fails closed when the answer is %s (%s), keeping no session and sending nothing more', async (fault, reason) => {
    const { sidecar, client } = setup((key) => ({ pinned: [key.jwk] }));
    sidecar.fault = fault;
    const err = await refusal(client.initSession());
    expect(err.reason).toBe(reason);
    expect(err.code).toBe('handshake_unverified');
    expect(HandshakeUnverifiedError.code).toBe('handshake_unverified');
    expect(err).toBeInstanceOf(IdentityClientError);
    expect(err.status).toBe(200);
    expect(err.wire?.responseHeaders['x-kid']).toMatch(/^session:S-/);
    expect(client.session).toBeUndefined();
    // A token call must not go out under an unverified session either.
    const issue = await refusal(client.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'u' }));
    expect(issue.reason).toBe(reason);
    expect(sidecar.calls.every((path) => path === '/api/v1/session/init')).toBe(true);
  });

  it('refuses a key that has left the published set (retired past its window), once the set is fetched again', async () => {
    const { key, sidecar, client, advance } = setup(() => KEYS_URL);
    await client.initSession();
    await client.initSession();
    expect(sidecar.calls.filter((path) => path.startsWith('/.well-known')).length).toBe(1);
    // The sidecar rotates: a new key signs, the old one is dropped from the set.
    const next = newHandshakeKey();
    sidecar.keySet = { keys: [next.jwk] };
    advance(SERVER_KEYS_MAX_AGE_SEC * 1000);
    const err = await refusal(client.initSession());
    expect(err.reason).toBe('unknown_key');
    expect(sidecar.calls.filter((path) => path.startsWith('/.well-known')).length).toBe(2);
    expect(key.jwk.kid).not.toBe(next.jwk.kid);
  });

  it('fetches the set again for a kid it does not know yet, at most once per interval', async () => {
    const { sidecar, client, advance } = setup(() => KEYS_URL);
    sidecar.fault = 'foreign-key';
    await refusal(client.initSession()); // first fetch
    await refusal(client.initSession()); // within the interval: no fetch
    advance(11_000);
    await refusal(client.initSession()); // an unknown kid after the interval: one more fetch
    expect(sidecar.calls.filter((path) => path.startsWith('/.well-known')).length).toBe(2);
  });

  it('fails closed when the key set cannot be fetched', async () => {
    const key = newHandshakeKey();
    const sidecar = signingSidecar(key);
    const client = new IdentityClient({
      sidecarUrl: SIDECAR,
      ...CREDENTIALS,
      serverKeys: `${SIDECAR}/missing-keys.json`,
      fetch: sidecar.fetch,
    });
    const err = await refusal(client.initSession());
    expect(err.reason).toBe('keys_unavailable');
    expect(client.session).toBeUndefined();
  });

  it('refuses a pinned key whose kid is not its thumbprint', async () => {
    const { client } = setup((key) => ({ pinned: [{ ...key.jwk, kid: 'some-other-name' }] }));
    expect((await refusal(client.initSession())).reason).toBe('keys_unavailable');
  });

  it('rejects a malformed option at construction', () => {
    const make = (serverKeys: unknown) => () =>
      new IdentityClient({ sidecarUrl: SIDECAR, ...CREDENTIALS, serverKeys: serverKeys as ServerKeys });
    expect(make({ pinned: [] })).toThrow(TypeError);
    expect(make({ pinned: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] })).toThrow(TypeError);
    expect(make({ keys: [{ ...newHandshakeKey().jwk, d: 'private!' }] })).toThrow(TypeError);
    expect(make({ keys: [{ ...newHandshakeKey().jwk, kid: undefined }] })).toThrow(TypeError);
    expect(make('ftp://sidecar.test/keys')).toThrow(TypeError);
    expect(make(42)).toThrow(TypeError);
  });

  it('computes RFC 7638 thumbprints as the sidecar names its keys', async () => {
    const key = newHandshakeKey();
    expect(await jwkThumbprint(protocol, key.jwk)).toBe(key.jwk.kid);
  });

  it('changes nothing when unset: an unsigned answer is accepted as before', async () => {
    const { sidecar, client } = setup();
    sidecar.fault = 'unsigned';
    const { session } = await client.initSession();
    expect(session.handshakeKid).toBeUndefined();
    expect(sidecar.calls).toEqual(['/api/v1/session/init']);
  });
});
