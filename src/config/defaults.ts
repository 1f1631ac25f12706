/** @module config/defaults — every default of the configuration, in one place. */
import { isAbsolute, join } from 'node:path';

/**
 * Defaults for keys a user may leave out of `servers.yaml`, and the places the file is looked for.
 * Frozen so that no caller can change a default for everyone by mutating a shared array.
 */
export const CONFIG_DEFAULTS = Object.freeze({
  port: 39400,
  host: '127.0.0.1',
  enable_meta_mcp: true,
  /** Seconds a backend may sit unused before it is hibernated; 0 = never. */
  idle_timeout: 300,
  allowed_hosts: Object.freeze([] as string[]) as readonly string[],
  allowed_origins: Object.freeze([] as string[]) as readonly string[],
  max_body_bytes: 4 * 1024 * 1024,
  /** Seconds; clients that vanish without DELETE leave sessions (and backend sessions) behind otherwise. */
  session_idle_timeout: 1800,
  /** Bounds what a client opening sessions in a loop can hold (each may hold a backend session too). */
  max_sessions: 4096,
  /** REST sessions (POST /api/v1/sessions): seconds they live unless the request asks otherwise, and at most. */
  rest_session_ttl_s: 3600,
  rest_session_max_ttl_s: 7 * 24 * 3600,
  /** REST sessions one client may hold at once: each is a row on disk and, in use, connections of its own. */
  rest_sessions_per_client: 100,
  /**
   * TCP connections open at once: each holds a file descriptor, and a gateway out of them can no longer spawn a
   * backend. Under the common soft limit of 1024 descriptors, with room left for backends' pipes.
   */
  max_connections: 768,
  log_level: 'info' as const,
  /** `state:` with `store: redis`: key names begin with the prefix; a command or a connect gives up after its timeout. */
  state: Object.freeze({
    prefix: 'mcpgw:',
    connect_timeout_ms: 2_000,
    command_timeout_ms: 1_000,
  }),
  auth: Object.freeze({
    /**
     * Sessions one client may hold: enough for an editor with a dozen servers open in several windows, small
     * enough that one client cannot take every place of max_sessions.
     */
    max_sessions_per_client: 64,
    /** Per client; agents call in bursts (a bucket of twice this), far above what a person's tool use needs. */
    requests_per_second: 50,
    client_claim: 'sub',
  }),
  backend: Object.freeze({
    description: '',
    enabled: true,
    /** Seconds per request. */
    timeout: 60,
    start_timeout: 30,
    warm: false,
    stateful: false,
    scope: 'shared' as const,
    forward_authorization: false,
  }),
  step: Object.freeze({
    /** Seconds a pipeline step may take in all, start of its backend included. */
    timeout: 10,
    on_error: 'stop' as const,
  }),
  /** A pipeline's input when it declares none: no arguments. */
  pipeline_input: Object.freeze({ type: 'object', properties: {} }),
  /** Where `findConfigFile` looks, in this order (the first two are relative to cwd and the XDG config home). */
  file_name: 'servers.yaml',
  app_dir_name: 'mcp-gateway',
  system_config_path: '/etc/mcp-gateway/servers.yaml',
  /**
   * Shorter secrets are not reported for scrubbing: replacing every "1" or "on" in the logs would
   * destroy them while protecting nothing.
   */
  min_secret_length: 4,
});

/**
 * Where the gateway keeps what must outlive it (its tool catalog, the ledger of backend processes): the directory
 * systemd gives a unit with StateDirectory=, else $XDG_STATE_HOME/mcp-gateway, else ~/.local/state/mcp-gateway.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  const systemd = env.STATE_DIRECTORY?.split(':')[0];
  if (systemd && isAbsolute(systemd)) return systemd;
  const xdg = env.XDG_STATE_HOME;
  const stateHome = xdg && isAbsolute(xdg) ? xdg : join(env.HOME ?? '/tmp', '.local', 'state');
  return join(stateHome, CONFIG_DEFAULTS.app_dir_name);
}
