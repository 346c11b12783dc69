import { describe, expect, it } from 'vitest';
import * as node from '../src/index.js';
import * as internal from '../src/internal.js';
import * as web from '../src/web.js';

describe('the two SDK entries', () => {
  it('export the same names, so code moves between Node and browsers unchanged', () => {
    expect(Object.keys(web).sort()).toEqual(Object.keys(node).sort());
  });

  it('differ only in the crypto backend their IdentityClient is built on', () => {
    expect(web.IdentityClient).not.toBe(node.IdentityClient);
    expect(web.ServiceError).toBe(node.ServiceError);
    expect(web.Session).toBe(node.Session);
  });

  it('export only what an application uses: the client, its errors and the session', () => {
    expect(Object.keys(node).sort()).toEqual([
      'AbortedError',
      'ConfigurationError',
      'HandshakeUnverifiedError',
      'IdentityClient',
      'IdentityClientError',
      'NetworkError',
      'NoLiveBearerError',
      'ResponseError',
      'ServiceError',
      'Session',
      'TimeoutError',
      'maskCredential',
    ]);
  });

  it('keep the building blocks on the internal entry, out of the public ones', () => {
    for (const name of ['IdentityClientCore', 'initSession', 'ROUTES', 'maskHeaders', 'SESSION_INIT_PATH']) {
      expect(Object.keys(internal), name).toContain(name);
      expect(Object.keys(node), name).not.toContain(name);
      expect(Object.keys(web), name).not.toContain(name);
    }
  });
});
