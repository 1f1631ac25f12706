/**
 * @module supervisor: keeps one backend alive on demand. It starts the shared process on first use (one start for
 * any number of concurrent first uses), stops it when it has sat idle, restarts it on the next use after a crash
 * with growing delays, stops trying when it keeps failing, and counts what happened for /health.
 */
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { BackendConfig } from '../config/index.js';
import { createClientRedactor, type ClientRedactor } from '../config/redact.js';
import { GatewayError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { BackendMetrics } from '../metrics/metrics.js';
import {
  CLOSED_BY_GATEWAY,
  type BackendSessionRef,
  type Connection,
  type Peer,
} from '../backends/connection.js';
import { crashLoop, nextDelay, type RestartPolicy } from './backoff.js';
import type { BackendState, BackendStateName } from './state.js';

/**
 * What a client's own connection carries to an HTTP/SSE backend: the calling client's Authorization header (sent only
 * to a backend with `forward_authorization`), or a REST session's headers for that backend (sent instead of the
 * configured ones, whatever `forward_authorization` says). A stdio backend takes neither.
 */
export type ConnectionCredential = string | { readonly headers: Readonly<Record<string, string>> };

export interface SupervisorDeps {
  log: Logger;
  policy: RestartPolicy;
  /**
   * Opens a connection to this backend; `peers` marks the shared connection; `authorization` is the calling client's
   * header, for a backend with `forward_authorization`.
   */
  connect(
    capabilities: ClientCapabilities,
    peers?: Set<Peer>,
    authorization?: ConnectionCredential,
    /** A backend session another replica opened, to continue rather than open one. */
    resume?: BackendSessionRef,
  ): Promise<Connection>;
  /** Told of every new connection and what it is for (the catalog reads tools only from fixed-capability ones). */
  onConnected?: (connection: Connection, purpose: ConnectionPurpose) => void;
  now?: () => number;
  random?: () => number;
  /** Told of every state change and lifecycle event, next to the line each writes to the log. */
  metrics?: BackendMetrics | undefined;
  /**
   * How long an attached client session counts as live without using the backend (session_idle_timeout): a shared
   * process is not hibernated under a session that may still rely on what it set up there.
   */
  sessionIdleMs?: number;
  /**
   * Scrubs secrets from, and shortens, what clients read of this backend (last_error, the stderr tail, start
   * errors). Without it only the stderr tail is shortened.
   */
  redact?: ClientRedactor;
}

export interface SupervisorStatus {
  state: BackendStateName;
  /** The shared process's pid while it runs, else null. */
  pid: number | null;
  /** Every live child process of this backend (the shared one, or one per session with `scope: session`). */
  pids: number[];
  connections: number;
  restart_count: number;
  last_error: string | null;
  last_used: string | null;
  /** Seconds until the next attempt is allowed, in backoff or failed. */
  retry_after_s: number | null;
}

/**
 * Why a connection was opened: `shared` is a shared backend's one process (advertising SHARED_CLIENT_CAPABILITIES),
 * `session` a client session's own (advertising that client's capabilities), `catalog` one the catalog opens to read
 * the tools with SHARED_CLIENT_CAPABILITIES.
 */
export type ConnectionPurpose = 'shared' | 'session' | 'catalog';

/**
 * What a shared backend's process advertises to it: everything a client may offer, so that the backend enables all
 * its tools. A request the calling client cannot answer fails with that client's error.
 */
export const SHARED_CLIENT_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
};

export class Supervisor {
  /** Client sessions of a shared backend; kept across restarts of its process. */
  readonly peers = new Set<Peer>();
  private state: BackendState = { kind: 'stopped' };
  private connection: Connection | undefined;
  private starting: Promise<Connection> | undefined;
  private readonly owned = new Set<Connection>();
  private probe: Promise<unknown> | undefined;
  private failures: number[] = [];
  private consecutiveFailures = 0;
  private runningSince: number | undefined;
  private restarts = 0;
  private lastError: string | undefined;
  private lastUsed: number | undefined;
  /** The stderr of the most recent process (a connection kept after it ends, or a failed start's), to explain it. */
  private lastStderr: () => string[] = () => [];
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly redact: ClientRedactor;

