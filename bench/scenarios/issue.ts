/**
 * Scenario 3: token issue with Basic through the sidecar (docs/protocol.md section 8), against
 * the AES-GCM ceiling route. One session and one subject per connection; every issue asks
 * for a refresh token, so each starts a token family stored with its access and refresh
 * token records. Requests are sealed ahead.
 */
import { basicAuthorization } from '../lib/wire.js';
import { issueBody, openSession } from '../lib/calls.js';
import { ceilingSessions, echoed, sealedFeeder, type SealedSlot } from './sealed.js';
import { stackOf, type Environment, type Feeder, type Scenario, type TargetKind } from './types.js';

const PATH = '/api/v1/token/issue';

export const issue: Scenario = {
  id: 'issue',
  title: 'Token issue with Basic through the sidecar',
  unit: 'request',
  targets: ['ceiling', 'embedded', 'scaled'],
  description:
    'POST /api/v1/token/issue sealed, Authorization: Basic, include_refresh_token. The identity API authenticates the client (secret verified once, then remembered as an HMAC), signs an ES256 access token and stores the family and the refresh token hash in one transaction (access tokens carry their family in the jti; only individually revoked ones get a row). The ceiling route opens and seals the same body.',
  async prepare(target: TargetKind, env: Environment): Promise<Feeder> {
    if (target === 'ceiling') {
      const client = (env.embedded ?? env.scaled)?.client ?? { id: 'bench-client', secret: 'x'.repeat(43), scope: 'orders.read orders.write', audience: 'orders-api' };
      const slots = ceilingSessions(env, client.id).map((session, i) => ({
        session,
        plaintext: issueBody(client, `bench-user-${i}`),
        extra: { authorization: basicAuthorization(client.id, client.secret) },
      }));
      return sealedFeeder(env.ceiling!.url, '/ceiling/envelope', slots, echoed);
    }
    const stack = stackOf(target, env);
    const slots: SealedSlot[] = [];
    for (let i = 0; i < env.connections; i++) {
      const session = await openSession(stack.sidecarUrl, stack.client.id);
      slots.push({ session, plaintext: issueBody(stack.client, `bench-user-${i}`), extra: { authorization: basicAuthorization(stack.client.id, stack.client.secret) } });
    }
    return sealedFeeder(stack.sidecarUrl, PATH, slots, (value) => {
      const answer = value as { access_token?: unknown; refresh_token?: unknown };
      return typeof answer.access_token === 'string' && typeof answer.refresh_token === 'string' ? undefined : 'issue answered without tokens';
    });
  },
};
