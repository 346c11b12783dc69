/**
 * Scenario 2: encrypted introspection through the sidecar (docs/protocol.md section 8), against
 * the AES-GCM ceiling route. One session and one access token per connection; each request
 * introspects the session's own token with that token as the bearer, as step 3 of the
 * journey does. Requests are sealed ahead.
 */
import { issuePlaintext, issueThroughSidecar, openSession } from '../lib/calls.js';
import { ceilingSessions, echoed, sealedFeeder, tokenLike, type SealedSlot } from './sealed.js';
import { stackOf, type Environment, type Feeder, type Scenario, type TargetKind } from './types.js';

const PATH = '/api/v1/introspect';

function introspection(token: string): SealedSlot['plaintext'] {
  return JSON.stringify({ token, token_type_hint: 'access_token' });
}

export const introspect: Scenario = {
  id: 'introspect',
  title: 'Encrypted introspection through the sidecar',
  unit: 'request',
  targets: ['ceiling', 'embedded', 'scaled'],
  description:
    'POST /api/v1/introspect sealed under the session key, Bearer = the token introspected. The sidecar checks headers and timestamp, finds the session, opens the envelope, records the nonce, forwards to the identity API (bearer: signature, revocation state; token: the same), and seals the answer. The ceiling route opens the same envelope and seals its plaintext back.',
  async prepare(target: TargetKind, env: Environment): Promise<Feeder> {
    if (target === 'ceiling') {
      const stack = env.embedded ?? env.scaled;
      const token = stack !== undefined ? (await issuePlaintext(stack.identityUrl, stack.client, 'bench-ceiling')).access_token : tokenLike(700);
      const slots = ceilingSessions(env, 'bench-client').map((session) => ({ session, plaintext: introspection(token), extra: { authorization: `Bearer ${token}` } }));
      return sealedFeeder(env.ceiling!.url, '/ceiling/envelope', slots, echoed);
    }
    const stack = stackOf(target, env);
    const slots: SealedSlot[] = [];
    for (let i = 0; i < env.connections; i++) {
      const session = await openSession(stack.sidecarUrl, stack.client.id);
      const tokens = await issueThroughSidecar(stack.sidecarUrl, session, stack.client, `bench-user-${i}`);
      slots.push({ session, plaintext: introspection(tokens.access_token), extra: { authorization: `Bearer ${tokens.access_token}` } });
    }
    return sealedFeeder(stack.sidecarUrl, PATH, slots, (value) => {
      const answer = value as { active?: unknown; client_id?: unknown };
      return answer.active === true && answer.client_id === stack.client.id ? undefined : 'introspection did not say active';
    });
  },
};
