/**
 * Scenario 5: the 6-step journey of docs/protocol.md section 9, as many per second as a pool of
 * virtual clients (one per connection) can complete. Each connection runs the six steps in
 * order, built live from the previous answers, the generator doing a real client's work:
 * two key pairs and handshakes, four sealed requests, four opened answers. A journey counts
 * once its step 6 answers `200 {}`; any failed step abandons it and starts a new one.
 *
 * Each virtual client holds a subject of its own while its journey runs (`single_session`
 * is on, as in the journey app, so two journeys of one subject would revoke each other).
 */
import { Tally, type CannonRequest, type Context } from '../lib/load.js';
import { issueBody, type Tokens } from '../lib/calls.js';
import { basicAuthorization, completeInit, generateKeyPairSync, headerValue, initRequest, openAnswer, sealRequest, type ClientSession, type KeyPair } from '../lib/wire.js';
import { stackOf, type Environment, type Feeder, type Scenario, type TargetKind } from './types.js';

/** What a virtual client carries from one step to the next. */
interface JourneyState {
  subject?: string;
  keys?: KeyPair;
  session?: ClientSession;
  issued?: Tokens;
  rotated?: Tokens;
  failed?: boolean;
}

type Answer = { status: number; body: string; headers: Record<string, string | string[] | undefined> };

/** One step: how to build its request from the state, and what its answer changes. */
interface Step {
  name: string;
  build(state: JourneyState): { path: string; headers: Record<string, string>; body: string };
  /** Update the state from a 200 answer; return why the answer is wrong, if it is. */
  accept(state: JourneyState, answer: Answer): string | undefined;
}

function journeySteps(clientId: string, secret: string, client: Parameters<typeof issueBody>[0]): Step[] {
  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const init = (state: JourneyState, extra: Record<string, string> = {}) => {
    state.keys = generateKeyPairSync();
    return initRequest('/api/v1/session/init', clientId, state.keys.publicKey, extra);
  };
  const handshake = (state: JourneyState, answer: Answer): undefined => {
    const keys = state.keys as KeyPair;
    state.keys = undefined;
    const session = completeInit(clientId, keys, answer.body, headerValue(answer.headers, 'x-kid'));
    keys.privateKey.destroy();
    // The old session's key is done with: zeroized, as a client refreshing its session does.
    state.session?.key.fill(0);
    state.session = session;
    return undefined;
  };
  return [
    { name: '1 session init', build: (s) => init(s), accept: handshake },
    {
      name: '2 token issue',
      build: (s) => sealRequest(s.session!, '/api/v1/token/issue', issueBody(client, s.subject!, true), { authorization: basicAuthorization(clientId, secret) }),
      accept: (s, a) => {
        s.issued = openAnswer<Tokens>(s.session!, a.body, a.headers);
        return typeof s.issued.refresh_token === 'string' ? undefined : 'issue answered without a refresh token';
      },
    },
    {
      name: '3 introspection',
      build: (s) => sealRequest(s.session!, '/api/v1/introspect', JSON.stringify({ token: s.issued!.access_token, token_type_hint: 'access_token' }), bearer(s.issued!.access_token)),
      accept: (s, a) => (openAnswer<{ active?: unknown }>(s.session!, a.body, a.headers).active === true ? undefined : 'introspection did not say active'),
    },
    { name: '4 authenticated session init', build: (s) => init(s, { ...bearer(s.issued!.access_token), 'x-subject': s.subject! }), accept: handshake },
    {
      name: '5 refresh',
      build: (s) => sealRequest(s.session!, '/api/v1/token', JSON.stringify({ grant_type: 'refresh_token', refresh_token: s.issued!.refresh_token }), bearer(s.issued!.access_token)),
      accept: (s, a) => {
        s.rotated = openAnswer<Tokens>(s.session!, a.body, a.headers);
        return typeof s.rotated.refresh_token === 'string' ? undefined : 'refresh answered without a refresh token';
      },
    },
    {
      name: '6 revocation',
      build: (s) => sealRequest(s.session!, '/api/v1/revoke', JSON.stringify({ token: s.rotated!.refresh_token, token_type_hint: 'refresh_token' }), bearer(s.rotated!.access_token)),
      accept: (s, a) => (JSON.stringify(openAnswer(s.session!, a.body, a.headers)) === '{}' ? undefined : 'revocation did not answer {}'),
    },
  ];
}

export const journey: Scenario = {
  id: 'journey',
  title: 'Full 6-step journeys',
  unit: 'journey',
  targets: ['embedded', 'scaled'],
  description:
    'Per journey: anonymous session init, token issue (Basic), introspection, authenticated session init (Bearer + X-Subject, checked by the identity API), refresh rotation, revocation of the family — six requests through the sidecar, built live by one virtual client per connection.',
  async prepare(target: TargetKind, env: Environment): Promise<Feeder> {
    const stack = stackOf(target, env);
    const steps = journeySteps(stack.client.id, stack.client.secret, stack.client);
    const free = Array.from({ length: env.connections * 2 }, (_, i) => `journey-user-${i}`);
    return {
      plan() {
        const tally = new Tally();
        const state = (context: Context): JourneyState => {
          context.journey ??= {};
          return context.journey as JourneyState;
        };
        const release = (s: JourneyState): void => {
          if (s.subject !== undefined) free.push(s.subject);
          s.subject = undefined;
          s.session?.key.fill(0);
          s.keys?.privateKey.destroy();
        };
        const requests: CannonRequest[] = steps.map((step, index) => ({
          method: 'POST',
          setupRequest: (req, context) => {
            const s = state(context);
            // A failed step abandons the journey: autocannon starts the sequence over.
            if (index > 0 && s.failed === true) return undefined;
            if (index === 0) s.subject = free.pop() ?? `journey-user-extra-${Math.random().toString(36).slice(2)}`;
            const built = step.build(s);
            req.path = built.path;
            req.headers = built.headers;
            req.body = built.body;
            return req;
          },
          onResponse: (status, body, context, headers) => {
            const s = state(context);
            let problem: string | undefined = status === 200 ? undefined : `step ${step.name}: HTTP ${status}`;
            if (problem === undefined) {
              try {
                problem = step.accept(s, { status, body, headers });
                tally.sampled();
              } catch (err) {
                problem = `step ${step.name}: ${err instanceof Error ? err.message : String(err)}`;
              }
            }
            if (problem !== undefined) {
              s.failed = true;
              release(s);
              return tally.fail(problem);
            }
            tally.ok();
            if (index === steps.length - 1) {
              tally.unit();
              release(s);
            }
          },
        }));
        return { origin: stack.sidecarUrl, requests, tally, mode: 'live' };
      },
    };
  },
};
