/**
 * The scaled shape as an operator runs it, for the process-level tests: the environment of
 * the `idsvc identity` and `idsvc sidecar` processes, client registration through the admin
 * API, and plain HTTP calls to either service.
 */
import { randomBytes } from 'node:crypto';
import { WireClient, httpTransport } from '../../helpers/wire-client.js';

/** Secrets shared by every process of one shape (they must agree on all three). */
export interface ShapeSecrets {
  MASTER_KEY: string;
  ADMIN_TOKEN: string;
  INTERNAL_SECRET: string;
}

export function newSecrets(): ShapeSecrets {
  return {
    MASTER_KEY: randomBytes(32).toString('base64'),
    ADMIN_TOKEN: `admin-${randomBytes(24).toString('hex')}`,
    INTERNAL_SECRET: `internal-${randomBytes(24).toString('hex')}`,
  };
}

/** Production mode on loopback, free ports unless given; `extra` adds or overrides. */
export function processEnv(secrets: ShapeSecrets, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MODE: 'production',
    LOG_LEVEL: 'warn',
    ...secrets,
    IDENTITY_HOST: '127.0.0.1',
    IDENTITY_PORT: '0',
    SIDECAR_HOST: '127.0.0.1',
    SIDECAR_PORT: '0',
    ...extra,
  };
}

/** A client registered through the admin API of a running identity API. */
export interface RegisteredClient {
  id: string;
  secret: string;
}

/** `POST /admin/v1/clients`: a Basic (or HMAC) client allowed `orders.read orders.write` on `orders-api`. */
export async function createClient(identityUrl: string, adminToken: string, authMethod: 'basic' | 'hmac' = 'basic'): Promise<RegisteredClient> {
  const response = await fetch(new URL('/admin/v1/clients', identityUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ name: 'ops test client', auth_method: authMethod, scopes: ['orders.read', 'orders.write'], audiences: ['orders-api'] }),
  });
  const body = (await response.json()) as { client_id: string; client_secret: string };
  if (response.status !== 201) throw new Error(`client creation answered ${response.status}: ${JSON.stringify(body)}`);
  return { id: body.client_id, secret: body.client_secret };
}

/** A wire client of `clientId` talking to the sidecar at `sidecarUrl` over HTTP. */
export function wireAt(sidecarUrl: string, clientId: string): WireClient {
  return new WireClient({ transport: httpTransport(sidecarUrl), clientId });
}

/** GET a JSON document; the status and the parsed body. */
export async function getJson(baseUrl: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(path, baseUrl));
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

/** POST JSON straight to the identity API (not through a sidecar). */
export async function postJson(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(path, baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
