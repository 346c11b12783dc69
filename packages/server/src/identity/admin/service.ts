/**
 * Client administration: the rules behind both the admin API (`/admin/v1/clients`) and the
 * `clients` CLI commands, so they behave the same.
 *
 * A client secret is shown once, when created or rotated: Basic secrets are stored only as
 * a scrypt hash, HMAC secrets encrypted with the master key (they must be read back to
 * check signatures).
 */
import type { Clock } from '../../lib/clock.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../lib/oauth-error.js';
import { randomToken } from '../../lib/random-token.js';
import type { SecretBox } from '../../lib/secret-box.js';
import { hashSecret } from '../../lib/secret-hash.js';
import { findClient, insertClient, listClients, updateClient, type ClientPatch, type ClientRecord } from '../../storage/clients-repository.js';
import { isUniqueViolation } from '../../storage/database.js';
import type { AuthMethod, ClientStatus, Database } from '../../storage/schema.js';
import { clientSecretContext } from '../../lib/secret-context.js';

/** Client ids go into AAD strings (`|`-separated) and Basic credentials (`:`-separated): neither is allowed. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** RFC 6749 section 3.3 scope-token: visible ASCII but `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
/** An audience: visible ASCII, no spaces (it is compared as an exact string). */
const AUDIENCE = /^[\x21-\x7e]{1,256}$/;
/** A supplied secret: at least 32 visible ASCII characters (generated ones carry 256 bits). */
const SUPPLIED_SECRET = /^[\x20-\x7e]{32,512}$/;
/** Longest refresh grace window a client may have, in seconds (also REFRESH_GRACE_SECONDS' bound). */
export const MAX_REFRESH_GRACE_SECONDS = 600;

/** A client as the admin API and CLI show it: never its secret. */
export interface ClientView {
  client_id: string;
  name: string;
  auth_method: AuthMethod;
  scopes: string[];
  audiences: string[];
  status: ClientStatus;
  /** Seconds a just-rotated refresh token may be presented again (docs/tokens.md); `null`: the server's REFRESH_GRACE_SECONDS. */
  refresh_grace_seconds: number | null;
  created_at: string;
  updated_at: string;
}

/** A client with its new secret, shown once. */
export interface ClientWithSecret extends ClientView {
  client_secret: string;
}

/** What creating a client takes. */
export interface CreateClientInput {
  /** Generated (`c-` + random) when absent. */
  clientId?: string | undefined;
  name: string;
  authMethod: AuthMethod;
  scopes: string[];
  audiences: string[];
  /** Generated (256 random bits) when absent. */
  secret?: string | undefined;
  /** Refresh grace window in seconds; `null` or absent: the server's default. */
  refreshGraceSec?: number | null | undefined;
}

/** What an update may change. */
export interface UpdateClientInput {
  name?: string | undefined;
  scopes?: string[] | undefined;
  audiences?: string[] | undefined;
  status?: ClientStatus | undefined;
  /** Refresh grace window in seconds; `null` returns to the server's default. */
  refreshGraceSec?: number | null | undefined;
}

/** Options of {@link ClientAdminService}. */
export interface ClientAdminServiceOptions {
  db: Database;
  secretBox: SecretBox;
  clock: Clock;
  /** Called after a client's secret or status changed, so cached credentials are dropped. */
  onCredentialsChanged?: (clientId: string) => void;
}

/**
 * @example
 * ```ts
 * const admin = new ClientAdminService({ db, secretBox, clock });
 * const { client_id, client_secret } = await admin.create({ name: 'Orders', authMethod: 'basic', scopes: ['orders.read'], audiences: ['orders-api'] });
 * ```
 */
export class ClientAdminService {
  private readonly opts: ClientAdminServiceOptions;

  constructor(options: ClientAdminServiceOptions) {
    this.opts = options;
  }

