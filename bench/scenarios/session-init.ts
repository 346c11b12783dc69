/**
 * Scenario 1: anonymous session init (docs/protocol.md section 3), against the ECDH + HKDF
 * ceiling route. Requests are prepared ahead, each with a fresh idempotency key, from a
 * pool of client key pairs; every answer's status, shape and `X-Kid` are checked, and one
 * in 50 is completed on the client side (server point validated, ECDH, HKDF).
 */
import { preparedPlan, type LoadPlan } from '../lib/load.js';
import { checkInitAnswer, completeInit, generateKeyPairSync, headerValue, initRequest, type KeyPair, type WireRequest } from '../lib/wire.js';
import { stackOf, type Environment, type Feeder, type Scenario, type TargetKind } from './types.js';

const KEY_POOL = 64;
const SAMPLE_EVERY = 50;

interface InitRequest extends WireRequest {
  keys: KeyPair;
}

export const sessionInit: Scenario = {
  id: 'session-init',
  title: 'Session init (anonymous ECDH handshake)',
  unit: 'request',
  targets: ['ceiling', 'embedded', 'scaled'],
  description:
    'POST /api/v1/session/init with a client public key. The stack checks headers, timestamp, client and nonce (replay store), validates the point, makes a key pair, ECDH, HKDF, and stores the session. The ceiling route does only the point validation, key pair, ECDH and HKDF.',
  async prepare(target: TargetKind, env: Environment): Promise<Feeder> {
    const origin = target === 'ceiling' ? env.ceiling?.url : stackOf(target, env).sidecarUrl;
    if (origin === undefined) throw new Error('ceiling is not running');
    const path = target === 'ceiling' ? '/ceiling/session/init' : '/api/v1/session/init';
    const clientId = target === 'ceiling' ? 'bench-client' : stackOf(target, env).client.id;
    const pool = Array.from({ length: KEY_POOL }, () => generateKeyPairSync());
    let made = 0;
    const build = (): InitRequest => {
      const keys = pool[made++ % KEY_POOL] as KeyPair;
      return { ...initRequest(path, clientId, keys.publicKey), keys };
    };
    let answered = 0;
    return {
      plan(expected: number): LoadPlan {
        const prepared = Array.from({ length: expected }, build);
        return preparedPlan(origin, prepared, build, (answer, request, tally) => {
          if (answer.status !== 200) return tally.fail(`HTTP ${answer.status}`);
          try {
            const kid = headerValue(answer.headers, 'x-kid');
            if (answered++ % SAMPLE_EVERY === 0) {
              completeInit(clientId, request.keys, answer.body, kid).key.fill(0);
              tally.sampled();
            } else {
              checkInitAnswer(answer.body, kid);
            }
            tally.ok();
          } catch (err) {
            tally.fail(err instanceof Error ? err.message : String(err));
          }
        });
      },
    };
  },
};
