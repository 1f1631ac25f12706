/** @module config/redact — what of a loaded config may be printed, and what the logger must scrub. */
import { createScrubber } from '../scrub.js';
import { clip } from '../clip.js';
import { CONFIG_DEFAULTS } from './defaults.js';
import { pathKey, type PathSegment } from './env.js';
import type { ConfigFile } from './schema.js';
import { splitCommand } from './split-command.js';
import type { BackendConfig, GatewayConfig } from './types.js';

const MASK = '***';

/**
 * The normalized config as a plain object for `mcp-gateway check`: env and header values masked,
 * and every value that came from a `${…}` string shown as that template, so nothing read from the
 * environment is printed. `templates` maps `pathKey(path in the file)` to the original text; `file`
 * is the validated file, needed to tell which args came from `command:` and which from `args:`.
 */
export function redactConfig(
  config: GatewayConfig,
  file: ConfigFile,
  templates: ReadonlyMap<string, string>,
): unknown {
  const show = (value: unknown, path: PathSegment[]): unknown => templates.get(pathKey(path)) ?? value;
  const list = (values: string[], path: PathSegment[]) => values.map((v, i) => show(v, [...path, i]));

  const backends: Record<string, unknown> = {};
  for (const [name, b] of Object.entries(config.backends)) {
    const at = (field: string): PathSegment[] => ['backends', name, field];
    const common = {
      name,
      transport: show(b.transport, at('transport')),
      description: show(b.description, at('description')),
      enabled: show(b.enabled, at('enabled')),
      idle_timeout: show(b.idle_timeout, at('idle_timeout')),
      timeout: show(b.timeout, at('timeout')),
      start_timeout: show(b.start_timeout, at('start_timeout')),
      warm: show(b.warm, at('warm')),
      stateful: show(b.stateful, at('stateful')),
    };
    if (b.transport === 'stdio') {
      const listedCount = file.backends?.[name]?.args?.length ?? 0;
      const listed = list(b.args.slice(b.args.length - listedCount), at('args'));
      const [command, ...commandArgs] = commandWords(b, listedCount, templates.get(pathKey(at('command'))));
      backends[name] = {
        ...common,
        command,
        args: [...commandArgs, ...listed],
        env: mask(b.env),
        cwd: show(b.cwd, at('cwd')),
        scope: b.scope,
      };
    } else {
      backends[name] = {
        ...common,
        url: show(b.url, at('http_url')),
        headers: mask(b.headers),
        // Only when written: a file without it prints as it always has.
        ...(file.backends?.[name]?.forward_authorization !== undefined
          ? { forward_authorization: b.forward_authorization }
          : {}),
        ...(b.era !== undefined ? { era: b.era } : {}),
      };
    }
  }

  return {
    port: show(config.port, ['port']),
    host: show(config.host, ['host']),
    enable_meta_mcp: show(config.enable_meta_mcp, ['enable_meta_mcp']),
    idle_timeout: show(config.idle_timeout, ['idle_timeout']),
    allowed_hosts: list(config.allowed_hosts, ['allowed_hosts']),
    allowed_origins: list(config.allowed_origins, ['allowed_origins']),
    max_body_bytes: show(config.max_body_bytes, ['max_body_bytes']),
    session_idle_timeout: show(config.session_idle_timeout, ['session_idle_timeout']),
    max_sessions: show(config.max_sessions, ['max_sessions']),
    max_connections: show(config.max_connections, ['max_connections']),
    state_dir: show(config.state_dir, ['state_dir']),
    log_level: show(config.log_level, ['log_level']),
    admin: {
      token:
        config.admin.token === undefined ? undefined : (templates.get(pathKey(['admin', 'token'])) ?? MASK),
      allow_stdio: show(config.admin.allow_stdio, ['admin', 'allow_stdio']),
    },
    // Only when declared: a file without them prints as it always has. Tokens and their hashes never.
    ...(file.auth !== undefined ? { auth: redactAuth(config) } : {}),
    ...(file.profiles !== undefined ? { profiles: config.profiles } : {}),
    backends,
    // Only when declared: a file without it prints as it always has.
    ...(config.search?.embeddings
      ? {
          search: {
            embeddings: {
              url: show(config.search.embeddings.url, ['search', 'embeddings', 'url']),
              model: show(config.search.embeddings.model, ['search', 'embeddings', 'model']),
              api_key:
                config.search.embeddings.api_key === undefined
                  ? undefined
                  : (templates.get(pathKey(['search', 'embeddings', 'api_key'])) ?? MASK),
            },
          },
        }
      : {}),
    // Only when declared; the key never, only the template it came from.
    ...(file.rest_sessions !== undefined
      ? {
          rest_sessions: {
            ...config.rest_sessions,
            key:
              config.rest_sessions.key === undefined
                ? undefined
                : (templates.get(pathKey(['rest_sessions', 'key'])) ?? MASK),
          },
        }
      : {}),
    // Only when declared; the URL's password never.
    ...(file.state !== undefined
      ? {
          state:
            config.state.store === 'redis'
              ? {
                  ...config.state,
                  url: templates.get(pathKey(['state', 'url'])) ?? withoutPassword(config.state.url),
                }
              : config.state,
        }
      : {}),
    // Only when declared: a file without pipelines prints as it always has.
    ...(file.pipelines ? { pipelines: redactPipelines(file, templates) } : {}),
  };
}

