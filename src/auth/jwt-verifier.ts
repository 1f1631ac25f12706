/**
 * @module jwt-verifier: OAuth 2.1 access tokens (JWTs) checked as a resource server does: signature against the
 * issuer's JWKS (fetched, cached and refreshed by jose, and fetched again when a token names a key it has not seen),
 * issuer, audience, expiry. A verified token is remembered by its SHA-256 until it expires, so that the next requests
 * with it (the fast path's) cost one hash and a map lookup, not a signature check.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { AuthClientConfig, JwtConfig } from '../config/index.js';
import type { AuthDecision, Identity } from './identity.js';

/** Verified tokens remembered at most (oldest dropped first): bounds memory under many distinct tokens. */
const MAX_REMEMBERED = 10_000;
/** Keys are refetched at least this often, and at most this often on an unknown key id. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
const JWKS_COOLDOWN_MS = 30_000;

interface Remembered {
  identity: Identity;
  /** ms since the epoch; past it the token is verified again (and refused). */
  expires: number;
}

export class JwtVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly verified = new Map<string, Remembered>();

  constructor(
    private readonly config: JwtConfig,
    private readonly clients: Record<string, AuthClientConfig>,
    private readonly profiles: ReadonlySet<string>,
  ) {
    this.keys = createRemoteJWKSet(new URL(config.jwks_url), {
      cacheMaxAge: JWKS_MAX_AGE_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
    });
  }

  /** Whether the token looks like a JWT at all (three base64url parts), so static tokens never reach jose. */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
  }

  /** A token verified before and not expired since; undefined: verify() must judge it. */
  remembered(token: string): Identity | undefined {
    const key = hashOf(token);
    const hit = this.verified.get(key);
    if (!hit) return undefined;
    if (Date.now() < hit.expires) return hit.identity;
    this.verified.delete(key);
    return undefined;
  }

  async verify(token: string): Promise<AuthDecision> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
      }));
    } catch (error) {
      // jose's messages name the failed check ("exp" claim timestamp check failed, unexpected "aud" claim value…).
      const why = error instanceof Error ? error.message : String(error);
      return refuse(401, 'unauthorized', `Unauthorized: the access token was refused (${why})`);
    }
    const decided = this.identityOf(payload);
    if (decided.ok) this.remember(token, decided.identity, payload.exp);
    return decided;
  }

  private identityOf(payload: JWTPayload): AuthDecision {
    const client = payload[this.config.client_claim];
    if (typeof client !== 'string' || client === '')
      return refuse(
        403,
        'forbidden',
        `Forbidden: the access token has no "${this.config.client_claim}" claim`,
      );
    const entry = this.clients[client];
    let profiles: string[] = entry?.profiles ?? [];
    const claim = this.config.profile_claim;
    if (claim !== undefined && payload[claim] !== undefined) {
      const named = ([] as unknown[])
        .concat(payload[claim])
        .filter((p): p is string => typeof p === 'string');
      const known = named.filter((p) => this.profiles.has(p));
      if (known.length === 0)
        return refuse(
          403,
          'forbidden',
          `Forbidden: the access token's "${claim}" names no configured profile`,
        );
      profiles = known;
    }
    return { ok: true, identity: { client, profiles, admin: entry?.admin ?? false } };
  }

  private remember(token: string, identity: Identity, exp: number | undefined): void {
    // Without an expiry the token is checked every time: nothing says until when it holds.
    if (exp === undefined) return;
    if (this.verified.size >= MAX_REMEMBERED) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(hashOf(token), { identity, expires: exp * 1000 });
  }
}

function hashOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function refuse(status: 401 | 403, code: 'unauthorized' | 'forbidden', message: string): AuthDecision {
  return { ok: false, status, code, message };
}
