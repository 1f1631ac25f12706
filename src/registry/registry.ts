/**
 * @module registry: the gateway's backends by name, each under a supervisor. A stdio backend runs as one shared
 * process, started on first use; remote backends, and stdio backends with `scope: session` or `stateful: true`, get a
 * connection per client session. Unknown and disabled names are refused here, once, with the list of known ones.
 */
import { randomUUID } from 'node:crypto';
import type { ClientCapabilities, Implementation } from '@modelcontextprotocol/sdk/types.js';
import type { BackendConfig, GatewayConfig } from '../config/index.js';
import { collectSecrets, createClientRedactor, type ClientRedactor } from '../config/redact.js';
import { stableJson } from '../stable-json.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BackendMetrics } from '../metrics/metrics.js';
import type { BackendSessionRef, Connection, Peer } from '../backends/connection.js';
import { connectBackend } from '../backends/mcp-connection.js';
import { probeEra, type EraProbe, type ModernTarget } from '../backends/modern-http.js';
import type { ProcessLedger } from '../backends/process-ledger.js';
import { BACKEND_MARKER, backendMarker } from '../backends/descendants.js';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from './backoff.js';
import {
  SHARED_CLIENT_CAPABILITIES,
  Supervisor,
  type ConnectionPurpose,
  type ConnectionCredential,
  type SupervisorStatus,
} from './supervisor.js';

export type { ConnectionCredential } from './supervisor.js';

export interface BackendStatus extends SupervisorStatus {
  name: string;
  transport: BackendConfig['transport'];
  description: string;
  enabled: boolean;
}

export interface RegistryDeps {
  log: Logger;
  clientInfo: Implementation;
  policy?: RestartPolicy;
  now?: () => number;
  random?: () => number;
  /** Where started processes are recorded for the next gateway to reap after a crash. */
  ledger?: ProcessLedger;
  /** Told of every new backend connection and what it is for. */
  onConnected?: (name: string, connection: Connection, purpose: ConnectionPurpose) => void;
  metrics?: BackendMetrics;
  /**
   * Values no client may read (`LoadedConfig.secrets`: expanded `${VAR}`s, env and header values); by default the
   * config's env and header values only.
   */
  secrets?: readonly string[];
  /**
   * This gateway's id in the MCP_GATEWAY_BACKEND marker every stdio process gets (and its descendants inherit), so
   * that a stop, or the next gateway after a crash, finds all of them.
   */
  instance?: string;
}

/** What a change of the configured backends did, by backend name (each list sorted). */
export interface BackendDiff {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
}

export class Registry {
  private readonly supervisors = new Map<string, Supervisor>();
  private enabled: readonly string[] = [];
  private readonly redactors: { secrets: readonly string[]; redact: ClientRedactor };
  private readonly createSupervisor: (backend: BackendConfig, redact: ClientRedactor) => Supervisor;
  /** The supervisors' restart policy: the catalog's retries of a backend that is down follow it too. */
  readonly policy: RestartPolicy;
  private readonly clientInfo: Implementation;

