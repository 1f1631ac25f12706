/**
 * @module static-tokens: the clients of `auth.clients` by the SHA-256 of their token. A request's token is hashed
 * once and looked up; the stored digest is then compared in constant time, so that neither a token's contents nor its
 * length show in how long a refusal takes (a lookup keyed by a hash reveals nothing an attacker could steer).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthClientConfig } from '../config/index.js';
import { ADMIN_TOKEN_CLIENT, type Identity } from './identity.js';

interface Entry {
  digest: Buffer;
  identity: Identity;
}

export class StaticTokens {
  private readonly byHash = new Map<string, Entry>();
  private adminHash: string | undefined;
  private adminToken: string | undefined;

  constructor(clients: Record<string, AuthClientConfig>) {
    for (const c of Object.values(clients)) {
      if (c.token_sha256 === undefined) continue;
      this.byHash.set(c.token_sha256, {
        digest: Buffer.from(c.token_sha256, 'hex'),
        identity: { client: c.name, profiles: c.profiles, admin: c.admin },
      });
    }
  }

  /** The client this token belongs to; `adminToken` is `admin.token`, read on every call (a reload may change it). */
  lookup(token: string, adminToken: string | undefined): Identity | undefined {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    const hex = digest.toString('hex');
    const entry = this.byHash.get(hex);
    if (entry && timingSafeEqual(entry.digest, digest)) return entry.identity;
    if (adminToken !== undefined && this.adminHashOf(adminToken) === hex)
      return { client: ADMIN_TOKEN_CLIENT, profiles: [], admin: true };
    return undefined;
  }

  private adminHashOf(token: string): string {
    if (token !== this.adminToken) {
      this.adminToken = token;
      this.adminHash = createHash('sha256').update(token, 'utf8').digest('hex');
    }
    return this.adminHash!;
  }
}
