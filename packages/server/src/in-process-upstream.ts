import type { FastifyInstance } from 'fastify';
import { identityDispatcherOf } from './identity/app.js';
import { type Upstream, UpstreamUnavailableError } from './sidecar/upstream.js';
import { injectUpstream } from './sidecar/upstream-inject.js';

const EMPTY = Buffer.alloc(0);

/**
 * Forward to an identity app in the same process (made by `createIdentityApp`): the POST
 * endpoints run directly through the app's operation dispatcher, with the same checks,
 * answers, logs and metrics as over HTTP but without a simulated HTTP exchange; anything
 * else (a GET) goes through `app.inject`. The app belongs to the caller, who closes it.
 *
 * @example
 * ```ts
 * const upstream = inProcessUpstream(await createIdentityApp({ config, internalSecret }));
 * ```
 */
export function inProcessUpstream(app: FastifyInstance): Upstream {
  const dispatcher = identityDispatcherOf(app);
  if (dispatcher === undefined) throw new TypeError('inProcessUpstream needs an app made by createIdentityApp');
  const inject = injectUpstream(app);
  return {
    async send(request) {
      const { method = 'POST', path, headers, body } = request;
      if (method !== 'POST' || !dispatcher.serves(path)) return inject.send(request);
      const bytes = body === undefined ? EMPTY : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      try {
        return await dispatcher.dispatch(path, headers, bytes);
      } catch (err) {
        throw new UpstreamUnavailableError('in-process identity app failed', { cause: err });
      }
    },
    close: () => inject.close(),
  };
}