  constructor(
    readonly config: BackendConfig,
    private readonly deps: SupervisorDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.log = deps.log.child({ backend: config.name });
    this.redact = deps.redact ?? createClientRedactor([]);
  }

  /** One process for every client session (stdio, unless `scope: session` or `stateful: true`). */
  get shared(): boolean {
    return this.config.transport === 'stdio' && this.config.scope === 'shared' && !this.config.stateful;
  }

  /** The shared connection, started if it is not running. */
  acquire(): Connection | Promise<Connection> {
    this.lastUsed = this.now();
    if (this.connection && !this.connection.closed) return this.connection;
    if (this.starting) return this.starting;
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    this.starting = this.start(SHARED_CLIENT_CAPABILITIES, 'shared', this.peers).finally(
      () => (this.starting = undefined),
    );
    return this.starting;
  }

  /**
   * A connection of the caller's own, advertising the caller's capabilities (remote backends, `scope: session`).
   * After a failure, the first caller past the backoff probes the backend; callers arriving meanwhile wait for its
   * outcome instead of all dialling a backend that is down.
   */
  async open(
    capabilities: ClientCapabilities,
    purpose: 'session' | 'catalog' = 'session',
    authorization?: ConnectionCredential,
    resume?: BackendSessionRef,
  ): Promise<Connection> {
    this.lastUsed = this.now();
    while (this.probe) await this.probe;
    const refusal = this.refusal();
    if (refusal) throw refusal;
    const recovering = this.consecutiveFailures > 0;
    const attempt = this.start(capabilities, purpose, undefined, authorization, resume);
    // Waited on by the callers that arrive meanwhile, whatever its outcome: its failure is its own caller's, and must
    // not also surface as a rejection nobody handles.
    if (recovering) this.probe = attempt.then(noop, noop).finally(() => (this.probe = undefined));
    return attempt;
  }

  /** What a client may read of the stderr of the current (or last) process: shortened, secrets scrubbed. */
  stderrTail(): string[] {
    return this.redact.stderr(this.lastStderr());
  }

  /**
   * Stops the shared process now if no session uses it and no call is in flight (after discovery). A `warm` backend
   * is kept: the user asked for it to run from the start, and discovery must not undo that.
   */
  async releaseIfUnused(): Promise<void> {
    if (this.config.warm) return;
    const connection = this.acquireIfRunning();
    if (!connection || this.peers.size > 0 || connection.callsInFlight > 0) return;
    await this.hibernate(connection, 'unused after discovery');
  }

  /** The shared process if it runs now, without starting it. */
  acquireIfRunning(): Connection | undefined {
    return this.connection && !this.connection.closed ? this.connection : undefined;
  }

  /** Clears a failed or backoff state (config reload, explicit restart): the next use tries again at once. */
  reset(): void {
    this.failures = [];
    this.consecutiveFailures = 0;
    if (this.state.kind === 'failed' || this.state.kind === 'backoff') this.setState({ kind: 'stopped' });
  }

