/**
 * UPSTREAM_TIMEOUT_MS: how long `idsvc sidecar` (running apart) waits for the identity API.
 * Against an identity API that accepts connections and never answers, a session init is
 * answered 503 once that time has passed, not after the default 5 s.
 */
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { START_TIMEOUT_MS, startSidecar } from '../ops/helpers/cli.js';
import { newSecrets, processEnv, wireAt } from '../ops/helpers/stack.js';

const silent = createServer();
const sockets = new Set<Socket>();
let silentUrl: string;

beforeAll(async () => {
  silent.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('UPSTREAM_TIMEOUT_MS', () => {
  it('bounds the wait for an identity API that does not answer: 503 after about 300 ms', async () => {
    const sidecar = await startSidecar(silentUrl, processEnv(newSecrets(), { UPSTREAM_TIMEOUT_MS: '300' }));
    try {
      const started = Date.now();
      const response = await wireAt(sidecar.url, 'some-client').initSession();
      const waited = Date.now() - started;
      expect(response.status).toBe(503);
      expect(JSON.parse(response.body)).toMatchObject({ error: 'temporarily_unavailable' });
      expect(waited).toBeGreaterThanOrEqual(300);
      // Far below the default of 5000 ms, with room for a busy machine.
      expect(waited).toBeLessThan(3_000);
    } finally {
      await sidecar.stop();
    }
  }, START_TIMEOUT_MS);
});
