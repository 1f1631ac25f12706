/**
 * @module config/auth-schema — the `auth:` and `profiles:` sections of servers.yaml: who may call the gateway
 * (static clients with a token or its SHA-256, JWTs of one issuer) and what each profile lets a client see. Apart from
 * schema.ts so that the backends' schema stays readable; the cross-checks (a client's profiles exist, a profile's
 * backends exist) run once the whole file is read (`checkAuth`).
 */
import { z } from 'zod';
import { fromDigits, fromNull, type IssueParams } from './names.js';

const fromFlag = (v: unknown): unknown => (v === 'true' ? true : v === 'false' ? false : v);
const flag = () => z.preprocess(fromFlag, z.boolean());
const whole = (min: number) =>
  z.preprocess(
    fromDigits,
    z.number().min(min).refine(Number.isSafeInteger, { message: 'must be a whole number' }),
  );

/** Profile and client names appear in URLs (/mcp/p/<profile>) and logs: the backend alphabet. */
export const AUTH_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const name = z.string().regex(AUTH_NAME_PATTERN, {
  message: `must match ${AUTH_NAME_PATTERN.source} (lowercase letters, digits, "_" and "-")`,
});

/** Endpoints that may be opened to callers without a credential (`/livez` and `/readyz` always are). */
export const PUBLIC_ENDPOINTS = ['health', 'metrics'] as const;
export const SURFACES = ['meta', 'flat'] as const;

const ClientSchema = z.strictObject({
  token: z.string().min(16, { message: 'must be at least 16 characters (a long random string)' }).optional(),
  token_sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { message: 'must be the SHA-256 of the token as 64 hex digits' })
    .optional(),
  profile: name.optional(),
  profiles: z.preprocess(fromNull, z.array(name).min(1).optional()),
  admin: flag().optional(),
});

const JwtSchema = z.strictObject({
  issuer: z.string().min(1),
  audience: z.string().min(1),
  jwks_url: z.string().refine((v) => /^https?:\/\//.test(v) && URL.canParse(v), {
    message: 'must be an http:// or https:// URL',
  }),
  client_claim: z.string().min(1).optional(),
  profile_claim: z.string().min(1).optional(),
});

const AuthObjectSchema = z.strictObject({
  clients: z.preprocess(fromNull, z.record(name, ClientSchema).optional()),
  jwt: JwtSchema.optional(),
  public: z.preprocess(fromNull, z.array(z.enum(PUBLIC_ENDPOINTS)).optional()),
  max_sessions_per_client: whole(1).optional(),
  requests_per_second: whole(1).optional(),
});

/** `auth: none` says, on purpose, that a gateway listening beyond loopback needs no credential. */
export const AuthSchema = z.preprocess(fromNull, z.union([z.literal('none'), AuthObjectSchema]).optional());

const glob = z.string().regex(/^[^\s]+\/[^\s]+$/, {
  message: 'must be a "server/tool" pattern such as "github/*" ("*" matches any characters)',
});

export const ProfileSchema = z.strictObject({
  backends: z.preprocess(fromNull, z.array(z.string().min(1)).optional()),
  tools: z.preprocess(
    fromNull,
    z
      .strictObject({
        allow: z.preprocess(fromNull, z.array(glob).optional()),
        deny: z.preprocess(fromNull, z.array(glob).optional()),
      })
      .optional(),
  ),
  surface: z.enum(SURFACES).optional(),
});

export const ProfilesSchema = z.preprocess(fromNull, z.record(name, ProfileSchema).optional());

export type AuthEntry = z.output<typeof AuthSchema>;
export type ProfileEntry = z.output<typeof ProfileSchema>;

/** Keys of a client entry and of a profile, for "did you mean" suggestions. */
export const CLIENT_KEYS: readonly string[] = Object.keys(ClientSchema.shape);
export const PROFILE_KEYS: readonly string[] = Object.keys(ProfileSchema.shape);

/** The rules that span sections: run on the whole file, after each part was read. */
export function checkAuth(file: unknown, ctx: z.RefinementCtx): void {
  if (file === null || typeof file !== 'object') return;
  const f = file as Record<string, unknown>;
  const profiles = isRecord(f.profiles) ? f.profiles : {};
  const backends = isRecord(f.backends) ? Object.keys(f.backends) : [];
  const issue = (path: Array<string | number>, message: string, params: IssueParams = {}) =>
    ctx.addIssue({ code: 'custom', path, message, params });

  for (const [profileName, profile] of Object.entries(profiles)) {
    if (!isRecord(profile) || !Array.isArray(profile.backends)) continue;
    profile.backends.forEach((b, i) => {
      if (typeof b === 'string' && !backends.includes(b) && b !== 'pipelines')
        issue(['profiles', profileName, 'backends', i], `unknown backend "${b}"`);
    });
  }

  if (!isRecord(f.auth)) return;
  const auth = f.auth;
  const hasJwt = auth.jwt !== undefined;
  if (!isRecord(auth.clients) && !hasJwt) {
    issue(['auth'], 'needs clients: or jwt: (or write "auth: none" to serve without authentication)', {
      at: 'key',
    });
  }
  for (const [clientName, client] of Object.entries(isRecord(auth.clients) ? auth.clients : {})) {
    if (!isRecord(client)) continue;
    const at = ['auth', 'clients', clientName];
    if (client.token !== undefined && client.token_sha256 !== undefined)
      issue([...at, 'token_sha256'], 'set either token or token_sha256, not both', { at: 'key' });
    if (client.token === undefined && client.token_sha256 === undefined && !hasJwt)
      issue(at, 'needs token or token_sha256', { at: 'key' });
    if (client.profile !== undefined && client.profiles !== undefined)
      issue([...at, 'profiles'], 'set either profile or profiles, not both', { at: 'key' });
    const named = [client.profile, ...(Array.isArray(client.profiles) ? client.profiles : [])];
    named.forEach((p) => {
      if (typeof p === 'string' && !(p in profiles))
        issue([...at, client.profile === p ? 'profile' : 'profiles'], `unknown profile "${p}"`);
    });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
