import { UnauthorizedError } from '@idsvc/protocol';
import type { SidecarContext } from './context.js';
import { type BearerVerifyAnswer, CLIENT_ID_HEADER, INTERNAL_AUTH_HEADER, INTERNAL_PATHS, SUBJECT_HEADER } from '../contract/internal-api.js';
import { UpstreamUnavailableError } from './upstream.js';

const EMPTY_OBJECT = Buffer.from('{}');

/**
 * Ask the identity API whether `token` is an active access token of `clientId` issued for
 * `subject`. Resolves when it is; otherwise throws 401 `unauthorized`, or 502 when the
 * identity API cannot answer. The answer's `client_id` and `sub` are checked here too.
 */
export async function checkBearer(
  ctx: SidecarContext,
  args: { clientId: string; token: string; subject: string; requestId: string },
): Promise<void> {
  const response = await ctx.upstream.send({
    path: INTERNAL_PATHS.bearerVerify,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${args.token}`,
      [CLIENT_ID_HEADER]: args.clientId,
      [SUBJECT_HEADER]: args.subject,
      'x-request-id': args.requestId,
      [INTERNAL_AUTH_HEADER]: ctx.internalSecret,
    },
    body: EMPTY_OBJECT,
  });
  if (response.status >= 500) throw new UpstreamUnavailableError(`bearer check answered ${response.status}`);
  if (response.status !== 200) throw new UnauthorizedError(`bearer check answered ${response.status}`);
  let answer: unknown;
  try {
    answer = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new UpstreamUnavailableError('bearer check answered something that is not JSON');
  }
  const { active, sub, client_id: clientId } = (answer ?? {}) as Partial<Record<keyof BearerVerifyAnswer, unknown>>;
  if (active !== true || sub !== args.subject || clientId !== args.clientId) {
    throw new UnauthorizedError('bearer check did not vouch for this client and subject');
  }
}