  /** Stops every connection of this backend; idempotent. */
  async stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.starting?.catch(() => {});
    const all = [...this.owned, ...(this.connection ? [this.connection] : [])];
    this.connection = undefined;
    await Promise.allSettled(all.map((u) => u.close()));
    if (this.state.kind === 'running' || this.state.kind === 'starting') this.setState({ kind: 'stopped' });
  }

  /** Calls in flight on every connection of this backend (shutdown waits for them). */
  get callsInFlight(): number {
    let n = this.connection?.callsInFlight ?? 0;
    for (const u of this.owned) n += u.callsInFlight;
    return n;
  }

  status(): SupervisorStatus {
    const running = this.connection && !this.connection.closed ? this.connection : undefined;
    const live = [...this.owned, ...(running ? [running] : [])];
    const until =
      this.state.kind === 'backoff' || this.state.kind === 'failed' ? this.state.until : undefined;
    return {
      state: this.state.kind,
      pid: running?.pid ?? null,
      pids: live.flatMap((u) => (u.pid === undefined ? [] : [u.pid])),
      connections: live.length,
      restart_count: this.restarts,
      last_error: this.lastError ?? null,
      last_used: this.lastUsed === undefined ? null : new Date(this.lastUsed).toISOString(),
      retry_after_s: until === undefined ? null : Math.max(0, Math.ceil((until - this.now()) / 1000)),
    };
  }

  /** The error that refuses a start at once, with a retry-after hint, while backing off or marked failed. */
  private refusal(): GatewayError | undefined {
    const state = this.state;
    if ((state.kind !== 'backoff' && state.kind !== 'failed') || this.now() >= state.until) return undefined;
    const retryAfter = Math.ceil((state.until - this.now()) / 1000);
    const name = this.config.name;
    const message =
      state.kind === 'failed'
        ? `backend "${name}" failed ${this.failures.length} times within ${this.deps.policy.windowMs / 60_000} min ` +
          `and is not started again for ${retryAfter} s (reload the configuration to retry now); last error: ${this.lastError}`
        : `backend "${name}" is waiting ${retryAfter} s before it is restarted; last error: ${this.lastError}`;
    return new GatewayError('backend_unavailable', message, {
      backend: name,
      state: state.kind,
      retryable: true,
      retry_after_s: retryAfter,
    });
  }

  private async start(
    capabilities: ClientCapabilities,
    purpose: ConnectionPurpose,
    peers?: Set<Peer>,
    authorization?: ConnectionCredential,
    resume?: BackendSessionRef,
  ): Promise<Connection> {
    const startedAt = this.now();
    if (peers || this.state.kind !== 'running') this.setState({ kind: 'starting', since: startedAt });
    let connection: Connection;
    try {
      connection = await this.deps.connect(capabilities, peers, authorization, resume);
    } catch (error) {
      this.deps.metrics?.backendStartFailed(this.config.name);
      const stderr = error instanceof GatewayError ? error.data?.stderr : undefined;
      if (Array.isArray(stderr)) this.lastStderr = () => stderr as string[];
      this.recordFailure(errorMessage(error));
      throw this.forClient(error);
    }
    const restart = this.consecutiveFailures > 0;
    if (restart) this.restarts++;
    this.runningSince = this.now();
    this.setState({ kind: 'running', since: this.runningSince });
    const ms = this.now() - startedAt;
    this.deps.metrics?.backendStarted(this.config.name, ms / 1000, restart);
    this.log.info(
      { pid: connection.pid, ms, restart_count: this.restarts },
      restart ? 'backend restarted' : 'backend started',
    );
    this.lastStderr = () => connection.stderrTail();
    connection.onClosed((reason) => this.closed(connection, reason));
    this.deps.onConnected?.(connection, purpose);
    if (peers) {
      this.connection = connection;
      this.scheduleIdleCheck();
    } else {
      this.owned.add(connection);
    }
    return connection;
  }

  private closed(connection: Connection, reason: string): void {
    this.owned.delete(connection);
    if (reason === CLOSED_BY_GATEWAY) {
      // The last session of a remote (or per-session) backend ended: nothing of it runs any more.
      const anyLeft = this.owned.size > 0 || (this.connection !== undefined && !this.connection.closed);
      if (!anyLeft && this.state.kind === 'running') this.setState({ kind: 'stopped' });
      return;
    }
    if (connection === this.connection) this.connection = undefined;
    const stderr = connection.stderrTail().slice(-10);
    this.deps.metrics?.backendCrashed(this.config.name);
    // The log (scrubbed by the logger) gets ten whole lines; last_error, which clients read, three short ones.
    this.log.warn({ reason, stderr }, 'backend crashed or disconnected');
    const shown = this.redact.stderr(stderr).slice(-3);
    this.recordFailure(shown.length ? `${reason}; stderr: ${shown.join(' | ')}` : reason);
  }

  /**
   * A start error as a client may see it: the connect error carries the backend's stderr in its message and data,
   * and it is answered to the caller as it is.
   */
  private forClient(error: unknown): unknown {
    if (!(error instanceof GatewayError)) return error;
    const data = error.data && {
      ...error.data,
      ...(Array.isArray(error.data.stderr)
        ? { stderr: this.redact.stderr(error.data.stderr as string[]) }
        : {}),
    };
    return new GatewayError(error.code, this.redact.text(error.message), data);
  }

  private recordFailure(message: string): void {
    const now = this.now();
    const policy = this.deps.policy;
    if (this.runningSince !== undefined && now - this.runningSince >= policy.stableMs)
      this.consecutiveFailures = 0;
    this.runningSince = undefined;
    this.consecutiveFailures++;
    this.lastError = this.redact.text(message);
    const loop = crashLoop([...this.failures, now], now, policy);
    this.failures = loop.recent;
    if (loop.clearsAt !== undefined) {
      this.setState({ kind: 'failed', until: loop.clearsAt });
      this.log.error({ failures: loop.recent.length, err: message }, 'backend keeps failing; marked failed');
      return;
    }
    const delay = nextDelay(this.consecutiveFailures, policy, this.deps.random);
    this.setState(delay > 0 ? { kind: 'backoff', until: now + delay } : { kind: 'stopped' });
  }

  /** Hibernation: the shared process is stopped once no call has started or ended for idle_timeout seconds. */
  private scheduleIdleCheck(delayMs = this.config.idle_timeout * 1000): void {
    clearTimeout(this.idleTimer);
    if (this.config.idle_timeout === 0) return;
    this.idleTimer = setTimeout(() => this.checkIdle(), delayMs);
    this.idleTimer.unref();
  }

  private checkIdle(): void {
    const connection = this.connection;
    if (!connection || connection.closed) return;
    const idleMs = this.config.idle_timeout * 1000;
    const lastActive = Math.max(connection.lastActivity, this.lastUsed ?? 0);
    // A client session attached may rely on what it set up in the process (subscriptions, a log level, state the
    // server keeps): hibernating would reset it silently. So while one is attached, the process waits as long as an
    // abandoned session lives (it is closed after session_idle_timeout, and detached then).
    const attached = this.peers.size > 0;
    const limit = attached ? Math.max(idleMs, this.deps.sessionIdleMs ?? 0) : idleMs;
    const remaining = limit - (this.now() - lastActive);
    if (connection.callsInFlight > 0 || remaining > 0) {
      // Checked again at least every idle_timeout: the last session may detach before `remaining` ends.
      this.scheduleIdleCheck(connection.callsInFlight > 0 ? idleMs : Math.min(idleMs, remaining));
      return;
    }
    void this.hibernate(connection, `idle for ${this.config.idle_timeout} s`);
  }

  private async hibernate(connection: Connection, why: string): Promise<void> {
    clearTimeout(this.idleTimer);
    this.connection = undefined;
    this.setState({ kind: 'hibernated', since: this.now() });
    this.deps.metrics?.backendHibernated(this.config.name);
    this.log.info({ why }, 'backend hibernated');
    await connection.close();
  }

  private setState(next: BackendState): void {
    if (next.kind !== this.state.kind)
      this.log.debug({ from: this.state.kind, to: next.kind }, 'backend state');
    this.state = next;
    this.deps.metrics?.backendState(this.config.name, next.kind);
  }
}

function noop(): void {}
