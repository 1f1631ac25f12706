/**
 * @module config/names — what the schema's parts share: the backend-name rule, the name the gateway keeps for itself,
 * and the hints a finding carries about where it should point. Apart from schema.ts so that pipeline-schema.ts can
 * use them without an import circle.
 */

/** Backend names appear in URLs (/mcp/<name>) and metric labels, so they are kept to a safe alphabet. */
export const BACKEND_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const BACKEND_NAME_RULE =
  `must match ${BACKEND_NAME_PATTERN.source} (lowercase letters, digits, "_" and "-", starting with a letter ` +
  'or digit, at most 64 characters) because it appears in URLs and metric labels';

/**
 * The virtual backend whose tools are the configured pipelines (/mcp/pipelines, `server: pipelines`). Reserved even
 * when no pipeline is declared, so that adding the first one never changes what an existing name means.
 */
export const PIPELINES_BACKEND = 'pipelines';

/** Paths under /mcp/ that the gateway serves itself: no backend may take them. */
export const RESERVED_NAMES: readonly string[] = ['admin', 'flat', 'p', PIPELINES_BACKEND];

/**
 * Where a finding should point. `key` points at the key of the issue's path (for unknown or
 * misplaced keys, and, with the parent's path, for missing ones); `value` (the default) at the value.
 */
export interface IssueParams {
  at?: 'key' | 'value';
  /** Lets the reporter drop "needs command or http_url" when a typo of either key explains it. */
  kind?: 'missing-endpoint';
}

// ${VAR} expansion always yields strings, so `port: ${PORT:-39400}` must work: number and boolean
// fields also take their plain string spellings. Anything else still fails with a typed message.
export const fromDigits = (v: unknown): unknown =>
  typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
// A mapping whose entries are all commented out parses as null; treat it as empty, not as an error.
export const fromNull = (v: unknown): unknown => (v === null ? undefined : v);
