/**
 * The refresh grace window (docs/tokens.md): within it, the client that rotated a refresh
 * token may present that token again and gets the same successor, so a race between two of
 * its own requests, or a retry after a lost answer, does not kill the family. Reuse is still
 * detected after the window, by another client, once the successor was used, and for any
 * token but the immediate parent. Two identity instances on two connections (two pools on
 * PostgreSQL), like two server processes, sharing one clock and MASTER_KEY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityServices, type IdentityEvents, type IdentityServices } from '../../src/identity/context.js';
import { ManualClock } from '../../src/lib/clock.js';
import { InvalidGrantError } from '../../src/lib/oauth-error.js';
import { findClient, type ClientRecord } from '../../src/storage/clients-repository.js';
import { databaseTargets, withDatabase } from '../helpers/db.js';
import { T0, bearer, isActive, issueTokens, post, registerClient, testConfig, withIdentity } from '../helpers/identity.js';

const GRACE_SEC = 30;

describe.each(await databaseTargets())('refresh grace window on $kind', (target) => {
  const tdb = withDatabase(target);
  const clock = new ManualClock(T0);
  const counts = { graceReplays: 0, reuse: 0 };
  const events: IdentityEvents = { refreshGraceReplay: () => counts.graceReplays++, refreshReuse: () => counts.reuse++ };
  let one: IdentityServices;
  let two: IdentityServices;
  /** A client that uses the server's default window (REFRESH_GRACE_SECONDS=30). */
  let graced: ClientRecord;
  /** A second client, with the same default window. */
  let other: ClientRecord;
  /** A client whose own window is 0: strict, whatever the server's default. */
  let strict: ClientRecord;

  beforeAll(async () => {
    const config = testConfig(tdb, { REFRESH_GRACE_SECONDS: String(GRACE_SEC) });
    const masterKey = config.masterKey!;
    one = await createIdentityServices({ config, db: tdb.connect(), clock, masterKey, prune: false, events });
    two = await createIdentityServices({ config, db: tdb.connect(), clock, masterKey, prune: false, events });
    const spec = { authMethod: 'hmac' as const, scopes: ['orders.read'], audiences: ['orders-api'] };
    graced = (await findClient(tdb.db, (await one.admin.create({ name: 'graced', ...spec })).client_id))!;
    other = (await findClient(tdb.db, (await one.admin.create({ name: 'other', ...spec })).client_id))!;
    strict = (await findClient(tdb.db, (await one.admin.create({ name: 'strict', ...spec, refreshGraceSec: 0 })).client_id))!;
  });
  afterAll(() => {
    one?.close();
    two?.close();
  });

  async function issue(client: ClientRecord, subject: string): Promise<{ token: string; familyId: string }> {
    const { response, familyId } = await one.issuer.issue(client, { audience: 'orders-api', subject, includeRefreshToken: true });
    return { token: response.refresh_token!, familyId };
  }
  async function familyStatus(familyId: string): Promise<{ status: string; revoked_reason: string | null }> {
    return tdb.db.selectFrom('token_families').select(['status', 'revoked_reason']).where('id', '=', familyId).executeTakeFirstOrThrow();
  }

  it('10 concurrent presentations of one token, on two instances: all succeed with one identical successor, and the family lives', async () => {
    clock.set(T0);
    const replaysBefore = counts.graceReplays;
    const { token, familyId } = await issue(graced, 'ten-tabs');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? one : two).rotation.rotate(graced.id, token)));
    const successors = new Set(results.map((r) => r.refresh_token));
    expect(successors.size).toBe(1);
    expect([...successors][0]).not.toBe(token);
    // Every answer carries a valid access token of the family, each its own.
    expect(new Set(results.map((r) => r.access_token)).size).toBe(10);
    for (const r of results) expect((await one.verifier.verifyActive(r.access_token)).sub).toBe('ten-tabs');
    expect(await familyStatus(familyId)).toEqual({ status: 'active', revoked_reason: null });
    expect(counts.graceReplays - replaysBefore).toBe(9);
    // The family holds exactly the spent parent and its one successor, which rotates normally.
    const rows = await tdb.db.selectFrom('refresh_tokens').select('status').where('family_id', '=', familyId).execute();
    expect(rows.map((r) => r.status).sort()).toEqual(['active', 'spent']);
    clock.advance(1000);
    const next = await two.rotation.rotate(graced.id, [...successors][0]!);
    expect(next.refresh_token).toBeDefined();
  });

  it('a presentation just inside the window replays; one after it revokes the family', async () => {
    clock.set(T0);
    const inside = await issue(graced, 'late-retry-inside');
    const first = await one.rotation.rotate(graced.id, inside.token);
    clock.advance(GRACE_SEC * 1000);
    expect((await two.rotation.rotate(graced.id, inside.token)).refresh_token).toBe(first.refresh_token);

    clock.set(T0);
    const outside = await issue(graced, 'late-retry-outside');
    const second = await one.rotation.rotate(graced.id, outside.token);
    clock.advance(GRACE_SEC * 1000 + 1);
    await expect(two.rotation.rotate(graced.id, outside.token)).rejects.toBeInstanceOf(InvalidGrantError);
    expect(await familyStatus(outside.familyId)).toEqual({ status: 'revoked', revoked_reason: 'refresh_token_reuse' });
    // The successor died with its family.
    await expect(one.rotation.rotate(graced.id, second.refresh_token!)).rejects.toBeInstanceOf(InvalidGrantError);
  });

  it('once the successor has been used, replaying its parent revokes the family', async () => {
    clock.set(T0);
    const { token, familyId } = await issue(graced, 'successor-used');
    const second = await one.rotation.rotate(graced.id, token);
    clock.advance(1000);
    const third = await two.rotation.rotate(graced.id, second.refresh_token!);
    clock.advance(1000);
    await expect(one.rotation.rotate(graced.id, token)).rejects.toBeInstanceOf(InvalidGrantError);
    expect(await familyStatus(familyId)).toEqual({ status: 'revoked', revoked_reason: 'refresh_token_reuse' });
    await expect(two.rotation.rotate(graced.id, third.refresh_token!)).rejects.toBeInstanceOf(InvalidGrantError);
  });

  it('only the immediate parent replays: a token two rotations back revokes the family, even within the window', async () => {
    clock.set(T0);
    const { token, familyId } = await issue(graced, 'grandparent');
    const second = await one.rotation.rotate(graced.id, token);
    await two.rotation.rotate(graced.id, second.refresh_token!);
    // `second` is now the immediate parent (replayable); `token` is not.
    await expect(one.rotation.rotate(graced.id, token)).rejects.toBeInstanceOf(InvalidGrantError);
    expect(await familyStatus(familyId)).toEqual({ status: 'revoked', revoked_reason: 'refresh_token_reuse' });
  });

  it('another client presenting a just-rotated token gets invalid_grant, and the family is revoked', async () => {
    clock.set(T0);
    const { token, familyId } = await issue(graced, 'stolen');
    const second = await one.rotation.rotate(graced.id, token);
    await expect(two.rotation.rotate(other.id, token)).rejects.toBeInstanceOf(InvalidGrantError);
    expect(await familyStatus(familyId)).toEqual({ status: 'revoked', revoked_reason: 'refresh_token_reuse' });
    // The owner's own replay no longer works either: the family is gone.
    await expect(one.rotation.rotate(graced.id, token)).rejects.toBeInstanceOf(InvalidGrantError);
    await expect(one.rotation.rotate(graced.id, second.refresh_token!)).rejects.toBeInstanceOf(InvalidGrantError);
  });

  it("another client presenting an active token is refused and the owner's family is untouched", async () => {
    clock.set(T0);
    const { token, familyId } = await issue(graced, 'foreign-active');
    await expect(two.rotation.rotate(other.id, token)).rejects.toBeInstanceOf(InvalidGrantError);
    expect(await familyStatus(familyId)).toEqual({ status: 'active', revoked_reason: null });
    expect((await one.rotation.rotate(graced.id, token)).refresh_token).toBeDefined();
  });

  it("a client's own window of 0 overrides the server's default: a second presentation is reuse, races included", async () => {
    clock.set(T0);
    const { token, familyId } = await issue(strict, 'strict-client');
    const results = await Promise.allSettled([one.rotation.rotate(strict.id, token), two.rotation.rotate(strict.id, token)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await familyStatus(familyId)).toEqual({ status: 'revoked', revoked_reason: 'refresh_token_reuse' });
  });

  it('the window follows the client setting when it changes', async () => {
    clock.set(T0);
    await one.admin.update(strict.id, { refreshGraceSec: 5 });
    try {
      const { token, familyId } = await issue(strict, 'widened');
      const first = await one.rotation.rotate(strict.id, token);
      clock.advance(5000);
      expect((await two.rotation.rotate(strict.id, token)).refresh_token).toBe(first.refresh_token);
      expect(await familyStatus(familyId)).toEqual({ status: 'active', revoked_reason: null });
    } finally {
      await one.admin.update(strict.id, { refreshGraceSec: 0 });
    }
  });

  it('no successor is stored: the database holds only hashes', async () => {
    clock.set(T0);
    const { token, familyId } = await issue(graced, 'at-rest');
    const next = await one.rotation.rotate(graced.id, token);
    const rows = await tdb.db.selectFrom('refresh_tokens').selectAll().where('family_id', '=', familyId).execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(next.refresh_token!);
    expect(dump).not.toContain(token);
  });
});

