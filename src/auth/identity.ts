/**
 * @module identity: who is calling, as the authentication decided it, and the profiles the credential lets it use.
 */

export interface Identity {
  /** The client's name: a key of `auth.clients`, the JWT's client claim, or ADMIN_TOKEN_CLIENT. */
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

/** The name the admin token's caller gets: outside the client-name alphabet, so that no configured client shares its sessions or rate. */
export const ADMIN_TOKEN_CLIENT = '(admin token)';

export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')?.[1];
}
