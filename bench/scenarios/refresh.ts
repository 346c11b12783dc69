/**
 * Scenario 4: refresh with rotation through the sidecar (docs/protocol.md section 8,
 * `POST /api/v1/token`), against the AES-GCM ceiling route. Each request spends a refresh
 * token and gets the next one, so requests are built live: a pool of token chains (three
 * per connection, each started by an issue), each request takes a chain, and its answer,
 * opened, puts the chain back with the new tokens. Every answer is opened.
 */
import { Tally, type CannonRequest, type LoadPlan } from '../lib/load.js';
import { issueThroughSidecar, openSession, type Tokens } from '../lib/calls.js';
import { openAnswer, sealRequest, type ClientSession } from '../lib/wire.js';
import { ceilingSessions, tokenLike } from './sealed.js';
import { stackOf, type Environment, type Feeder, type Scenario, type TargetKind } from './types.js';

const PATH = '/api/v1/token';
const CHAINS_PER_CONNECTION = 3;

/** A live refresh chain: the session it talks over and its current tokens. */
interface Chain {
  session: ClientSession;
  access: string;
  refresh: string;
}

function refreshBody(refreshToken: string): string {
  return JSON.stringify({ grant_type: 'refresh_token', refresh_token: refreshToken });
}

/**
 * A live plan over `chains`: `next` turns an opened answer into the chain's next state,
 * or returns why the answer is wrong.
 */
function chainPlan(origin: string, path: string, chains: Chain[], next: (chain: Chain, value: unknown) => Chain | string): LoadPlan {
  const tally = new Tally();
  const idle = [...chains];
  // A chain whose answer failed is lost; should they all be lost, the last one keeps the
  // run going (its requests fail and are counted).
  let last = chains[0] as Chain;
  const request: CannonRequest = {
    method: 'POST',
    setupRequest: (req, context) => {
      const chain = idle.pop() ?? last;
      last = chain;
      context.chain = chain;
      const sealed = sealRequest(chain.session, path, refreshBody(chain.refresh), { authorization: `Bearer ${chain.access}` });
      req.path = sealed.path;
      req.headers = sealed.headers;
      req.body = sealed.body;
      return req;
    },
    onResponse: (status, body, context, headers) => {
      const chain = context.chain as Chain;
      if (status !== 200) return tally.fail(`HTTP ${status}`);
      try {
        const outcome = next(chain, openAnswer(chain.session, body, headers));
        tally.sampled();
        if (typeof outcome === 'string') return tally.fail(outcome);
        idle.push(outcome);
        tally.ok();
      } catch (err) {
        tally.fail(err instanceof Error ? err.message : String(err));
      }
    },
  };
  return { origin, requests: [request], tally, mode: 'live' };
}

export const refresh: Scenario = {
  id: 'refresh',
  title: 'Refresh rotation through the sidecar',
  unit: 'request',
  targets: ['ceiling', 'embedded', 'scaled'],
  description:
    'POST /api/v1/token sealed, grant_type=refresh_token, Bearer = the chain\'s current access token. The identity API checks the bearer, spends the refresh token (conditional update) and stores the new refresh token hash in one transaction, then signs the new access token. Requests are sealed live by the generator, which opens every answer to carry on the chain. The ceiling route opens and seals the same body.',
  async prepare(target: TargetKind, env: Environment): Promise<Feeder> {
    const count = env.connections * CHAINS_PER_CONNECTION;
    if (target === 'ceiling') {
      const access = tokenLike(700);
      const sessions = ceilingSessions(env, 'bench-client');
      const chains = Array.from({ length: count }, (_, i) => ({ session: sessions[i % sessions.length] as ClientSession, access, refresh: tokenLike(43) }));
      const url = env.ceiling!.url;
      return {
        plan: () =>
          chainPlan(url, '/ceiling/envelope', chains, (chain, value) => {
            const echo = value as { refresh_token?: unknown };
            return echo.refresh_token === chain.refresh ? chain : 'the ceiling answered another plaintext';
          }),
      };
    }
    const stack = stackOf(target, env);
    const sessions: ClientSession[] = [];
    for (let i = 0; i < env.connections; i++) sessions.push(await openSession(stack.sidecarUrl, stack.client.id));
    let family = 0;
    return {
      // Fresh chains for every run: the answers to requests still in flight when a run
      // stops are never read, so their chains cannot go on.
      async plan() {
        const chains: Chain[] = [];
        for (let i = 0; i < count; i += sessions.length) {
          const batch = sessions.map(async (session) => {
            const tokens = await issueThroughSidecar(stack.sidecarUrl, session, stack.client, `bench-refresh-${family++}`);
            return { session, access: tokens.access_token, refresh: tokens.refresh_token as string };
          });
          chains.push(...(await Promise.all(batch)));
        }
        return chainPlan(stack.sidecarUrl, PATH, chains, (chain, value) => {
          const tokens = value as Partial<Tokens>;
          if (typeof tokens.access_token !== 'string' || typeof tokens.refresh_token !== 'string') return 'refresh answered without tokens';
          return { session: chain.session, access: tokens.access_token, refresh: tokens.refresh_token };
        });
      },
    };
  },
};