describe.each(await databaseTargets())('refresh with the default window of 0 on $kind', (target) => {
  const tdb = withDatabase(target);
  const clock = new ManualClock(T0);
  let one: IdentityServices;
  let client: ClientRecord;

  beforeAll(async () => {
    const config = testConfig(tdb);
    one = await createIdentityServices({ config, db: tdb.connect(), clock, masterKey: config.masterKey!, prune: false });
    client = (await findClient(tdb.db, (await one.admin.create({ name: 'plain', authMethod: 'basic', scopes: ['orders.read'], audiences: ['orders-api'] })).client_id))!;
  });
  afterAll(() => one?.close());

  it('an immediate second presentation by the same client is reuse and revokes the family', async () => {
    expect(client.refreshGraceSec).toBeNull();
    const { response, familyId } = await one.issuer.issue(client, { audience: 'orders-api', subject: 'u', includeRefreshToken: true });
    await one.rotation.rotate(client.id, response.refresh_token!);
    await expect(one.rotation.rotate(client.id, response.refresh_token!)).rejects.toBeInstanceOf(InvalidGrantError);
    const family = await tdb.db.selectFrom('token_families').select('status').where('id', '=', familyId).executeTakeFirstOrThrow();
    expect(family.status).toBe('revoked');
  });
});

describe.each(await databaseTargets())('refresh grace window over HTTP on $kind', (target) => {
  const tdb = withDatabase(target);
  const t = withIdentity(tdb, { env: { REFRESH_GRACE_SECONDS: '10' } });

  it('a repeat answers 200 with the same refresh token and a working access token, and is counted', async () => {
    t.clock.set(T0);
    const client = await registerClient(t.app);
    const first = await issueTokens(t.app, client);
    const refresh = () => post(t.app, '/api/v1/token', { authorization: bearer(first.access_token) }, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    const a = await refresh();
    t.clock.advance(2000);
    const b = await refresh();
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    const [one, two] = [a.json<{ access_token: string; refresh_token: string }>(), b.json<{ access_token: string; refresh_token: string }>()];
    expect(two.refresh_token).toBe(one.refresh_token);
    expect(two.access_token).not.toBe(one.access_token);
    expect(await isActive(t.app, two.access_token, two.access_token)).toBe(true);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^idsvc_refresh_grace_replays_total\{service="identity"\} 1$/m);
    expect(metrics.body).toMatch(/^idsvc_refresh_reuse_detected_total\{service="identity"\} 0$/m);
  });
});