function redactAuth(config: GatewayConfig): unknown {
  const { auth } = config;
  if (auth.mode === 'none') return 'none';
  return {
    clients: Object.fromEntries(
      Object.values(auth.clients).map((c) => [
        c.name,
        { token: c.token_sha256 === undefined ? undefined : MASK, profiles: c.profiles, admin: c.admin },
      ]),
    ),
    ...(auth.jwt ? { jwt: auth.jwt } : {}),
    public: auth.public,
    max_sessions_per_client: auth.max_sessions_per_client,
    requests_per_second: auth.requests_per_second,
  };
}

/**
 * Pipelines as the file wrote them (their shape is already plain), with every value that came from a `${…}` string
 * shown as that template.
 */
function redactPipelines(file: ConfigFile, templates: ReadonlyMap<string, string>): unknown {
  const walk = (value: unknown, path: PathSegment[]): unknown => {
    const template = templates.get(pathKey(path));
    if (template !== undefined) return template;
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  return walk(file.pipelines ?? {}, ['pipelines']);
}

/**
 * The words `command:` contributed. With a template, the template is split instead: it has the
 * same quoting, so it splits the same way unless an expanded value itself held spaces or quotes;
 * if it cannot be split it is shown whole.
 */
function commandWords(
  b: BackendConfig & { transport: 'stdio' },
  listedCount: number,
  template?: string,
): string[] {
  if (template === undefined) return [b.command, ...b.args.slice(0, b.args.length - listedCount)];
  const split = splitCommand(template);
  return split.ok ? split.words : [template];
}

/** The URL with its password (if any) masked. */
export function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = MASK;
  return parsed.toString();
}

function mask(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(values).map((k) => [k, MASK]));
}

/**
 * Values the logger must scrub, longest first so that a secret containing another is replaced whole.
 * Short values are left out: scrubbing every "1" or "on" would wreck the logs and protect nothing.
 */
export function collectSecrets(
  fromEnv: readonly string[],
  config: GatewayConfig,
  /** The clients' tokens as written in the file (the config keeps only their hashes). */
  tokens: readonly string[] = [],
): string[] {
  const found = new Set([...fromEnv, ...tokens]);
  if (config.admin.token !== undefined) found.add(config.admin.token);
  if (config.rest_sessions.key !== undefined) found.add(config.rest_sessions.key);
  if (config.state.store === 'redis') {
    // The whole URL too: a log line may print it as the client library reports it.
    const password = new URL(config.state.url).password;
    if (password !== '') {
      found.add(decodeURIComponent(password));
      found.add(password);
      found.add(config.state.url);
    }
  }
  const apiKey = config.search?.embeddings?.api_key;
  if (apiKey !== undefined) found.add(apiKey);
  // A token's hash is as good as the token to whoever can send it to a gateway that accepts token_sha256.
  for (const c of Object.values(config.auth.clients)) if (c.token_sha256) found.add(c.token_sha256);
  for (const b of Object.values(config.backends)) {
    for (const v of Object.values(b.transport === 'stdio' ? b.env : b.headers)) found.add(v);
  }
  return [...found]
    .filter((s) => s.length >= CONFIG_DEFAULTS.min_secret_length)
    .sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * What a client (a /health reader, an MCP caller) may see of a backend's stderr: fewer and shorter lines than the
 * logs get, because stderr is where backends print tokens, URLs with credentials and stack traces.
 */
export const CLIENT_STDERR = Object.freeze({ lines: 10, lineLength: 200 });

export interface ClientRedactor {
  /** The text with every secret of the config (env and header values, expanded `${VAR}`s) replaced. */
  text(value: string): string;
  /** The last CLIENT_STDERR.lines lines, each cut to CLIENT_STDERR.lineLength characters, secrets replaced. */
  stderr(lines: readonly string[]): string[];
}

/**
 * The one way text reaches a client when it may hold a secret or a backend's stderr: health fields, supervisor
 * errors, and the connect-error message built in backends/upstream.ts. `secrets` is `LoadedConfig.secrets` (or
 * `collectSecrets`). Scrubbing happens before cutting, so that a cut never leaves the head of a secret behind.
 */
export function createClientRedactor(secrets: readonly string[]): ClientRedactor {
  const scrub = createScrubber(secrets);
  return {
    text: scrub,
    stderr: (lines) =>
      lines.slice(-CLIENT_STDERR.lines).map((line) => clip(scrub(line), CLIENT_STDERR.lineLength)),
  };
}
