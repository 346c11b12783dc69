/**
 * The 6-step journey of docs/protocol.md section 9, step by step through whichever sidecar
 * `pick(step)` names (the same one every time, or another one at each step), checking each
 * answer as a client relies on it.
 */
import { expect } from 'vitest';
import type { ClientSession, WireClient } from '../../helpers/wire-client.js';
import { basicAuth } from '../../helpers/wire-client.js';

/** What the journey used and obtained, for later checks (and for grepping logs). */
export interface JourneyTrace {
  /** Step 2. */
  access1: string;
  refresh1: string;
  /** Step 5. */
  access2: string;
  refresh2: string;
  /** Both sessions' keys (copied before the client zeroized them). */
  sessionKeys: Buffer[];
  /** The session of step 4, still open after the journey. */
  session: ClientSession;
}

export const ISSUE_REQUEST = { audience: 'orders-api', scope: 'orders.read', subject: 'test-user', include_refresh_token: true };

interface TokenAnswer {
  access_token: string;
  refresh_token: string;
}

/**
 * Run the six steps; `pick(step)` is the client (bound to one sidecar) that sends step
 * `step` (1 to 6, and 7 for the check after the journey). The session moves between them.
 */
export async function sixStepJourney(pick: (step: number) => WireClient, client: { id: string; secret: string }): Promise<JourneyTrace> {
  let session: ClientSession | undefined;
  const sessionKeys: Buffer[] = [];
  const at = (step: number): WireClient => {
    const wire = pick(step);
    wire.session = session;
    return wire;
  };

  // 1. anonymous session
  let wire = at(1);
  const init = await wire.initSession();
  expect(init.status).toBe(200);
  expect(JSON.parse(init.body)).toMatchObject({ encAlg: 'A256GCM', expiresInSec: 1800 });
  session = wire.session;
  sessionKeys.push(Buffer.from(session!.key));

  // 2. token issue (Basic + GCM)
  wire = at(2);
  const issued = await wire.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(client.id, client.secret) });
  expect(issued).toMatchObject({ status: 200, encrypted: true });
  const first = issued.json as TokenAnswer;

  // 3. introspection (Bearer + GCM)
  wire = at(3);
  const introspected = await wire.call('/api/v1/introspect', { token: first.access_token }, { authorization: `Bearer ${first.access_token}` });
  expect(introspected.status).toBe(200);
  expect(introspected.json).toMatchObject({ active: true, sub: 'test-user', client_id: client.id });

  // 4. authenticated session (Bearer + X-Subject); the old key is zeroized by the client
  wire = at(4);
  const authInit = await wire.initSession({ bearer: first.access_token, subject: 'test-user' });
  expect(authInit.status).toBe(200);
  expect(JSON.parse(authInit.body)).toMatchObject({ expiresInSec: 3600 });
  session = wire.session;
  sessionKeys.push(Buffer.from(session!.key));

  // 5. refresh with rotation
  wire = at(5);
  const refreshed = await wire.call(
    '/api/v1/token',
    { grant_type: 'refresh_token', refresh_token: first.refresh_token },
    { authorization: `Bearer ${first.access_token}` },
  );
  expect(refreshed.status).toBe(200);
  const second = refreshed.json as TokenAnswer;
  expect(second.refresh_token).not.toBe(first.refresh_token);

  // 6. revoke the step-5 refresh token: the whole family dies
  wire = at(6);
  const revoked = await wire.call(
    '/api/v1/revoke',
    { token: second.refresh_token, token_type_hint: 'refresh_token' },
    { authorization: `Bearer ${second.access_token}` },
  );
  expect(revoked.status).toBe(200);
  expect(revoked.json).toEqual({});

  // After: the step-5 access token is dead as a bearer.
  wire = at(7);
  const after = await wire.call('/api/v1/introspect', { token: second.access_token }, { authorization: `Bearer ${second.access_token}` });
  expect(after.status).toBe(401);
  expect((after.json as { error: string }).error).toBe('invalid_token');

  return { access1: first.access_token, refresh1: first.refresh_token, access2: second.access_token, refresh2: second.refresh_token, sessionKeys, session: session! };
}
