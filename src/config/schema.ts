/** @module config/schema — the zod schema of servers.yaml: the single source of truth for what the file may say. */
import { z } from 'zod';
import {
  BACKEND_NAME_PATTERN,
  BACKEND_NAME_RULE,
  PIPELINES_BACKEND,
  RESERVED_NAMES,
  fromDigits,
  fromNull,
  type IssueParams,
} from './names.js';
import { checkPipelines } from './pipeline-checks.js';
import { PIPELINE_KEYS, PipelineEntrySchema, STEP_KEYS } from './pipeline-schema.js';
import { splitCommand } from './split-command.js';
import { AuthSchema, ProfilesSchema, checkAuth } from './auth-schema.js';

export const TRANSPORTS = ['stdio', 'http', 'sse'] as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const SCOPES = ['shared', 'session'] as const;
/** A backend's protocol era: asked once (`auto`), or stated. */
export const ERAS = ['auto', 'legacy', 'modern'] as const;
/** Where shared state lives: the state directory (one gateway), or Redis (several replicas). */
export const STATE_STORES = ['embedded', 'redis'] as const;
export {
  BACKEND_NAME_PATTERN,
  BACKEND_NAME_RULE,
  PIPELINES_BACKEND,
  RESERVED_NAMES,
  type IssueParams,
} from './names.js';

const fromFlag = (v: unknown): unknown => (v === 'true' ? true : v === 'false' ? false : v);
// YAML turns `--port 8080` list items and env values such as `DEBUG: 1` into numbers; child
// processes and headers only know strings, so scalars are taken as their text.
const fromScalar = (v: unknown): unknown => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);

/**
 * Whole numbers as `number().refine` rather than `z.int()`: an int-format failure aborts the parse
 * of its object, which would silently skip the cross-key checks below and hide other problems.
 */
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    fromDigits,
    z.number().min(min).max(max).refine(Number.isSafeInteger, { message: 'must be a whole number' }),
  );
const seconds = () => whole(0);
const flag = () => z.preprocess(fromFlag, z.boolean());
const text = () => z.preprocess(fromScalar, z.string());

const NO_LINE_BREAKS = /^[^\r\n\0]*$/;
const ENV_NAME = /^[^=\0]+$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const command = z.string().superRefine((line, ctx) => {
  const split = splitCommand(line);
  if (!split.ok) ctx.addIssue({ code: 'custom', message: split.message });
});

const redisUrl = z.string().superRefine((value, ctx) => {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url) ctx.addIssue({ code: 'custom', message: 'is not a valid URL' });
  else if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    ctx.addIssue({ code: 'custom', message: 'must be a redis:// or rediss:// URL' });
});

const httpUrl = z.string().superRefine((value, ctx) => {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url) ctx.addIssue({ code: 'custom', message: 'is not a valid URL' });
  else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
  }
});

/** True for `https://app.example.com`, `http://localhost:3000/` — what a browser sends in Origin. */
export function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.pathname === '/' &&
    !url.search &&
    !url.hash &&
    !url.username &&
    !url.password &&
    // Rejects `https://app.example.com/?` and friends that the URL parser quietly tidies away.
    /^[a-z]+:\/\/[^/?#]+\/?$/i.test(value)
  );
}

const origin = z.string().refine(isOrigin, {
  message: 'must be an origin such as https://app.example.com (scheme, host and optional port; no path)',
});

