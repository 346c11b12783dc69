/**
 * Stopping a server process: the first SIGTERM or SIGINT closes gracefully (and waits for
 * the requests in flight); a second one, from an operator whose close hangs, ends the
 * process at once with the conventional non-zero status (128 + the signal number), so a
 * supervisor can tell it was cut short.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { START_TIMEOUT_MS, startIdentity } from '../ops/helpers/cli.js';
import { newSecrets, processEnv } from '../ops/helpers/stack.js';
import { waitFor } from '../helpers/wait-for.js';

describe('a second stop signal', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s twice while a request is still arriving: the process ends at once with %i', async (signal, status) => {
    const identity = await startIdentity(processEnv(newSecrets(), { SHUTDOWN_GRACE: '60' }));
    const url = new URL(identity.url);
    const socket = connect(Number(url.port), url.hostname);
    try {
      await once(socket, 'connect');
      // Half a request head: the connection is busy, so the graceful close waits for it.
      socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n');
      identity.signal(signal);
      await waitFor(() => identity.stdout().includes(`${signal}: closing`), 'the graceful close to start', { timeoutMs: 20_000 });
      expect(identity.alive()).toBe(true);
      identity.signal(signal);
      expect(await identity.exited).toEqual({ code: status, signal: null });
    } finally {
      socket.destroy();
      await identity.stop(1_000);
    }
  }, START_TIMEOUT_MS);
});