  constructor(config: GatewayConfig, deps: RegistryDeps) {
    this.clientInfo = deps.clientInfo;
    this.policy = deps.policy ?? DEFAULT_RESTART_POLICY;
    const secrets = [...new Set([...(deps.secrets ?? []), ...collectSecrets([], config)])];
    this.redactors = { secrets, redact: createClientRedactor(secrets) };
    const instance = deps.instance ?? randomUUID();
    let spawned = 0;
    // The config as connected: a stdio backend gets its marker, a new one per process.
    const marked = (backend: BackendConfig): BackendConfig =>
      backend.transport === 'stdio'
        ? {
            ...backend,
            env: { ...backend.env, [BACKEND_MARKER]: backendMarker(instance, backend.name, ++spawned) },
          }
        : backend;
    this.createSupervisor = (backend, redact) =>
      new Supervisor(backend, {
        log: deps.log,
        policy: this.policy,
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.random ? { random: deps.random } : {}),
        onConnected: (connection: Connection, purpose: ConnectionPurpose) =>
          deps.onConnected?.(backend.name, connection, purpose),
        metrics: deps.metrics,
        redact,
        sessionIdleMs: config.session_idle_timeout * 1000,
        connect: (
          capabilities: ClientCapabilities,
          peers?: Set<Peer>,
          authorization?: ConnectionCredential,
          resume?: BackendSessionRef,
        ) =>
          connectBackend(forwarding(marked(backend), authorization), {
            clientInfo: deps.clientInfo,
            capabilities,
            log: deps.log,
            connectTimeoutMs: backend.start_timeout * 1000,
            scrub: redact.text,
            ...(peers ? { peers, shared: true } : {}),
            ...(deps.ledger ? { ledger: deps.ledger } : {}),
            ...(resume ? { resume } : {}),
          }),
      });
    for (const backend of Object.values(config.backends)) {
      this.supervisors.set(backend.name, this.createSupervisor(backend, this.redactors.redact));
    }
    this.refreshEnabled();
  }

  /** Enabled backends, sorted: the names clients may use. */
  get enabledNames(): readonly string[] {
    return this.enabled;
  }

  /**
   * Replaces the configured backends with `next`. A backend whose definition is unchanged keeps its supervisor, its
   * processes and connections; a removed one is stopped; a changed one is stopped and supervised anew (started on
   * its next use); an added one is supervised. `secrets` are the values no client may read, the new ones included.
   */
  async apply(next: Record<string, BackendConfig>, secrets: readonly string[] = []): Promise<BackendDiff> {
    const known = new Set([...this.redactors.secrets, ...secrets]);
    for (const b of Object.values(next))
      for (const v of Object.values(b.transport === 'stdio' ? b.env : b.headers)) known.add(v);
    if (known.size > this.redactors.secrets.length) {
      this.redactors.secrets = [...known];
      this.redactors.redact = createClientRedactor(this.redactors.secrets);
    }
    const diff: BackendDiff = { added: [], removed: [], changed: [], unchanged: [] };
    const stopping: Array<Promise<void>> = [];
    for (const [name, supervisor] of this.supervisors) {
      if (next[name] === undefined) {
        diff.removed.push(name);
        this.supervisors.delete(name);
        stopping.push(supervisor.stop());
      }
    }
    for (const backend of Object.values(next)) {
      const current = this.supervisors.get(backend.name);
      if (current && sameDefinition(current.config, backend)) {
        diff.unchanged.push(backend.name);
        continue;
      }
      (current ? diff.changed : diff.added).push(backend.name);
      if (current) stopping.push(current.stop());
      this.supervisors.set(backend.name, this.createSupervisor(backend, this.redactors.redact));
    }
    this.refreshEnabled();
    await Promise.allSettled(stopping);
    for (const list of Object.values(diff)) list.sort();
    return diff;
  }

  /** Stops a backend's processes and connections and forgets its failures: its next use starts it afresh. */
  async restart(name: string): Promise<void> {
    const supervisor = this.supervisor(name);
    await supervisor.stop();
    supervisor.reset();
  }

  names(): string[] {
    return [...this.supervisors.keys()].sort();
  }

  /** The backend's config, or a GatewayError a caller can be shown (unknown or disabled name). */
  lookup(name: string): BackendConfig {
    return this.supervisor(name).config;
  }

  /** Whether client sessions of this backend share one connection (stdio, unless `scope: session` or `stateful`). */
  isShared(name: string): boolean {
    return this.supervisor(name).shared;
  }

  /** The shared connection of a stdio backend, started if it is not running. */
  acquireShared(name: string): Connection | Promise<Connection> {
    return this.supervisor(name).acquire();
  }

  /**
   * A connection of the caller's own (closed by the caller), advertising the caller's client capabilities; for an
   * HTTP/SSE backend with `forward_authorization`, carrying `authorization` (the calling client's header).
   */
  open(
    name: string,
    capabilities: ClientCapabilities,
    authorization?: ConnectionCredential,
    /** A backend session another replica opened (Streamable HTTP), continued instead of a new one. */
    resume?: BackendSessionRef,
  ): Promise<Connection> {
    return this.supervisor(name).open(capabilities, 'session', authorization, resume);
  }

  /**
   * A connection of the catalog's own (closed by the caller), advertising SHARED_CLIENT_CAPABILITIES whatever the
   * clients advertise: a backend that lists tools by its client's capabilities lists the same ones on every read.
   */
  openForCatalog(name: string): Promise<Connection> {
    return this.supervisor(name).open(SHARED_CLIENT_CAPABILITIES, 'catalog');
  }

  /**
   * Where a Streamable HTTP backend takes a stateless (2026-07-28) request, with the headers a connection of this
   * caller would carry (configured, or the client's own with `forward_authorization`); undefined for stdio and SSE.
   */
  modernTarget(name: string, authorization?: ConnectionCredential): ModernTarget | undefined {
    const backend = forwarding(this.lookup(name), authorization);
    if (backend.transport !== 'http') return undefined;
    return { url: backend.url, headers: { ...backend.headers } };
  }

  /** Asks a Streamable HTTP backend which era it speaks (`server/discover`), within its start timeout. */
  probeEra(name: string, authorization?: ConnectionCredential): Promise<EraProbe> {
    const target = this.modernTarget(name, authorization);
    if (!target) return Promise.resolve({ era: 'legacy', reason: 'stdio and HTTP+SSE backends are legacy' });
    const { name: clientName, version } = this.clientInfo;
    return probeEra(target, { name: clientName, version }, this.lookup(name).start_timeout * 1000);
  }

  /** The backend's definition, disabled ones included; undefined for an unknown name (never throws). */
  definition(name: string): BackendConfig | undefined {
    return this.supervisors.get(name)?.config;
  }

  /** Adds a client session to a shared backend's audience for notifications and backend requests. */
  attachShared(name: string, peer: Peer): () => void {
    const supervisor = this.supervisor(name);
    supervisor.peers.add(peer);
    return () => {
      supervisor.peers.delete(peer);
      void supervisor.acquireIfRunning()?.detach(peer);
    };
  }

  /** Stops a shared backend's process if nothing uses it (after it was started only to read its tools). */
  releaseIfUnused(name: string): Promise<void> {
    return this.supervisor(name).releaseIfUnused();
  }

  /** Starts the backends marked `warm: true`; failures are logged by their supervisors, not thrown. */
  async warmUp(): Promise<void> {
    const warm = [...this.supervisors.values()].filter((s) => s.config.enabled && s.config.warm && s.shared);
    await Promise.allSettled(warm.map((s) => s.acquire()));
  }

  status(): BackendStatus[] {
    return this.names().map((name) => {
      const supervisor = this.supervisors.get(name)!;
      const { transport, description, enabled } = supervisor.config;
      return { name, transport, description, enabled, ...supervisor.status() };
    });
  }

  /** The last lines the backend's current (or last) process wrote to stderr. */
  stderrTail(name: string): string[] {
    return this.supervisors.get(name)?.stderrTail() ?? [];
  }

  /** Calls in flight on any backend. */
  get callsInFlight(): number {
    let n = 0;
    for (const supervisor of this.supervisors.values()) n += supervisor.callsInFlight;
    return n;
  }

  /** Stops every backend and every connection; idempotent. */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.supervisors.values()].map((s) => s.stop()));
  }

  private refreshEnabled(): void {
    this.enabled = this.names().filter((name) => this.supervisors.get(name)!.config.enabled);
  }

  private supervisor(name: string): Supervisor {
    const supervisor = this.supervisors.get(name);
    if (!supervisor) {
      throw new GatewayError('unknown_backend', `unknown backend "${name}"`, {
        known: [...this.enabledNames],
      });
    }
    if (!supervisor.config.enabled) {
      throw new GatewayError('backend_disabled', `backend "${name}" is disabled in the configuration`, {
        known: [...this.enabledNames],
      });
    }
    return supervisor;
  }
}

/** Two definitions of a backend are the same when every key is (key order aside). */
function sameDefinition(a: BackendConfig, b: BackendConfig): boolean {
  return stableJson(a) === stableJson(b);
}

/**
 * The backend as one client's connection must reach it: with `forward_authorization`, that client's Authorization
 * header instead of the configured headers (a connection opened for no client, such as discovery's, keeps them).
 */
function forwarding(backend: BackendConfig, authorization: ConnectionCredential | undefined): BackendConfig {
  if (backend.transport === 'stdio' || authorization === undefined) return backend;
  // A REST session's own credentials for this backend: the configured headers are never sent beside them.
  if (typeof authorization === 'object') return { ...backend, headers: { ...authorization.headers } };
  if (!backend.forward_authorization) return backend;
  return { ...backend, headers: { Authorization: authorization } };
}
