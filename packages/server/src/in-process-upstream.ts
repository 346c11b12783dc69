import type { FastifyInstance } from 'fastify';
import { identityDispatcherOf } from './identity/app.js';
import { type Upstream, UpstreamUnavailableError } from './sidecar/upstream.js';
import { injectUpstream } from './sidecar/upstream-inject.js';

const EMPTY = Buffer.alloc(0);

/** Options of {@link inProcessUpstream}. */
export interface InProcessUpstreamOptions {
  /**
   * Give up on an operation after this long (UPSTREAM_TIMEOUT_MS), as the HTTP upstream
   * does: the caller gets 502 and the operation, which carries the same deadline in
   * `x-idsvc-deadline`, rolls back rather than commit a refresh nobody will receive.
   * Default: wait as long as it takes.
   */
  timeoutMs?: number;
}

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
export function inProcessUpstream(app: FastifyInstance, options: InProcessUpstreamOptions = {}): Upstream {
  const dispatcher = identityDispatcherOf(app);
  if (dispatcher === undefined) throw new TypeError('inProcessUpstream needs an app made by createIdentityApp');
  const inject = injectUpstream(app);
  return {
    async send(request) {
      const { method = 'POST', path, headers, body } = request;
      if (method !== 'POST' || !dispatcher.serves(path)) return inject.send(request);
      const bytes = body === undefined ? EMPTY : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      let timer: NodeJS.Timeout | undefined;
      try {
        const answer = dispatcher.dispatch(path, headers, bytes);
        if (options.timeoutMs === undefined) return await answer;
        const timeoutMs = options.timeoutMs;
        const timedOut = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new UpstreamUnavailableError(`in-process identity app did not answer within ${timeoutMs} ms`)), timeoutMs);
        });
        // The operation goes on after a timeout: its failure then has no one to tell.
        answer.catch(() => undefined);
        return await Promise.race([answer, timedOut]);
      } catch (err) {
        if (err instanceof UpstreamUnavailableError) throw err;
        throw new UpstreamUnavailableError('in-process identity app failed', { cause: err });
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
    },
    close: () => inject.close(),
  };
}
