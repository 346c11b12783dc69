/**
 * Single calls the scenarios make while they set up (outside any measurement): open a
 * session with a sidecar, issue tokens through it or straight from the identity API, get
 * opaque tokens from the peer. Each throws with the answer when it is not the expected one.
 */
import { basicAuthorization, completeInit, generateKeyPairSync, initRequest, openAnswer, sealRequest, type ClientSession } from './wire.js';
import type { BenchClient } from './shapes.js';

/** The tokens of an issue or a refresh. */
export interface Tokens {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

/** Custom claims every issue of the benchmark carries, like the journey's. */
export const CUSTOM_CLAIMS = { roles: 'admin', tenant: 'bench-corp' };

/** The body of a token issue for `subject`. */
export function issueBody(client: BenchClient, subject: string, singleSession = false): string {
  return JSON.stringify({
    audience: client.audience,
    scope: client.scope,
    subject,
    include_refresh_token: true,
    ...(singleSession ? { single_session: true } : {}),
    custom_claims: CUSTOM_CLAIMS,
  });
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string; headers: Record<string, string> }> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const answerHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => (answerHeaders[name] = value));
  return { status: response.status, text: await response.text(), headers: answerHeaders };
}

/** An anonymous session with the sidecar at `sidecarUrl`. */
export async function openSession(sidecarUrl: string, clientId: string): Promise<ClientSession> {
  const keys = generateKeyPairSync();
  const request = initRequest('/api/v1/session/init', clientId, keys.publicKey);
  const answer = await post(sidecarUrl + request.path, request.headers, request.body);
  if (answer.status !== 200) throw new Error(`session init answered ${answer.status}: ${answer.text}`);
  try {
    return completeInit(clientId, keys, answer.text, answer.headers['x-kid']);
  } finally {
    keys.privateKey.destroy();
  }
}

/** One sealed call through the sidecar; the opened answer, which must be 200. */
export async function sealedCall<T>(sidecarUrl: string, session: ClientSession, path: string, plaintext: string, extra: Record<string, string>): Promise<T> {
  const request = sealRequest(session, path, plaintext, extra);
  const answer = await post(sidecarUrl + path, request.headers, request.body);
  if (answer.status !== 200) {
    let detail = answer.text;
    try {
      detail = JSON.stringify(openAnswer(session, answer.text, answer.headers));
    } catch {
      // A plaintext error of the sidecar itself: shown as it came.
    }
    throw new Error(`${path} through the sidecar answered ${answer.status}: ${detail}`);
  }
  return openAnswer<T>(session, answer.text, answer.headers);
}

/** Tokens for `subject`, issued with Basic through the sidecar on `session`. */
export function issueThroughSidecar(sidecarUrl: string, session: ClientSession, client: BenchClient, subject: string): Promise<Tokens> {
  return sealedCall<Tokens>(sidecarUrl, session, '/api/v1/token/issue', issueBody(client, subject), {
    authorization: basicAuthorization(client.id, client.secret),
  });
}

/** Tokens for `subject`, issued with Basic by the identity API directly (plaintext). */
export async function issuePlaintext(identityUrl: string, client: BenchClient, subject: string): Promise<Tokens> {
  const answer = await post(
    `${identityUrl}/api/v1/token/issue`,
    { 'content-type': 'application/json', authorization: basicAuthorization(client.id, client.secret) },
    issueBody(client, subject),
  );
  if (answer.status !== 200) throw new Error(`plaintext token issue answered ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text) as Tokens;
}

/** A client-credentials token of the peer for `resource` (form-encoded, client_secret_basic). */
export async function peerToken(peerUrl: string, client: { id: string; secret: string }, resource: string): Promise<string> {
  const answer = await post(
    `${peerUrl}/token`,
    { 'content-type': 'application/x-www-form-urlencoded', authorization: peerBasic(client) },
    new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'orders.read orders.write' }).toString(),
  );
  if (answer.status !== 200) throw new Error(`peer token answered ${answer.status}: ${answer.text}`);
  return (JSON.parse(answer.text) as { access_token: string }).access_token;
}

/**
 * `Authorization: Basic` as RFC 6749 section 2.3.1 has it: id and secret form-encoded
 * first (node-oidc-provider decodes them so).
 */
export function peerBasic(client: { id: string; secret: string }): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
}
