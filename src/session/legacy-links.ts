/**
 * @module legacy-links: the legacy connections the gateway holds for stateless (2026-07-28) clients of a backend that
 * is not shared (an HTTP or SSE backend, a stdio backend with `scope: session`). A connection advertises exactly the
 * capabilities its client declared and carries its client's credential, so connections are kept apart by backend,
 * capabilities and credential; within that, one request uses a connection at a time (its peer is the only one
 * attached, so whatever the backend asks during the call reaches that request). A connection left idle is closed
 * after IDLE_MS; at most MAX_IDLE are kept per kind. Without this, every stateless request would pay a 2025
 * handshake (initialize, then the session's end) on top of its own exchange.
 */
import { createHash } from 'node:crypto';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { Connection, Peer } from '../backends/connection.js';
import type { ConnectionCredential, Registry } from '../registry/registry.js';
import { stableJson } from '../stable-json.js';

const IDLE_MS = 30_000;
/** As many as a busy client pool keeps calling at once: fewer, and each call beyond them pays a handshake. */
const MAX_IDLE = 32;

interface Idle {
  connection: Connection;
  timer: NodeJS.Timeout;
}

/** One request's hold on a connection: `connect` for forwarding (a fresh one if the backend lost the session). */
export interface HeldConnection {
  connect(): Connection | Promise<Connection>;
  /** Gives the connection back (kept for the next request, or closed); idempotent. */
  release(): void;
}

export class LegacyLinks {
  private readonly idle = new Map<string, Idle[]>();
  private closed = false;

  constructor(
    private readonly registry: Pick<Registry, 'open'>,
    private readonly idleMs = IDLE_MS,
    private readonly maxIdle = MAX_IDLE,
  ) {}

  hold(
    name: string,
    capabilities: ClientCapabilities,
    credential: ConnectionCredential | undefined,
    peer: Peer,
  ): HeldConnection {
    const key = keyOf(name, capabilities, credential);
    let current: Connection | undefined;
    let released = false;
    const take = (connection: Connection): Connection => {
      if (current && current !== connection) this.drop(current, peer);
      current = connection;
      connection.attach(peer);
      return connection;
    };
    return {
      connect: async () => {
        // A connection that lost its backend session is not used again: the retry gets a fresh one.
        if (current && !current.closed && !current.sessionLost) return current;
        const reused = current === undefined ? this.takeIdle(key) : undefined;
        if (reused) return take(reused);
        return take(await this.registry.open(name, capabilities, credential));
      },
      release: () => {
        if (released) return;
        released = true;
        const connection = current;
        current = undefined;
        if (!connection) return;
        connection.detach(peer);
        this.putIdle(key, connection);
      },
    };
  }

  /** Closes every idle connection (shutdown); connections in use are closed when given back. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    for (const { timer } of all) clearTimeout(timer);
    await Promise.allSettled(all.map(({ connection }) => connection.close()));
  }

  private takeIdle(key: string): Connection | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const { connection, timer } = list.pop()!;
      clearTimeout(timer);
      if (!connection.closed && !connection.sessionLost) return connection;
    }
    return undefined;
  }

  private putIdle(key: string, connection: Connection): void {
    const list = this.idle.get(key) ?? [];
    if (this.closed || connection.closed || connection.sessionLost || list.length >= this.maxIdle) {
      void connection.close();
      return;
    }
    const timer = setTimeout(() => {
      const at = list.findIndex((entry) => entry.connection === connection);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0 && this.idle.get(key) === list) this.idle.delete(key);
      void connection.close();
    }, this.idleMs);
    timer.unref();
    list.push({ connection, timer });
    this.idle.set(key, list);
  }

  private drop(connection: Connection, peer: Peer): void {
    connection.detach(peer);
    void connection.close();
  }
}

/** The credential is hashed: a token is not kept as a map key. */
function keyOf(
  name: string,
  capabilities: ClientCapabilities,
  credential: ConnectionCredential | undefined,
): string {
  const hashed =
    credential === undefined ? '' : createHash('sha256').update(stableJson(credential)).digest('base64url');
  return `${name}\0${stableJson(capabilities)}\0${hashed}`;
}
