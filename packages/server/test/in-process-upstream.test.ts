/**
 * The in-process entrance of the identity API (operation.ts, `inProcessUpstream`): the
 * sidecar of `idsvc serve` reaches the POST endpoints without HTTP, and must get exactly
 * what a sidecar apart gets over HTTP — statuses, bodies, the order of the checks — and
 * the identity API must count those requests in its metrics.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { identityDispatcherOf, identityServicesOf } from '../src/identity/app.js';
import { inProcessUpstream } from '../src/in-process-upstream.js';
import { type Upstream, UpstreamUnavailableError } from '../src/sidecar/upstream.js';
import { withDatabase } from './helpers/db.js';
import { INTERNAL_SECRET, ISSUE_BODY, T0, basic, bearer, registerClient, withIdentity } from './helpers/identity.js';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/** Token values and client ids differ between two journeys; their presence and shape do not. */
function normalise(answer: Answer, clientId: string): Answer {
  const json: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(answer.json)) {
    json[name] = typeof value === 'string' && /token|jti/.test(name) ? `<${name}>` : value === clientId ? '<client>' : value;
  }
  for (const time of ['iat', 'exp']) if (typeof json[time] === 'number') json[time] = '<time>';
  return { status: answer.status, json };
}

describe('the in-process entrance of the identity API', () => {
  const tdb = withDatabase({ kind: 'sqlite' });
  const t = withIdentity(tdb, { internalSecret: INTERNAL_SECRET });

  /** Send through HTTP (inject on the Fastify routes) or through the dispatcher. */
  const transports = {
    http: async (path: string, headers: Record<string, string>, body: string): Promise<Answer> => {
      const res = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', ...headers }, payload: body });
      return { status: res.statusCode, json: res.json() };
    },
    direct: async (path: string, headers: Record<string, string>, body: string): Promise<Answer> => {
      const res = await inProcessUpstream(t.app).send({ path, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(body) });
      return { status: res.status, json: JSON.parse(res.body.toString('utf8')) as Record<string, unknown> };
    },
  };

  /** A journey with every kind of refusal along the way, through one transport. */
  async function journey(send: (path: string, headers: Record<string, string>, body: string) => Promise<Answer>): Promise<Answer[]> {
    const client = await registerClient(t.app);
    const other = await registerClient(t.app);
    const auth = basic(client.id, client.secret);
    const answers: Answer[] = [];
    const record = async (path: string, headers: Record<string, string>, body: unknown): Promise<Answer> => {
      const answer = await send(path, headers, typeof body === 'string' ? body : JSON.stringify(body));
      answers.push(answer);
      return answer;
    };
    // Issue: wrong secret with a bad body is 401 (credentials first), bad JSON and bad fields 400.
    await record('/api/v1/token/issue', { authorization: basic(client.id, 'wrong') }, { audience: 7 });
    await record('/api/v1/token/issue', { authorization: auth }, '{"audience": ');
    await record('/api/v1/token/issue', { authorization: auth }, '');
    await record('/api/v1/token/issue', { authorization: auth }, '{"__proto__": {"x": 1}, "audience": "orders-api", "subject": "u"}');
    await record('/api/v1/token/issue', { authorization: auth }, { ...ISSUE_BODY, audience: 7 });
    await record('/api/v1/token/issue', { authorization: auth }, { ...ISSUE_BODY, audience: 'elsewhere' });
    // A trusted session of another client may not carry this client's calls.
    await record('/api/v1/token/issue', { authorization: auth, 'x-idsvc-internal-auth': INTERNAL_SECRET, 'x-clientid': other.id }, ISSUE_BODY);
    const issued = await record('/api/v1/token/issue', { authorization: auth }, ISSUE_BODY);
    const tokens = issued.json as { access_token: string; refresh_token: string };
    // Introspection: no bearer is 401 before the body is even parsed.
    await record('/api/v1/introspect', {}, 'not json');
    await record('/api/v1/introspect', { authorization: bearer(tokens.access_token) }, { token: tokens.access_token });
    await record('/api/v1/introspect', { authorization: bearer(tokens.access_token) }, { token: tokens.refresh_token });
    await record('/api/v1/introspect', { authorization: bearer(tokens.access_token) }, { token: 'nothing-of-ours' });
    // Refresh: wrong grant, missing token, rotation, reuse.
    await record('/api/v1/token', { authorization: bearer(tokens.access_token) }, { grant_type: 'password' });
    await record('/api/v1/token', { authorization: bearer(tokens.access_token) }, { grant_type: 'refresh_token' });
    const rotated = await record('/api/v1/token', { authorization: bearer(tokens.access_token) }, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    await record('/api/v1/token', { authorization: bearer(tokens.access_token) }, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    // The family is dead: its new access token no longer authenticates.
    const dead = (rotated.json as { access_token: string }).access_token;
    await record('/api/v1/revoke', { authorization: bearer(dead) }, { token: dead });
    // Bearer check: needs the internal secret (404 without), then vouches or refuses.
    const live = (await send('/api/v1/token/issue', { authorization: auth }, JSON.stringify(ISSUE_BODY))).json as { access_token: string };
    await record('/internal/v1/bearer/verify', { authorization: bearer(live.access_token), 'x-clientid': client.id, 'x-subject': 'test-user' }, {});
    const internal = { 'x-idsvc-internal-auth': INTERNAL_SECRET, 'x-clientid': client.id };
    await record('/internal/v1/bearer/verify', { ...internal, authorization: bearer(live.access_token), 'x-subject': 'test-user' }, {});
    await record('/internal/v1/bearer/verify', { ...internal, authorization: bearer(live.access_token), 'x-subject': 'someone-else' }, {});
    await record('/api/v1/revoke', { authorization: bearer(live.access_token) }, { token: live.access_token });
    await record('/api/v1/introspect', { authorization: bearer(live.access_token) }, { token: live.access_token });
    return answers.map((a) => normalise(a, client.id));
  }

  it('answers every request of a journey, refusals included, exactly as the HTTP routes do', async () => {
    t.clock.set(T0);
    const overHttp = await journey(transports.http);
    const direct = await journey(transports.direct);
    expect(direct).toEqual(overHttp);
    // The journey went where it should: a sample of what both said.
    expect(overHttp.map((a) => a.status)).toEqual([401, 400, 400, 400, 400, 400, 401, 200, 401, 200, 200, 200, 400, 400, 200, 400, 401, 404, 200, 401, 200, 401]);
    expect(overHttp[10]?.json).toMatchObject({ active: true, client_id: expect.any(String) });
    expect(overHttp[11]?.json).toEqual({ active: false });
  });

  it('counts the requests it serves in the identity metrics', async () => {
    t.clock.set(T0);
    const metric = async (): Promise<number> => {
      const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      const line = text.split('\n').find((l) => l.startsWith('idsvc_http_requests_total{') && l.includes('route="/api/v1/token/issue"') && l.includes('status_code="200"'));
      const issued = text.split('\n').find((l) => l.startsWith('idsvc_tokens_issued_total{') && l.includes('grant="issue"'));
      return Number(line?.split(' ').pop() ?? 0) + 1000 * Number(issued?.split(' ').pop() ?? 0);
    };
    const client = await registerClient(t.app);
    const before = await metric();
    const answer = await transports.direct('/api/v1/token/issue', { authorization: basic(client.id, client.secret) }, JSON.stringify(ISSUE_BODY));
    expect(answer.status).toBe(200);
    // One more request answered 200 on the route, and one more token issued.
    expect((await metric()) - before).toBe(1001);
  });

  it('sends other requests (the client status GET) through the app itself', async () => {
    const client = await registerClient(t.app);
    const upstream: Upstream = inProcessUpstream(t.app);
    const res = await upstream.send({ method: 'GET', path: `/internal/v1/clients/${client.id}`, headers: { 'x-idsvc-internal-auth': INTERNAL_SECRET } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ id: client.id, status: 'active' });
  });

  it('gives up after its timeout, and the refresh it gave up on rolls back at the deadline it carried', async () => {
    t.clock.set(T0);
    const client = await registerClient(t.app);
    const issued = await t.app.inject({ method: 'POST', url: '/api/v1/token/issue', headers: { authorization: basic(client.id, client.secret), 'content-type': 'application/json' }, payload: ISSUE_BODY });
    const tokens = issued.json<{ access_token: string; refresh_token: string }>();
    const { rotation } = identityServicesOf(t.app);
    const rotate = rotation.rotate.bind(rotation);
    let finished: Promise<unknown> = Promise.resolve();
    // A stall inside the identity app (a paused process, a slow disk) longer than the timeout.
    rotation.rotate = (...args) => {
      const run = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        t.clock.advance(1000);
        return rotate(...args);
      })();
      finished = run.catch(() => undefined);
      return run;
    };
    try {
      const upstream = inProcessUpstream(t.app, { timeoutMs: 100 });
      const headers = {
        'content-type': 'application/json',
        authorization: bearer(tokens.access_token),
        'x-idsvc-internal-auth': INTERNAL_SECRET,
        // What the sidecar sends with a 100 ms timeout: now + 100 less a 10 ms margin.
        'x-idsvc-deadline': String(T0 + 90),
      };
      const body = Buffer.from(JSON.stringify({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }));
      await expect(upstream.send({ path: '/api/v1/token', headers, body })).rejects.toBeInstanceOf(UpstreamUnavailableError);
      await finished;
    } finally {
      rotation.rotate = rotate;
    }
    // Nothing was committed: the token the client still holds rotates.
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/token',
      headers: { authorization: bearer(tokens.access_token), 'content-type': 'application/json' },
      payload: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
    });
    expect(again.statusCode).toBe(200);
  });

  it('is only for an app made by createIdentityApp', async () => {
    const other = Fastify();
    expect(identityDispatcherOf(other)).toBeUndefined();
    expect(() => inProcessUpstream(other)).toThrow(TypeError);
    await other.close();
  });
});
