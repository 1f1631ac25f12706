/**
 * @module registry: the gateway's backends by name, and who owns which connection. A stdio backend runs as one
 * shared process, started on first use (concurrent first uses share one start); remote backends, and stdio backends
 * with `scope: session`, get a connection per client session. Every live connection is tracked so that shutdown leaves nothing behind.
 */
import type { ClientCapabilities, Implementation } from '@modelcontextprotocol/sdk/types.js';
import type { BackendConfig, GatewayConfig } from '../config/index.js';
import { GatewayError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { Upstream, type Peer } from '../backends/upstream.js';

export type BackendState = 'stopped' | 'starting' | 'running';

export interface BackendStatus {
  name: string;
  transport: BackendConfig['transport'];
  description: string;
  enabled: boolean;
  state: BackendState;
  /** The shared process's pid (stdio), else null. */
  pid: number | null;
  /** Every live child process of this backend (the shared one, or one per session with `scope: session`). */
  pids: number[];
  connections: number;
  last_error: string | null;
}

export interface RegistryDeps {
  log: Logger;
  clientInfo: Implementation;
  connectTimeoutMs?: number;
}

/**
 * What a shared backend's process advertises to it: everything a client may offer, so that the backend enables all
 * its tools. A request the calling client cannot answer fails with that client's error.
 */
export const SHARED_CLIENT_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
};

interface SharedSlot {
  /** Client sessions using the backend; kept across restarts of its process. */
  peers: Set<Peer>;
  starting?: Promise<Upstream>;
  upstream?: Upstream;
  lastError?: string;
}

export class Registry {
  private readonly shared = new Map<string, SharedSlot>();
  private readonly live = new Set<Upstream>();
  private readonly log: Logger;

  constructor(
    private readonly config: GatewayConfig,
    private readonly deps: RegistryDeps,
  ) {
    this.log = deps.log;
  }

  names(): string[] {
    return Object.keys(this.config.backends).sort();
  }

  /** The backend's config, or a GatewayError a caller can be shown (unknown or disabled name). */
  lookup(name: string): BackendConfig {
    const backend = Object.hasOwn(this.config.backends, name) ? this.config.backends[name] : undefined;
    if (!backend) {
      throw new GatewayError('unknown_backend', `unknown backend "${name}"`, { known: this.enabledNames() });
    }
    if (!backend.enabled) {
      throw new GatewayError('backend_disabled', `backend "${name}" is disabled in the configuration`, {
        known: this.enabledNames(),
      });
    }
    return backend;
  }

  /** Whether client sessions of this backend share one connection (stdio, unless `scope: session`). */
  isShared(name: string): boolean {
    const backend = this.lookup(name);
    return backend.transport === 'stdio' && backend.scope === 'shared';
  }

  /** The shared connection of a stdio backend, started if it is not running. */
  acquireShared(name: string): Promise<Upstream> {
    const config = this.lookup(name);
    const slot = this.slot(name);
    if (slot.upstream && !slot.upstream.closed) return Promise.resolve(slot.upstream);
    slot.starting ??= this.connect(config, SHARED_CLIENT_CAPABILITIES, slot.peers)
      .then((upstream) => {
        slot.upstream = upstream;
        slot.lastError = undefined;
        return upstream;
      })
      .catch((error: unknown) => {
        slot.lastError = errorMessage(error);
        throw error;
      })
      .finally(() => {
        slot.starting = undefined;
      });
    return slot.starting;
  }

  /** A connection of the caller's own (closed by the caller), advertising the caller's client capabilities. */
  open(name: string, capabilities: ClientCapabilities): Promise<Upstream> {
    return this.connect(this.lookup(name), capabilities);
  }

  status(): BackendStatus[] {
    return this.names().map((name) => {
      const config = this.config.backends[name]!;
      const slot = this.shared.get(name);
      const running = slot?.upstream && !slot.upstream.closed ? slot.upstream : undefined;
      const mine = [...this.live].filter((u) => u.name === name);
      const connections = mine.length;
      return {
        name,
        transport: config.transport,
        description: config.description,
        enabled: config.enabled,
        state: slot?.starting ? 'starting' : running || connections > 0 ? 'running' : 'stopped',
        pid: running?.pid ?? null,
        pids: mine.flatMap((u) => (u.pid === undefined ? [] : [u.pid])),
        connections,
        last_error: slot?.lastError ?? null,
      };
    });
  }

  /** Closes every connection, shared or per session; idempotent. */
  async stopAll(): Promise<void> {
    const starting = [...this.shared.values()].flatMap((slot) => (slot.starting ? [slot.starting] : []));
    await Promise.allSettled(starting);
    await Promise.allSettled([...this.live].map((upstream) => upstream.close()));
  }

  private enabledNames(): string[] {
    return this.names().filter((name) => this.config.backends[name]!.enabled);
  }

  private slot(name: string): SharedSlot {
    let slot = this.shared.get(name);
    if (!slot) this.shared.set(name, (slot = { peers: new Set() }));
    return slot;
  }

  /** Adds a client session to a shared backend's audience for notifications and backend requests. */
  attachShared(name: string, peer: Peer): () => void {
    const slot = this.slot(name);
    slot.peers.add(peer);
    return () => {
      slot.peers.delete(peer);
      slot.upstream?.detach(peer);
    };
  }

  private async connect(
    config: BackendConfig,
    capabilities: ClientCapabilities,
    peers?: Set<Peer>,
  ): Promise<Upstream> {
    const started = Date.now();
    const upstream = await Upstream.connect(config, {
      clientInfo: this.deps.clientInfo,
      capabilities,
      log: this.log,
      connectTimeoutMs: this.deps.connectTimeoutMs ?? 30_000,
      ...(peers ? { peers, shared: true } : {}),
    });
    this.live.add(upstream);
    upstream.onClosed((reason) => {
      this.live.delete(upstream);
      this.log.info({ backend: config.name, reason }, 'backend connection closed');
    });
    this.log.info(
      { backend: config.name, transport: config.transport, pid: upstream.pid, ms: Date.now() - started },
      'backend connected',
    );
    return upstream;
  }
}
