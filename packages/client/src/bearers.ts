/**
 * The access tokens a client can present as its bearer, kept per subject: the latest one
 * issued or rotated through the client (or handed to it for an authenticated session),
 * forgotten once it expires, is revoked, or its family dies. An authenticated session is
 * renewed with what this holds now, never with the token it was first opened with.
 */
import { decodeBase64 } from '@idsvc/protocol/web';

/** What the client knows of one subject's current tokens. */
interface Held {
  accessToken: string;
  /** The refresh token of the same family, when the client saw one. */
  refreshToken: string | undefined;
  /** When the access token expires, in ms by the client's clock; undefined when unknown. */
  expiresAt: number | undefined;
}

/** A bearer this close to its expiry is not offered: it could die on the way. */
const SAFETY_MS = 2_000;

const utf8 = new TextDecoder();

/**
 * The `sub` and `exp` of a JWT access token, read without verifying it: they only choose
 * which bearer to offer, and the service checks whatever is offered.
 */
export function peekClaims(token: string): { sub?: string; exp?: number } {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const claims = JSON.parse(utf8.decode(decodeBase64(toBase64(payload)))) as Record<string, unknown>;
    return {
      ...(typeof claims['sub'] === 'string' ? { sub: claims['sub'] } : {}),
      ...(typeof claims['exp'] === 'number' ? { exp: claims['exp'] } : {}),
    };
  } catch {
    return {};
  }
}

export class BearerTracker {
  readonly #held = new Map<string, Held>();

  /**
   * Remember new tokens (an issue or a rotation answer) as `subject`'s current ones.
   * `expiresInSec` is the answer's `expires_in`.
   */
  remember(subject: string, tokens: { accessToken: string; refreshToken?: string | undefined; expiresInSec?: number | undefined }, now: number): void {
    const exp = tokens.expiresInSec !== undefined ? now + tokens.expiresInSec * 1000 : expiryOf(tokens.accessToken);
    const previous = this.#held.get(subject);
    const refreshToken = tokens.refreshToken ?? (previous?.accessToken === tokens.accessToken ? previous.refreshToken : undefined);
    this.#held.set(subject, { accessToken: tokens.accessToken, refreshToken, expiresAt: exp });
  }

  /** Record a rotation: the tokens that replaced `spent`'s family's, for whichever subject held it. */
  rotated(spent: { refreshToken: string; accessToken: string }, tokens: { accessToken: string; refreshToken?: string | undefined; expiresInSec?: number | undefined }, now: number): void {
    const subject = this.#subjectOf(spent.refreshToken) ?? this.#subjectOf(spent.accessToken) ?? peekClaims(tokens.accessToken).sub;
    if (subject !== undefined) this.remember(subject, tokens, now);
  }

  /** A live access token of `subject`, or of any subject when `subject` is undefined (most recent first). */
  live(subject: string | undefined, now: number): string | undefined {
    const candidates = subject === undefined ? [...this.#held.values()].reverse() : [this.#held.get(subject)];
    for (const held of candidates) {
      if (held && (held.expiresAt === undefined || held.expiresAt - SAFETY_MS > now)) return held.accessToken;
    }
    return undefined;
  }

  /**
   * Forget whatever `token` belongs to: an access token that died, or a refresh token whose
   * family was revoked or refused. Returns true when the token was held.
   */
  forget(token: string): boolean {
    const subject = this.#subjectOf(token);
    if (subject === undefined) return false;
    this.#held.delete(subject);
    return true;
  }

  clear(): void {
    this.#held.clear();
  }

  #subjectOf(token: string): string | undefined {
    for (const [subject, held] of this.#held) {
      if (held.accessToken === token || held.refreshToken === token) return subject;
    }
    return undefined;
  }
}

function expiryOf(accessToken: string): number | undefined {
  const { exp } = peekClaims(accessToken);
  return exp === undefined ? undefined : exp * 1000;
}

/** base64url (unpadded, as in a JWT) to padded standard base64. */
function toBase64(text: string): string {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  return standard + '='.repeat((4 - (standard.length % 4)) % 4);
}
