/**
 * @module identity: who is calling, as the authentication decided it, and the profiles the credential lets it use.
 */

export interface Identity {
  /** The client's name: a key of `auth.clients`, the JWT's client claim, or `admin` for the admin token. */
  readonly client: string;
  /** The profiles it may use, its default first; empty: the whole gateway. */
  readonly profiles: readonly string[];
  /** May use /api/v1 and /mcp/admin. */
  readonly admin: boolean;
}

/** The outcome of checking a request's credential. */
export type AuthDecision =
  | { ok: true; identity: Identity }
  | { ok: false; status: 401 | 403; code: 'unauthorized' | 'forbidden'; message: string };

/** The name the admin token's caller gets (the admin token predates named clients). */
export const ADMIN_TOKEN_CLIENT = 'admin';

export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1];
}
