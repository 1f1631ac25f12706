/**
 * @module authenticator: the one decision on who is calling, and which profile a request is served with. Pure of
 * HTTP: it takes the Authorization header's text and answers with an identity or a refusal. `quick` decides without
 * waiting (static tokens, the admin token, JWTs verified before): that is all the fast path may spend; `decide` also
 * verifies a new JWT.
 */
import type { GatewayConfig } from '../config/index.js';
import { FULL_ACCESS, compileAccess, type Access } from './access.js';
import { bearerToken, type AuthDecision, type Identity } from './identity.js';
import { JwtVerifier } from './jwt-verifier.js';
import { RateLimiter } from './rate-limiter.js';
import { StaticTokens } from './static-tokens.js';

export type AccessDecision =
  | { ok: true; access: Access }
  | { ok: false; status: 403 | 404; code: 'forbidden' | 'not_found'; message: string };

export interface Authenticator {
  /** Credentials are required (an `auth:` section with clients or jwt). */
  readonly required: boolean;
  readonly config: GatewayConfig['auth'];
  readonly limiter: RateLimiter;
  /** Decides without waiting; undefined when only `decide` can (a JWT not seen before). */
  quick(header: string | undefined): AuthDecision | undefined;
  decide(header: string | undefined): Promise<AuthDecision>;
  /**
   * The access a request is served with: the named profile (from /mcp/p/<name>) if the identity may use it, else the
   * identity's default profile; the whole gateway for a caller without profiles (or without auth).
   */
  access(identity: Identity | undefined, profile?: string): AccessDecision;
  /** The configured profile names, sorted. */
  readonly profileNames: readonly string[];
}

const MISSING: AuthDecision = {
  ok: false,
  status: 401,
  code: 'unauthorized',
  message: 'Unauthorized: send a credential as "Authorization: Bearer <token>"',
};
const WRONG: AuthDecision = {
  ok: false,
  status: 401,
  code: 'unauthorized',
  message: 'Unauthorized: the bearer token is not valid for this gateway',
};

export function createAuthenticator(
  config: Pick<GatewayConfig, 'auth' | 'profiles'>,
  /** `admin.token`, read on every request: a reload may set, change or remove it. */
  adminToken: () => string | undefined,
): Authenticator {
  const { auth } = config;
  const profiles = new Map(Object.values(config.profiles).map((p) => [p.name, compileAccess(p)]));
  const profileNames = [...profiles.keys()].sort();
  const tokens = new StaticTokens(auth.clients);
  const jwt = auth.jwt ? new JwtVerifier(auth.jwt, auth.clients, new Set(profiles.keys())) : undefined;

  function quick(header: string | undefined): AuthDecision | undefined {
    const token = bearerToken(header);
    if (token === undefined) return MISSING;
    const identity = tokens.lookup(token, adminToken()) ?? jwt?.remembered(token);
    if (identity) return { ok: true, identity };
    return jwt && JwtVerifier.looksLikeJwt(token) ? undefined : WRONG;
  }

  return {
    required: auth.mode === 'on',
    config: auth,
    limiter: new RateLimiter(auth.requests_per_second),
    profileNames,
    quick,
    async decide(header) {
      const decided = quick(header);
      if (decided) return decided;
      return jwt!.verify(bearerToken(header)!);
    },
    access(identity, profile) {
      const allowed = identity?.profiles;
      if (profile === undefined) {
        const first = allowed?.[0];
        return { ok: true, access: first === undefined ? FULL_ACCESS : profiles.get(first)! };
      }
      const access = profiles.get(profile);
      if (!access) {
        const names = profileNames.filter(
          (p) => allowed === undefined || allowed.length === 0 || allowed.includes(p),
        );
        return {
          ok: false,
          status: 404,
          code: 'not_found',
          message: `unknown profile "${profile}"; profiles: ${names.join(', ') || '(none)'}`,
        };
      }
      // A caller without profiles has the whole gateway, every profile's view included.
      if (allowed !== undefined && allowed.length > 0 && !allowed.includes(profile)) {
        return {
          ok: false,
          status: 403,
          code: 'forbidden',
          message: `Forbidden: this credential may use the profiles ${allowed.join(', ')}, not "${profile}"`,
        };
      }
      return { ok: true, access };
    },
  };
}
