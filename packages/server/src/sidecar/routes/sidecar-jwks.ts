/**
 * `GET /.well-known/sidecar-jwks.json` (docs/protocol.md section 12.1): the public keys
 * that verify the sidecar's session init signatures — the active key, the next one
 * (published a rotation period before it signs) and retired ones still in their window.
 * No authentication: it is how a client learns whom it is talking to.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HandshakePublicJwk } from '../../contract/internal-api.js';
import type { SidecarContext } from '../context.js';

export const SIDECAR_JWKS_PATH = '/.well-known/sidecar-jwks.json';

/** Clients may cache the set this long; a new key is published a whole rotation period before it signs. */
const MAX_AGE_SEC = 300;

/** The handler of the sidecar's JWKS, bound to the sidecar's context. */
export function sidecarJwksHandler(ctx: SidecarContext) {
  return async function sidecarJwks(_request: FastifyRequest, reply: FastifyReply): Promise<{ keys: HandshakePublicJwk[] }> {
    const { keys } = await ctx.handshakeKeys.jwks();
    void reply.header('cache-control', `public, max-age=${MAX_AGE_SEC}`);
    // Only the public members, whatever else the source holds.
    return { keys: keys.map(({ kty, crv, x, y, kid, use, alg }) => ({ kty, crv, x, y, kid, use, alg })) };
  };
}
