/**
 * An identity API listening on a real port, with `ISSUER` set to the URL it listens on, so
 * what a resource server or a discovery client reads (metadata, JWKS) can be fetched as a
 * user's code would fetch it.
 */
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { createIdentityApp } from '../../src/identity/app.js';
import type { TestDatabase } from './db.js';
import { testConfig } from './identity.js';

/** A port free on loopback a moment ago. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A listening identity API of one test file. */
export interface ListeningIdentity {
  readonly app: FastifyInstance;
  /** `ISSUER`, which is also where the API listens. */
  readonly issuer: string;
}

/** Start the identity API on `tdb` in beforeAll, listening where its ISSUER says; close it in afterAll. */
export function withListeningIdentity(tdb: TestDatabase): ListeningIdentity {
  let app: FastifyInstance | undefined;
  let issuer = '';
  beforeAll(async () => {
    const port = await freeLoopbackPort();
    issuer = `http://127.0.0.1:${port}`;
    app = await createIdentityApp({ config: testConfig(tdb, { ISSUER: issuer }), db: tdb.db, logger: false });
    await app.listen({ host: '127.0.0.1', port });
  });
  afterAll(async () => {
    await app?.close();
  });
  return {
    get app() {
      if (app === undefined) throw new Error('withListeningIdentity: the app exists only between beforeAll and afterAll');
      return app;
    },
    get issuer() {
      return issuer;
    },
  };
}
