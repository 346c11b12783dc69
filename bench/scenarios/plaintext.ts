/**
 * Scenario 6: introspection and token issue sent in plaintext straight to the identity API
 * (as the sidecar forwards them, minus the internal headers), against node-oidc-provider
 * doing the same: RFC 7662 introspection of an opaque token, and a client-credentials
 * issue of an ES256 JWT access token, both with `client_secret_basic`. Requests are
 * prepared ahead; every status is checked and one answer in 32 parsed and checked.
 */
import { randomUUID } from 'node:crypto';
import { preparedPlan, type Answer, type LoadPlan, type Tally } from '../lib/load.js';
import { issueBody, issuePlaintext, peerBasic, peerToken } from '../lib/calls.js';
import { basicAuthorization, type WireRequest } from '../lib/wire.js';
import { PEER_RESOURCES } from '../servers/peer-config.js';
import { stackOf, type Environment, type Feeder, type Scenario, type TargetKind } from './types.js';

const SAMPLE_EVERY = 32;

/** A feeder cycling through fixed requests (a fresh idempotency key each for ours). */
function plainFeeder(origin: string, templates: WireRequest[], check: (value: Record<string, unknown>) => string | undefined): Feeder {
  let made = 0;
  const build = (): WireRequest => {
    const template = templates[made++ % templates.length] as WireRequest;
    const headers = { ...template.headers };
    if ('x-idempotency-key' in headers) headers['x-idempotency-key'] = `${Date.now()}.${randomUUID()}`;
    return { path: template.path, headers, body: template.body };
  };
  let answered = 0;
  return {
    plan(expected: number): LoadPlan {
      return preparedPlan(origin, Array.from({ length: expected }, build), build, (answer: Answer, _request, tally: Tally) => {
        if (answer.status !== 200) return tally.fail(`HTTP ${answer.status}`);
        if (answered++ % SAMPLE_EVERY !== 0) return tally.ok();
        try {
          const problem = check(JSON.parse(answer.body) as Record<string, unknown>);
          tally.sampled();
          if (problem === undefined) tally.ok();
          else tally.fail(problem);
        } catch (err) {
          tally.fail(err instanceof Error ? err.message : String(err));
        }
      });
    },
  };
}

function json(path: string, authorization: string, body: string): WireRequest {
  return {
    path,
    headers: { 'content-type': 'application/json', authorization, 'x-idempotency-key': `${Date.now()}.${randomUUID()}` },
    body,
  };
}

function form(path: string, authorization: string, params: Record<string, string>): WireRequest {
  return { path, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization }, body: new URLSearchParams(params).toString() };
}

const isJwt = (value: unknown): boolean => typeof value === 'string' && value.split('.').length === 3;

export const plainIntrospect: Scenario = {
  id: 'plain-introspect',
  title: 'Plaintext introspection on the identity API',
  unit: 'request',
  targets: ['embedded', 'scaled', 'peer'],
  description:
    'Ours: POST /api/v1/introspect on the identity API, Bearer = the access token introspected (ES256 signature and revocation state checked for both). Peer: POST /token/introspection with client_secret_basic for an opaque access token held in its memory adapter. One token per connection.',
  async prepare(target: TargetKind, env: Environment): Promise<Feeder> {
    if (target === 'peer') {
      const peer = env.peer!;
      const templates: WireRequest[] = [];
      for (let i = 0; i < env.connections; i++) {
        const token = await peerToken(peer.url, peer.client, PEER_RESOURCES.opaque);
        templates.push(form('/token/introspection', peerBasic(peer.client), { token }));
      }
      return plainFeeder(peer.url, templates, (v) => (v.active === true && v.client_id === peer.client.id ? undefined : 'introspection did not say active'));
    }
    const stack = stackOf(target, env);
    const templates: WireRequest[] = [];
    for (let i = 0; i < env.connections; i++) {
      const token = (await issuePlaintext(stack.identityUrl, stack.client, `bench-plain-${i}`)).access_token;
      templates.push(json('/api/v1/introspect', `Bearer ${token}`, JSON.stringify({ token, token_type_hint: 'access_token' })));
    }
    return plainFeeder(stack.identityUrl, templates, (v) => (v.active === true && v.client_id === stack.client.id ? undefined : 'introspection did not say active'));
  },
};

export const plainIssue: Scenario = {
  id: 'plain-issue',
  title: 'Plaintext token issue on the identity API',
  unit: 'request',
  targets: ['embedded', 'scaled', 'peer'],
  description:
    'Ours: POST /api/v1/token/issue on the identity API, Basic, include_refresh_token: ES256 access token signed, family and refresh token hash stored. Peer: POST /token grant_type=client_credentials for the JWT resource, client_secret_basic: ES256 access token signed, nothing stored.',
  async prepare(target: TargetKind, env: Environment): Promise<Feeder> {
    if (target === 'peer') {
      const peer = env.peer!;
      const request = form('/token', peerBasic(peer.client), { grant_type: 'client_credentials', resource: PEER_RESOURCES.jwt, scope: 'orders.read orders.write' });
      return plainFeeder(peer.url, [request], (v) => (isJwt(v.access_token) ? undefined : 'no JWT access token'));
    }
    const stack = stackOf(target, env);
    const templates = Array.from({ length: env.connections }, (_, i) =>
      json('/api/v1/token/issue', basicAuthorization(stack.client.id, stack.client.secret), issueBody(stack.client, `bench-plain-${i}`)),
    );
    return plainFeeder(stack.identityUrl, templates, (v) => (isJwt(v.access_token) && typeof v.refresh_token === 'string' ? undefined : 'issue answered without tokens'));
  },
};
