/**
 * @module import/secrets: which imported values look like literal credentials. Client files often hold API keys in
 * clear; the import keeps them (the backend must keep working) but says where they are and which `${VAR}` to write
 * instead, so that servers.yaml can be shared or committed without them. Values are never printed.
 */

/** Prefixes of well-known token formats (OpenAI/Anthropic, GitHub, GitLab, Slack, AWS, Google, npm, Hugging Face…). */
const TOKEN_PREFIX =
  /^(sk-|sk_|pk_live|rk_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[abprs]-|AKIA|ASIA|AIza|ya29\.|eyJ|npm_|pypi-|hf_|shpat_|lin_api_|SG\.|whsec_|ntn_|secret_)/;
/** Names under which credentials travel. */
const SECRET_NAME =
  /(token|secret|api[_-]?key|apikey|password|passwd|credential|auth|cookie|private[_-]?key)/i;
/** A long run of token characters with letters and digits: a random key whatever it is called. */
const RANDOM = /^(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9_\-.+/=]{24,}$/;

/** Whether `value`, found under `name`, is a credential written out rather than a `${VAR}` reference. */
export function looksLikeLiteralSecret(name: string, value: string): boolean {
  if (value.includes('${')) return false;
  const token = value.replace(/^(Bearer|Basic|Token|Bot)\s+/i, '').trim();
  if (token.length < 8 || /\s/.test(token)) return false;
  // Paths and URLs are settings, not secrets, even under a name like AUTH_URL.
  if (token.startsWith('/') || token.startsWith('~') || token.includes('://')) return false;
  if (TOKEN_PREFIX.test(token)) return true;
  if (RANDOM.test(token) && !token.includes('/')) return true;
  return SECRET_NAME.test(name) && !/^(true|false|\d+)$/i.test(token);
}

/** An environment variable name for a header's credential: `notion` + `Authorization` → `NOTION_TOKEN`. */
export function variableFor(backend: string, name: string): string {
  const words = /^authorization$/i.test(name) ? 'token' : name;
  return `${backend}_${words}`
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/** The header value with its credential replaced by a reference, keeping the scheme: `Bearer ${NOTION_TOKEN}`. */
export function headerTemplate(value: string, variable: string): string {
  const scheme = /^(Bearer|Basic|Token|Bot)\s+/i.exec(value)?.[0] ?? '';
  return `${scheme}\${${variable}}`;
}