const BACKEND_SHAPE = {
  transport: z.enum(TRANSPORTS).optional(),
  command: command.optional(),
  args: z.preprocess(fromNull, z.array(text()).optional()),
  env: z.preprocess(
    fromNull,
    z
      .record(
        z
          .string()
          .regex(ENV_NAME, { message: 'environment variable names must be non-empty and without "="' }),
        z.preprocess(
          fromScalar,
          z.string().refine((v) => !v.includes('\0'), { message: 'must not contain a NUL character' }),
        ),
      )
      .optional(),
  ),
  cwd: z.string().min(1).optional(),
  scope: z.enum(SCOPES).optional(),
  http_url: httpUrl.optional(),
  headers: z.preprocess(
    fromNull,
    z
      .record(
        z.string().regex(HEADER_NAME, { message: 'is not a valid HTTP header name' }),
        z.preprocess(
          fromScalar,
          z.string().regex(NO_LINE_BREAKS, { message: 'must not contain line breaks or NUL characters' }),
        ),
      )
      .optional(),
  ),
  description: text().optional(),
  enabled: flag().optional(),
  idle_timeout: seconds().optional(),
  timeout: whole(1).optional(),
  start_timeout: whole(1).optional(),
  warm: flag().optional(),
  stateful: flag().optional(),
  /** HTTP/SSE only: the calling client's Authorization header goes to the backend instead of `headers:`' own. */
  forward_authorization: flag().optional(),
  /**
   * Streamable HTTP only: the protocol era the backend speaks. `auto` (the default) asks it once (`server/discover`)
   * and keeps the answer in the catalog; `legacy` and `modern` skip the question.
   */
  era: z.enum(ERAS).optional(),
};

const STDIO_ONLY = ['args', 'env', 'cwd', 'scope'] as const;

/**
 * Rules that span keys. They run even when a field failed (`when`), so that one run reports every
 * problem; hence the defensive reading of `entry`.
 */
function checkEndpoint(entry: unknown, ctx: z.RefinementCtx): void {
  if (entry === null || typeof entry !== 'object') return;
  const b = entry as Record<string, unknown>;
  const hasCommand = b.command !== undefined;
  const hasUrl = b.http_url !== undefined;
  const issue = (path: string[], message: string, params: IssueParams = {}) =>
    ctx.addIssue({ code: 'custom', path, message, params });

  if (hasCommand && hasUrl) {
    issue(['http_url'], 'set either command (stdio) or http_url (http/sse), not both', { at: 'key' });
    return;
  }
  if (!hasCommand && !hasUrl) {
    issue([], 'needs command (stdio) or http_url (http/sse)', { at: 'key', kind: 'missing-endpoint' });
    return;
  }
  const transport = b.transport;
  if (hasCommand) {
    if (transport === 'http' || transport === 'sse') {
      issue(['transport'], `transport ${transport} needs http_url, but this backend has command`);
    }
    if (b.headers !== undefined) issue(['headers'], 'only applies to http_url backends', { at: 'key' });
    if (b.forward_authorization !== undefined)
      issue(['forward_authorization'], 'only applies to http_url backends', { at: 'key' });
    if (b.era !== undefined && b.era !== 'legacy')
      issue(['era'], 'a command (stdio) backend is legacy: era applies to Streamable HTTP backends', {
        at: 'key',
      });
  } else {
    if (transport === 'stdio')
      issue(['transport'], 'transport stdio needs command, but this backend has http_url');
    const sse =
      transport === 'sse' ||
      (transport === undefined &&
        typeof b.http_url === 'string' &&
        URL.canParse(b.http_url) &&
        new URL(b.http_url).pathname.endsWith('/sse'));
    if (sse && b.era !== undefined && b.era !== 'legacy')
      issue(['era'], 'the HTTP+SSE transport is legacy: era applies to Streamable HTTP backends', {
        at: 'key',
      });
    for (const key of STDIO_ONLY) {
      if (b[key] !== undefined) issue([key], 'only applies to command (stdio) backends', { at: 'key' });
    }
  }
}

export const BackendEntrySchema = z
  .strictObject(BACKEND_SHAPE)
  .superRefine(checkEndpoint, { when: () => true });

