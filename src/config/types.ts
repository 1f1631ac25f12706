/** @module config/types — the normalized configuration the rest of the gateway consumes. */

export type Transport = 'stdio' | 'http' | 'sse';

export interface BackendCommon {
  /** The key under `backends:`; matches BACKEND_NAME_PATTERN. */
  name: string;
  description: string;
  enabled: boolean;
  /** Seconds; the backend's own value or the global one; 0 = never hibernate. */
  idle_timeout: number;
  /** Seconds per request. */
  timeout: number;
  /** Seconds a start (spawn or connect, then initialize) may take. */
  start_timeout: number;
  /** Started when the gateway starts instead of on first use. */
  warm: boolean;
  /**
   * The server keeps state per client (a browser, a REPL, a login): a process of its own for each client session,
   * kept while the session lives and never shared. For stdio backends it implies what `scope: session` does.
   */
  stateful: boolean;
}

export interface StdioBackendConfig extends BackendCommon {
  transport: 'stdio';
  /** The executable: the first word of `command:`. */
  command: string;
  /** The other words of `command:`, then the `args:` list. */
  args: string[];
  env: Record<string, string>;
  /** Absolute; `cwd:` resolved against the config file's directory, which is also the default. */
  cwd: string;
  /** `shared`: one process for every client session; `session`: a process per client session. */
  scope: 'shared' | 'session';
}

export interface HttpBackendConfig extends BackendCommon {
  transport: 'http' | 'sse';
  url: string;
  headers: Record<string, string>;
  /** Send the calling client's Authorization header instead of the configured headers' (never otherwise). */
  forward_authorization: boolean;
  /**
   * The protocol era the backend was declared to speak (`era: legacy|modern`); absent (`auto`): a Streamable HTTP
   * backend is asked once (`server/discover`), an HTTP+SSE one is legacy.
   */
  era?: 'legacy' | 'modern';
}

export type BackendConfig = StdioBackendConfig | HttpBackendConfig;

export interface GatewayConfig {
  port: number;
  host: string;
  enable_meta_mcp: boolean;
  idle_timeout: number;
  allowed_hosts: string[];
  allowed_origins: string[];
  max_body_bytes: number;
  /** Seconds a client session may go without a request (and without an open stream) before it is closed. */
  session_idle_timeout: number;
  /** Client sessions open at once, all endpoints together; an initialize beyond it gets 503. */
  max_sessions: number;
  /** TCP connections open at once; beyond it a new connection is closed at once. */
  max_connections: number;
  /** Absolute; what outlives the process (tool catalog, backend process ledger). */
  state_dir: string;
  log_level: 'debug' | 'info' | 'warn' | 'error';
  /** The admin API (/api/v1, /mcp/admin): off while `token` is undefined. */
  admin: AdminConfig;
  /** Who may call the gateway; `mode: 'off'` (no `auth:` section) serves everyone as before. */
  auth: AuthConfig;
  /** What each profile lets a client see and call. */
  profiles: Record<string, ProfileConfig>;
  /** Every configured backend, disabled ones included. */
  backends: Record<string, BackendConfig>;
  /** Tools made of other tools' calls, served by the virtual backend `pipelines`. */
  pipelines: Record<string, PipelineConfig>;
  /** How gateway_search_tools ranks; absent or without `embeddings`: lexical ranking only. */
  search?: SearchConfig;
  /** REST sessions (POST /api/v1/sessions): their lifetime and the key their credentials are sealed with. */
  rest_sessions: RestSessionsConfig;
  /** Where state shared by replicas lives: `embedded` (the state directory) unless `state.store: redis`. */
  state: StateConfig;
}

export type StateConfig =
  | { store: 'embedded' }
  | {
      store: 'redis';
      /** redis:// or rediss://, credentials included (scrubbed from logs, masked in `check`). */
      url: string;
      /** Every key name begins with it, so that several gateways (or other users) can share one Redis. */
      prefix: string;
      connect_timeout_ms: number;
      command_timeout_ms: number;
      /** Whether this replica runs the tool calls queued in Redis (deploy/README.md "Queued tool calls"). */
      queue: boolean;
    };

