/**
 * @module config/normalize-auth — the `auth:` and `profiles:` sections as the gateway runs on them: tokens hashed at
 * once (the plain token is never kept past loading, so nothing downstream can log or compare it), defaults filled.
 */
import { createHash } from 'node:crypto';
import type { AuthEntry, ProfileEntry } from './auth-schema.js';
import { CONFIG_DEFAULTS } from './defaults.js';
import type { AuthClientConfig, AuthConfig, ProfileConfig } from './types.js';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function normalizeAuth(entry: AuthEntry): AuthConfig {
  const defaults = {
    clients: {},
    jwt: undefined,
    public: [],
    max_sessions_per_client: CONFIG_DEFAULTS.auth.max_sessions_per_client,
    requests_per_second: CONFIG_DEFAULTS.auth.requests_per_second,
  };
  if (entry === undefined) return { mode: 'off', ...defaults };
  if (entry === 'none') return { mode: 'none', ...defaults };
  const clients: Record<string, AuthClientConfig> = {};
  for (const [name, c] of Object.entries(entry.clients ?? {})) {
    const hash = c.token !== undefined ? sha256Hex(c.token) : c.token_sha256?.toLowerCase();
    clients[name] = {
      name,
      token_sha256: hash,
      profiles: c.profiles ?? (c.profile !== undefined ? [c.profile] : []),
      admin: c.admin ?? false,
    };
  }
  const jwt = entry.jwt && {
    issuer: entry.jwt.issuer,
    audience: entry.jwt.audience,
    jwks_url: entry.jwt.jwks_url,
    client_claim: entry.jwt.client_claim ?? CONFIG_DEFAULTS.auth.client_claim,
    profile_claim: entry.jwt.profile_claim,
  };
  return {
    mode: 'on',
    clients,
    jwt,
    public: [...new Set(entry.public ?? [])].sort(),
    max_sessions_per_client: entry.max_sessions_per_client ?? defaults.max_sessions_per_client,
    requests_per_second: entry.requests_per_second ?? defaults.requests_per_second,
  };
}

export function normalizeProfiles(
  entries: Record<string, ProfileEntry> | undefined,
): Record<string, ProfileConfig> {
  const profiles: Record<string, ProfileConfig> = {};
  for (const [name, p] of Object.entries(entries ?? {})) {
    profiles[name] = {
      name,
      backends: p.backends,
      allow: p.tools?.allow,
      deny: p.tools?.deny ?? [],
      surface: p.surface ?? 'meta',
    };
  }
  return profiles;
}
