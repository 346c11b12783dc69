/**
 * `GET /internal/v1/handshake-keys`: the sidecar's handshake keys (docs/protocol.md
 * section 12.1). They live in the identity database beside the token keys, encrypted at
 * rest under the master key and rotated by the same service, so a sidecar run apart needs
 * no database. The answer carries the active private key: like every internal route it
 * does not exist (404) without the internal secret, and it is never cached.
 */
import { type HandshakeKeysAnswer, type HandshakePublicJwk, INTERNAL_PATHS } from '../../contract/internal-api.js';
import { NotFoundError } from '../../lib/oauth-error.js';
import { isInternalCall } from '../internal-headers.js';
import type { IdentityRoute } from './route.js';

/** The sidecar asks again at least this often, so it follows rotations made by any process. */
const MAX_REFRESH_MS = 60_000;

export const handshakeKeysRoute: IdentityRoute = (app, services) => {
  app.get(
    INTERNAL_PATHS.handshakeKeys,
    {
      onRequest: async (request) => {
        if (!isInternalCall(request, services.internalSecret)) throw new NotFoundError(undefined, 'handshake keys without the internal secret');
      },
    },
    async (): Promise<HandshakeKeysAnswer> => {
      const keys = services.handshakeKeys;
      const active = await keys.signingKey();
      const { keys: published } = await keys.jwks();
      const der = active.privateKey.export({ format: 'der', type: 'pkcs8' });
      const pkcs8 = der.toString('base64');
      der.fill(0);
      return {
        keys: published as HandshakePublicJwk[],
        active: { kid: active.kid, pkcs8 },
        refresh_at: Math.min(active.retiresAt, services.clock.now() + MAX_REFRESH_MS),
      };
    },
  );
};