  /** Register a client. @throws InvalidRequestError (bad field), ConflictError (409, id taken) */
  async create(input: CreateClientInput): Promise<ClientWithSecret> {
    const clientId = input.clientId ?? `c-${randomToken(12).replace(/[_-]/g, 'x')}`;
    if (!CLIENT_ID_PATTERN.test(clientId)) {
      throw new InvalidRequestError('client_id must be 1-64 characters of A-Z a-z 0-9 . _ - and start with a letter or digit.');
    }
    if (input.authMethod !== 'basic' && input.authMethod !== 'hmac') throw new InvalidRequestError('auth_method must be "basic" or "hmac".');
    const name = checkName(input.name);
    const scopes = checkScopes(input.scopes);
    const audiences = checkAudiences(input.audiences);
    const secret = input.secret ?? randomToken(32);
    if (input.secret !== undefined) checkSuppliedSecret(input.secret);
    const refreshGraceSec = checkRefreshGrace(input.refreshGraceSec ?? null);
    const now = this.opts.clock.now();
    const record: ClientRecord = {
      id: clientId,
      name,
      authMethod: input.authMethod,
      ...(await this.storedSecret(clientId, input.authMethod, secret)),
      scopes,
      audiences,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      refreshGraceSec,
    };
    try {
      await insertClient(this.opts.db, record);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A client with id "${clientId}" already exists.`);
      throw err;
    }
    return { ...view(record), client_secret: secret };
  }

  /** Every client, by id. */
  async list(): Promise<ClientView[]> {
    return (await listClients(this.opts.db)).map(view);
  }

  /** One client. @throws NotFoundError */
  async get(clientId: string): Promise<ClientView> {
    return view(await this.existing(clientId));
  }

  /** `true` when a client with this id exists. */
  async exists(clientId: string): Promise<boolean> {
    return (await findClient(this.opts.db, clientId)) !== undefined;
  }

  /** Change name, scopes, audiences or status. @throws NotFoundError, InvalidRequestError */
  async update(clientId: string, input: UpdateClientInput): Promise<ClientView> {
    const patch: ClientPatch = {};
    if (input.name !== undefined) patch.name = checkName(input.name);
    if (input.scopes !== undefined) patch.scopes = checkScopes(input.scopes);
    if (input.audiences !== undefined) patch.audiences = checkAudiences(input.audiences);
    if (input.status !== undefined) {
      if (input.status !== 'active' && input.status !== 'disabled') throw new InvalidRequestError('status must be "active" or "disabled".');
      patch.status = input.status;
    }
    if (input.refreshGraceSec !== undefined) patch.refreshGraceSec = checkRefreshGrace(input.refreshGraceSec);
    const updated = await updateClient(this.opts.db, clientId, patch, this.opts.clock.now());
    if (updated === undefined) throw notFound(clientId);
    if (input.status !== undefined) this.opts.onCredentialsChanged?.(clientId);
    return view(updated);
  }

  /** Replace the secret; the old one stops working at once. @throws NotFoundError, InvalidRequestError */
  async rotateSecret(clientId: string, suppliedSecret?: string): Promise<ClientWithSecret> {
    if (suppliedSecret !== undefined) checkSuppliedSecret(suppliedSecret);
    const client = await this.existing(clientId);
    const secret = suppliedSecret ?? randomToken(32);
    const updated = await updateClient(this.opts.db, clientId, await this.storedSecret(clientId, client.authMethod, secret), this.opts.clock.now());
    if (updated === undefined) throw notFound(clientId);
    this.opts.onCredentialsChanged?.(clientId);
    return { ...view(updated), client_secret: secret };
  }

  /** Disable a client: its authentication and every bearer it holds are refused from now on. */
  async disable(clientId: string): Promise<ClientView> {
    return this.update(clientId, { status: 'disabled' });
  }

  private async existing(clientId: string): Promise<ClientRecord> {
    const client = await findClient(this.opts.db, clientId);
    if (client === undefined) throw notFound(clientId);
    return client;
  }

  private async storedSecret(clientId: string, method: AuthMethod, secret: string): Promise<{ secretHash: string | null; secretBox: string | null }> {
    const bytes = Buffer.from(secret, 'utf8');
    try {
      return method === 'basic'
        ? { secretHash: await hashSecret(bytes), secretBox: null }
        : { secretHash: null, secretBox: this.opts.secretBox.seal(bytes, clientSecretContext(clientId)) };
    } finally {
      bytes.fill(0);
    }
  }
}

function view(client: ClientRecord): ClientView {
  return {
    client_id: client.id,
    name: client.name,
    auth_method: client.authMethod,
    scopes: client.scopes,
    audiences: client.audiences,
    status: client.status,
    refresh_grace_seconds: client.refreshGraceSec,
    created_at: new Date(client.createdAt).toISOString(),
    updated_at: new Date(client.updatedAt).toISOString(),
  };
}

function notFound(clientId: string): NotFoundError {
  return new NotFoundError(`No client with id "${clientId}".`);
}

function checkName(name: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed.length < 1 || trimmed.length > 200) throw new InvalidRequestError('name must be 1-200 characters.');
  return trimmed;
}

function checkScopes(scopes: string[]): string[] {
  if (!Array.isArray(scopes) || scopes.length > 100 || !scopes.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))) {
    throw new InvalidRequestError('scopes must be a list of at most 100 scope tokens (visible ASCII, no spaces, quotes or backslashes).');
  }
  return [...new Set(scopes)];
}

function checkAudiences(audiences: string[]): string[] {
  if (!Array.isArray(audiences) || audiences.length > 100 || !audiences.every((a) => typeof a === 'string' && AUDIENCE.test(a))) {
    throw new InvalidRequestError('audiences must be a list of at most 100 strings of visible ASCII without spaces.');
  }
  return [...new Set(audiences)];
}

function checkRefreshGrace(seconds: number | null): number | null {
  if (seconds === null) return null;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_REFRESH_GRACE_SECONDS) {
    throw new InvalidRequestError(`refresh_grace_seconds must be an integer from 0 to ${MAX_REFRESH_GRACE_SECONDS}, or null for the server's default.`);
  }
  return seconds;
}

function checkSuppliedSecret(secret: string): void {
  if (typeof secret !== 'string' || !SUPPLIED_SECRET.test(secret)) {
    throw new InvalidRequestError('client_secret must be 32-512 printable ASCII characters.');
  }
}