export interface RestSessionsConfig {
  /** 32 bytes as 64 hex digits or 44 base64 characters; absent: a key file of the state directory. */
  key: string | undefined;
  default_ttl_s: number;
  max_ttl_s: number;
  max_per_client: number;
}

export interface SearchConfig {
  /** Semantic ranking fused with the lexical one, from an OpenAI-compatible embeddings endpoint; off when absent. */
  embeddings: EmbeddingsConfig | undefined;
}

export interface EmbeddingsConfig {
  /** The endpoint: `…/v1/embeddings`, or its base `…/v1` (then `/embeddings` is added). */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer …`; usually `${VAR}`, and scrubbed like every secret. */
  api_key: string | undefined;
}

export interface PipelineConfig {
  /** The key under `pipelines:`: the tool's name. */
  name: string;
  description: string;
  /** JSON Schema of the arguments (type: object). */
  input: Record<string, unknown>;
  /** Run one after the other; the steps of one stage run at the same time. */
  stages: PipelineStage[];
  /** What the pipeline returns: a template over input and steps; absent: every step's value by id. */
  output: unknown;
}

export interface PipelineStage {
  /** Written as `parallel:` (a group, even of one step). */
  parallel: boolean;
  steps: PipelineStep[];
}

export interface PipelineStep {
  id: string;
  /** A backend's name, or `pipelines`. */
  server: string;
  tool: string;
  /** A template: `{% … %}` strings are expressions, everything else literal. */
  arguments: unknown;
  /** Seconds the whole step may take, start of the backend included. */
  timeout: number;
  on_error: 'stop' | 'continue';
}

export interface AdminConfig {
  token: string | undefined;
  /** Whether an admin may add or change a stdio backend (that runs a program of the caller's choice). */
  allow_stdio: boolean;
}

export interface LoadedConfig {
  config: GatewayConfig;
  /** Absolute path of the file. */
  path: string;
  /** Values the logger must scrub: everything read from the environment, every env and header value. */
  secrets: string[];
  /** The normalized config with env/header values masked and expanded strings in template form. */
  redacted: unknown;
  /** `FILE:LINE:COL` of a path in the file (as in error messages), for findings made after loading. */
  where(path: ReadonlyArray<string | number>, at?: 'key' | 'value'): string;
}

export interface AuthConfig {
  /** `off`: no `auth:` section; `none`: `auth: none` (no credential, even beyond loopback); `on`: credentials required. */
  mode: 'off' | 'none' | 'on';
  clients: Record<string, AuthClientConfig>;
  jwt: JwtConfig | undefined;
  /** Endpoints open without a credential besides /livez and /readyz. */
  public: Array<'health' | 'metrics'>;
  /** Client sessions one client may hold open at once. */
  max_sessions_per_client: number;
  /** Requests one client may send each second (a bucket of twice as many absorbs bursts). */
  requests_per_second: number;
}

export interface AuthClientConfig {
  name: string;
  /** Lowercase hex SHA-256 of the client's token (`token:` is hashed when read, and never kept). */
  token_sha256: string | undefined;
  /** Its profiles, the default first; empty: the whole gateway. */
  profiles: string[];
  /** May use /api/v1 and /mcp/admin. */
  admin: boolean;
}

export interface JwtConfig {
  issuer: string;
  audience: string;
  jwks_url: string;
  /** The claim that names the client (default `sub`). */
  client_claim: string;
  /** The claim that names the client's profile; none: the profiles of a client entry of that name. */
  profile_claim: string | undefined;
}

export interface ProfileConfig {
  name: string;
  /** Backends the profile reaches; undefined: every backend. */
  backends: string[] | undefined;
  /** `server/tool` globs; undefined: every tool of its backends. An empty list allows nothing. */
  allow: string[] | undefined;
  deny: string[];
  /** What `/mcp` and `/mcp/p/<name>` serve: the meta-tools, or every allowed tool as `server__tool`. */
  surface: 'meta' | 'flat';
}
