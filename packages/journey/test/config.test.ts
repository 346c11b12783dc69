import { describe, expect, it } from 'vitest';
import { useColor } from '../src/ansi.js';
import { JourneyConfigError, loadJourneyConfig } from '../src/config.js';
import { describeStartupError } from '../src/startup.js';

describe('journey configuration', () => {
  it('defaults to the seeded internal client on port 3506', () => {
    expect(loadJourneyConfig({})).toMatchObject({
      clientId: 'dev-client',
      clientSecret: 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!',
      authMethod: 'basic',
      subject: 'test-user',
      scope: 'orders.read orders.write',
      audience: 'orders-api',
      port: 3506,
      sidecarUrl: undefined,
      sidecarKeysUrl: undefined,
    });
  });

  it('AUTH_METHOD=hmac switches to the external client and its scope', () => {
    expect(loadJourneyConfig({ AUTH_METHOD: 'hmac' })).toMatchObject({
      clientId: 'external-partner-test',
      clientSecret: 'external-partner-hmac-secret-key-32chars!',
      authMethod: 'hmac',
      scope: 'orders.read',
    });
  });

  it('explicit values win, empty ones count as unset, a trailing slash is dropped', () => {
    const config = loadJourneyConfig({
      CLIENT_ID: 'c1',
      SUBJECT: '',
      SIDECAR_URL: 'http://sidecar:8141/',
      IDENTITY_URL: 'http://identity:8140/',
      SIDECAR_KEYS_URL: 'http://sidecar:8141/.well-known/sidecar-jwks.json',
      PORT: '8080',
    });
    expect(config).toMatchObject({
      clientId: 'c1',
      subject: 'test-user',
      sidecarUrl: 'http://sidecar:8141',
      identityUrl: 'http://identity:8140',
      sidecarKeysUrl: 'http://sidecar:8141/.well-known/sidecar-jwks.json',
      port: 8080,
    });
  });

  it('refuses bad values with one line each', () => {
    let error: unknown;
    try {
      loadJourneyConfig({ PORT: '70000', AUTH_METHOD: 'oauth', SIDECAR_URL: 'ftp://x', SIDECAR_KEYS_URL: 'keys.json' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(JourneyConfigError);
    expect((error as JourneyConfigError).problems).toHaveLength(4);
    expect((error as JourneyConfigError).problems.join('\n')).toContain('SIDECAR_KEYS_URL: must be an http:// or https:// URL');
  });
});

describe('colour', () => {
  it('NO_COLOR always wins, FORCE_COLOR forces, otherwise only on a terminal', () => {
    expect(useColor({ NO_COLOR: '1', FORCE_COLOR: '1' }, true)).toBe(false);
    expect(useColor({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(useColor({}, true)).toBe(true);
    expect(useColor({}, false)).toBe(false);
    expect(useColor({ TERM: 'dumb' }, true)).toBe(false);
    expect(useColor({ NO_COLOR: '' }, true)).toBe(true);
  });
});

describe('start-up errors', () => {
  it('a port in use names the port, its variable and the fix', () => {
    const text = describeStartupError(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 3506 }));
    expect(text).toContain('Port 3506 is already in use');
    expect(text).toContain('set PORT');
    const sidecar = describeStartupError(Object.assign(new Error('in use'), { name: 'PortInUseError', port: 8141 }));
    expect(sidecar).toContain('SIDECAR_URL=http://127.0.0.1:8141');
  });
});
