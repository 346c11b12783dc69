/**
 * Refresh traffic while the identity API process is paused past the sidecar's timeout
 * (SIGSTOP, then SIGCONT), in the scaled shape: `idsvc identity` on a PostgreSQL database of
 * this file, `idsvc sidecar` apart in front of it. The sidecar answers 502 to the requests
 * it gave up on; the identity API, when it wakes, must not commit those rotations (the
 * forwarded deadline), and a client retrying with the token it holds must get on (the
 * deadline, or for a COMMIT already on its way at the pause, the client's grace window).
 * Every family survives and every client ends with a working refresh token.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, assert, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { type WireClient, basicAuth } from '../helpers/wire-client.js';
import { type CliProcess, startIdentity, startSidecar } from './helpers/cli.js';
import { ISSUE_REQUEST } from './helpers/journey.js';
import { metricValue, scrape } from './helpers/metrics.js';
import { type RegisteredClient, createClient, newSecrets, processEnv, wireAt } from './helpers/stack.js';

const available = (await databaseTargets()).some((t) => t.kind === 'postgres');

/** Short, so the pause (longer still) keeps the test brief. */
const UPSTREAM_TIMEOUT_MS = 1000;
const PAUSE_MS = 2500;
const CLIENTS = 16;

interface Tokens {
  access_token: string;
  refresh_token: string;
}

interface Driver {
  wire: WireClient;
  tokens: Tokens;
  rotations: number;
  retried: number;
  /** Any answer but 200 and 502: a lost token shows up here as invalid_grant. */
  refused: { status: number; body: unknown }[];
}

describe.skipIf(!available)('refresh while the identity API is paused past the sidecar timeout', () => {
  const tdb = withDatabase({ kind: 'postgres' });
  const secrets = newSecrets();
  let identity: CliProcess;
  let sidecar: CliProcess;
  let client: RegisteredClient;

  beforeAll(async () => {
    identity = await startIdentity(processEnv(secrets, tdb.env as Record<string, string>));
    sidecar = await startSidecar(identity.url, processEnv(secrets, { UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) }));
    client = await createClient(identity.url, secrets.ADMIN_TOKEN);
    const graced = await fetch(new URL(`/admin/v1/clients/${client.id}`, identity.url), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.ADMIN_TOKEN}` },
      body: JSON.stringify({ refresh_grace_seconds: 30 }),
    });
    assert.equal(graced.status, 200, 'the grace window of the test client could not be set');
  }, 120_000);

  afterAll(async () => {
    // A stopped process ignores SIGTERM until it is continued.
    identity?.signal('SIGCONT');
    await Promise.all([sidecar?.stop(), identity?.stop()]);
  });

  async function refresh(d: Driver): Promise<number> {
    const res = await d.wire.call('/api/v1/token', { grant_type: 'refresh_token', refresh_token: d.tokens.refresh_token }, { authorization: `Bearer ${d.tokens.access_token}` });
    if (res.status === 200) {
      d.tokens = res.json as Tokens;
      d.rotations++;
    } else if (res.status === 502 || res.status === 503) {
      // 502: the sidecar gave up waiting; 503: the identity API rolled the rotation back
      // because the sidecar's deadline had passed. Either way the token held is unspent.
      d.retried++;
    } else {
      d.refused.push({ status: res.status, body: res.json });
    }
    return res.status;
  }

  it('no family is lost: every client ends with a working refresh token', async () => {
    // One after the other: a Basic issue checks the secret with scrypt, slow on a busy machine
    // next to the short timeout.
    const drivers: Driver[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const wire = wireAt(sidecar.url, client.id);
      expect((await wire.initSession()).status).toBe(200);
      let issued = await wire.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(client.id, client.secret) });
      for (let retry = 0; issued.status === 502 && retry < 3; retry++) {
        issued = await wire.call('/api/v1/token/issue', ISSUE_REQUEST, { authorization: basicAuth(client.id, client.secret) });
      }
      expect(issued.status).toBe(200);
      drivers.push({ wire, tokens: issued.json as Tokens, rotations: 0, retried: 0, refused: [] });
    }

    let traffic = true;
    const loops = drivers.map(async (d) => {
      while (traffic && d.refused.length === 0) await refresh(d);
    });
    await sleep(500);
    identity.signal('SIGSTOP');
    await sleep(PAUSE_MS);
    identity.signal('SIGCONT');
    await sleep(1500);
    traffic = false;
    await Promise.all(loops);

    // The pause was felt: requests timed out and were retried.
    expect(drivers.reduce((n, d) => n + d.retried, 0)).toBeGreaterThan(0);
    expect(drivers.flatMap((d) => d.refused)).toEqual([]);
    // Each client's last token works; a 502 or 503 now would only be the tail of the pause.
    for (const d of drivers) {
      let status = await refresh(d);
      for (let i = 0; (status === 502 || status === 503) && i < 3; i++) status = await refresh(d);
      expect(status).toBe(200);
    }
    const metrics = await scrape(identity.url);
    expect(metricValue(metrics, 'idsvc_refresh_reuse_detected_total')).toBe(0);
    // The identity API threw away what the sidecar had given up on.
    expect(metricValue(metrics, 'idsvc_refresh_deadline_rollbacks_total')).toBeGreaterThan(0);
    const families = await tdb.db.selectFrom('token_families').select('status').where('client_id', '=', client.id).execute();
    expect(families).toHaveLength(CLIENTS);
    expect(families.every((f) => f.status === 'active')).toBe(true);
  }, 60_000);
});
