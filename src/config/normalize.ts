/** @module config/normalize — turns a validated file into the GatewayConfig the gateway runs on. */
import { resolve } from 'node:path';
import { CONFIG_DEFAULTS, defaultStateDir } from './defaults.js';
import type { PipelineEntry } from './pipeline-schema.js';
import { CALL_PATTERN } from './pipeline-schema.js';
import type { BackendEntry, ConfigFile } from './schema.js';
import { splitCommand } from './split-command.js';
import type { BackendConfig, GatewayConfig, PipelineConfig, PipelineStep, Transport } from './types.js';
import { normalizeAuth, normalizeProfiles } from './normalize-auth.js';

/**
 * Fills in defaults, splits commands, resolves paths and infers transports. Only ever called on
 * data that passed the schema, so every check here is already known to succeed.
 */
export function normalizeConfig(file: ConfigFile, configDir: string, env: NodeJS.ProcessEnv): GatewayConfig {
  const idle_timeout = file.idle_timeout ?? CONFIG_DEFAULTS.idle_timeout;
  const backends: Record<string, BackendConfig> = {};
  for (const [name, entry] of Object.entries(file.backends ?? {})) {
    backends[name] = normalizeBackend(name, entry, idle_timeout, configDir);
  }
  return {
    port: file.port ?? CONFIG_DEFAULTS.port,
    host: file.host ?? CONFIG_DEFAULTS.host,
    enable_meta_mcp: file.enable_meta_mcp ?? CONFIG_DEFAULTS.enable_meta_mcp,
    idle_timeout,
    // Host names are case-insensitive; one spelling spares every comparison a toLowerCase.
    allowed_hosts: (file.allowed_hosts ?? CONFIG_DEFAULTS.allowed_hosts).map((h) => h.toLowerCase()),
    // Browsers send the serialized origin (lowercase host, no trailing slash, default port omitted).
    allowed_origins: (file.allowed_origins ?? CONFIG_DEFAULTS.allowed_origins).map((o) => new URL(o).origin),
    max_body_bytes: file.max_body_bytes ?? CONFIG_DEFAULTS.max_body_bytes,
    session_idle_timeout: file.session_idle_timeout ?? CONFIG_DEFAULTS.session_idle_timeout,
    max_sessions: file.max_sessions ?? CONFIG_DEFAULTS.max_sessions,
    max_connections: file.max_connections ?? CONFIG_DEFAULTS.max_connections,
    state_dir: file.state_dir ? resolve(configDir, file.state_dir) : defaultStateDir(env),
    log_level: file.log_level ?? CONFIG_DEFAULTS.log_level,
    admin: { token: file.admin?.token, allow_stdio: file.admin?.allow_stdio ?? false },
    auth: normalizeAuth(file.auth),
    rest_sessions: {
      key: file.rest_sessions?.key,
      default_ttl_s: file.rest_sessions?.default_ttl_s ?? CONFIG_DEFAULTS.rest_session_ttl_s,
      max_ttl_s: file.rest_sessions?.max_ttl_s ?? CONFIG_DEFAULTS.rest_session_max_ttl_s,
      max_per_client: file.rest_sessions?.max_per_client ?? CONFIG_DEFAULTS.rest_sessions_per_client,
    },
    profiles: normalizeProfiles(file.profiles),
    state:
      file.state?.store === 'redis' && file.state.url !== undefined
        ? {
            store: 'redis',
            url: file.state.url,
            prefix: file.state.prefix ?? CONFIG_DEFAULTS.state.prefix,
            connect_timeout_ms: file.state.connect_timeout_ms ?? CONFIG_DEFAULTS.state.connect_timeout_ms,
            command_timeout_ms: file.state.command_timeout_ms ?? CONFIG_DEFAULTS.state.command_timeout_ms,
            queue: file.state.queue ?? true,
          }
        : { store: 'embedded' },
    backends,
    // Only when declared: a config without it is what it always was.
    ...(file.search
      ? {
          search: {
            embeddings: file.search.embeddings && {
              url: file.search.embeddings.url,
              model: file.search.embeddings.model,
              api_key: file.search.embeddings.api_key,
            },
          },
        }
      : {}),
    pipelines: Object.fromEntries(
      Object.entries(file.pipelines ?? {}).map(([name, entry]) => [name, normalizePipeline(name, entry)]),
    ),
  };
}

function normalizePipeline(name: string, p: PipelineEntry): PipelineConfig {
  type Entry = PipelineEntry['steps'][number];
  const step = (s: Omit<Entry, 'parallel'>): PipelineStep => {
    const [, server, tool] = CALL_PATTERN.exec(s.call!) as unknown as [string, string, string];
    return {
      id: s.id!,
      server,
      tool,
      arguments: s.arguments ?? {},
      timeout: s.timeout ?? CONFIG_DEFAULTS.step.timeout,
      on_error: s.on_error ?? CONFIG_DEFAULTS.step.on_error,
    };
  };
  return {
    name,
    description: p.description,
    input: p.input ?? { ...CONFIG_DEFAULTS.pipeline_input, properties: {} },
    stages: p.steps.map((entry) =>
      entry.parallel
        ? { parallel: true, steps: entry.parallel.map(step) }
        : { parallel: false, steps: [step(entry)] },
    ),
    output: p.output,
  };
}

function normalizeBackend(
  name: string,
  b: BackendEntry,
  idleTimeout: number,
  configDir: string,
): BackendConfig {
  const common = {
    name,
    description: b.description ?? CONFIG_DEFAULTS.backend.description,
    enabled: b.enabled ?? CONFIG_DEFAULTS.backend.enabled,
    idle_timeout: b.idle_timeout ?? idleTimeout,
    timeout: b.timeout ?? CONFIG_DEFAULTS.backend.timeout,
    start_timeout: b.start_timeout ?? CONFIG_DEFAULTS.backend.start_timeout,
    warm: b.warm ?? CONFIG_DEFAULTS.backend.warm,
    stateful: b.stateful ?? CONFIG_DEFAULTS.backend.stateful,
  };
  if (b.command !== undefined) {
    const split = splitCommand(b.command);
    if (!split.ok) throw new Error(`unreachable: schema accepted an unsplittable command for ${name}`);
    const [command, ...rest] = split.words as [string, ...string[]];
    return {
      ...common,
      transport: 'stdio',
      command,
      args: [...rest, ...(b.args ?? [])],
      env: { ...b.env },
      cwd: resolve(configDir, b.cwd ?? '.'),
      scope: b.scope ?? CONFIG_DEFAULTS.backend.scope,
    };
  }
  const url = b.http_url!;
  return {
    ...common,
    transport: (b.transport ?? inferTransport(url)) as Exclude<Transport, 'stdio'>,
    url,
    headers: { ...b.headers },
    forward_authorization: b.forward_authorization ?? CONFIG_DEFAULTS.backend.forward_authorization,
    // Only when stated: `auto` is the absence of a statement.
    ...(b.era === 'legacy' || b.era === 'modern' ? { era: b.era } : {}),
  };
}

/** The legacy HTTP+SSE transport is conventionally served at …/sse; everything else is Streamable HTTP. */
export function inferTransport(url: string): 'http' | 'sse' {
  return new URL(url).pathname.endsWith('/sse') ? 'sse' : 'http';
}