// Names are checked here rather than as the record's key schema: zod skips the value of a bad key,
// and we want a bad name and the problems inside that backend reported together.
const backends = z.record(z.string(), BackendEntrySchema).superRefine(
  (entries, ctx) => {
    if (entries === null || typeof entries !== 'object') return;
    for (const name of Object.keys(entries)) {
      if (!BACKEND_NAME_PATTERN.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `backend name ${BACKEND_NAME_RULE}`,
          params: { at: 'key' } satisfies IssueParams,
        });
      } else if (name === PIPELINES_BACKEND) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `backend name "${PIPELINES_BACKEND}" is reserved: it serves the pipelines declared under pipelines: (/mcp/${PIPELINES_BACKEND})`,
          params: { at: 'key' } satisfies IssueParams,
        });
      } else if (RESERVED_NAMES.includes(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `backend name "${name}" is reserved: /mcp/${name} is the gateway's own (reserved: ${RESERVED_NAMES.join(', ')})`,
          params: { at: 'key' } satisfies IssueParams,
        });
      }
    }
  },
  { when: () => true },
);

const ROOT_SHAPE = {
  port: whole(0, 65535).optional(),
  host: z.string().min(1).optional(),
  enable_meta_mcp: flag().optional(),
  idle_timeout: seconds().optional(),
  allowed_hosts: z.preprocess(fromNull, z.array(z.string().min(1)).optional()),
  allowed_origins: z.preprocess(fromNull, z.array(origin).optional()),
  max_body_bytes: whole(1).optional(),
  session_idle_timeout: whole(1).optional(),
  max_sessions: whole(1).optional(),
  max_connections: whole(1).optional(),
  state_dir: z.string().min(1).optional(),
  log_level: z.enum(LOG_LEVELS).optional(),
  admin: z.preprocess(
    fromNull,
    z
      .strictObject({
        token: z
          .string()
          .min(16, { message: 'must be at least 16 characters (a long random string)' })
          .optional(),
        allow_stdio: flag().optional(),
      })
      .optional(),
  ),
  auth: AuthSchema,
  profiles: ProfilesSchema,
  rest_sessions: z.preprocess(
    fromNull,
    z
      .strictObject({
        key: z.string().min(1).optional(),
        default_ttl_s: whole(1).optional(),
        max_ttl_s: whole(1).optional(),
        max_per_client: whole(1).optional(),
      })
      .optional(),
  ),
  backends: z.preprocess(fromNull, backends.optional()),
  search: z.preprocess(
    fromNull,
    z
      .strictObject({
        embeddings: z.preprocess(
          fromNull,
          z
            .strictObject({
              url: httpUrl,
              model: z.string().min(1),
              api_key: z.string().min(1).optional(),
            })
            .optional(),
        ),
      })
      .optional(),
  ),
  pipelines: z.preprocess(fromNull, z.record(z.string(), PipelineEntrySchema).optional()),
  state: z.preprocess(
    fromNull,
    z
      .strictObject({
        store: z.enum(STATE_STORES).optional(),
        url: redisUrl.optional(),
        prefix: z.string().min(1).optional(),
        connect_timeout_ms: whole(1).optional(),
        command_timeout_ms: whole(1).optional(),
        queue: z.boolean().optional(),
      })
      .superRefine((state, ctx) => {
        if (state.store === 'redis' && state.url === undefined)
          ctx.addIssue({ code: 'custom', path: ['url'], message: 'is required with store: redis' });
      })
      .optional(),
  ),
};

/** Pipelines are checked against the backends (servers, references, cycles) once both are read. */
export const ConfigFileSchema = z
  .strictObject(ROOT_SHAPE)
  .superRefine(checkPipelines, { when: () => true })
  .superRefine(checkAuth, { when: () => true });

export type ConfigFile = z.output<typeof ConfigFileSchema>;
export type BackendEntry = z.output<typeof BackendEntrySchema>;

/** Keys accepted at the top level and in a backend, for "did you mean" suggestions. */
export const ROOT_KEYS: readonly string[] = Object.keys(ROOT_SHAPE);
export const BACKEND_KEYS: readonly string[] = Object.keys(BACKEND_SHAPE);
export { PIPELINE_KEYS, STEP_KEYS };
