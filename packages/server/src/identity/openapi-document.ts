/**
 * The reference OpenAPI document, the one committed as docs/openapi.json: built from an
 * identity API with the default ISSUER and the admin API enabled, on a throwaway in-memory
 * database, so it depends on the code alone.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config.js';
import { createIdentityApp } from './app.js';
import { OPENAPI_PATH } from './openapi.js';

/** The document, as the code's routes describe it. */
export async function referenceOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({
    MODE: 'production',
    LOG_LEVEL: 'silent',
    SQLITE_PATH: ':memory:',
    // Throwaway values: the app needs them to start, and nothing of them reaches the document.
    MASTER_KEY: randomBytes(32).toString('base64'),
    ADMIN_TOKEN: randomBytes(32).toString('hex'),
  });
  const app = await createIdentityApp({ config, logger: false });
  try {
    const res = await app.inject({ method: 'GET', url: OPENAPI_PATH });
    if (res.statusCode !== 200) throw new Error(`${OPENAPI_PATH} answered ${res.statusCode}`);
    return res.json<Record<string, unknown>>();
  } finally {
    await app.close();
  }
}

/** The document as committed: two-space indentation and a final newline. */
export function formatOpenApiDocument(document: Record<string, unknown>): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
