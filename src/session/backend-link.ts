/**
 * @module backend-link: how one client session reaches one backend. A shared backend is reached through its shared
 * process (started again if it hibernated or crashed); any other gets a connection of the session's own, advertising
 * the session's client capabilities and opened again if it ended (a restarted backend gets a new session).
 */
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import {
  CLOSED_BY_GATEWAY,
  type BackendSessionRef,
  type Connection,
  type Peer,
} from '../backends/connection.js';
import type { ConnectionCredential, Registry } from '../registry/registry.js';

export interface BackendLink {
  readonly name: string;
  /** The connection to use now (itself when it is up); may start, wake or re-open one. */
  connection(): Connection | Promise<Connection>;
  /** The session's own connection while it is open (a shared one is the registry's: undefined). */
  current(): Connection | undefined;
  /** Makes `peer` the audience of what the backend sends on its own (notifications, requests). */
  attach(peer: Peer): void;
  /** Detaches the peer and closes a connection of the session's own. */
  close(): Promise<void>;
}

export function createBackendLink(
  registry: Registry,
  name: string,
  capabilities: ClientCapabilities,
  /**
   * Called when the session's own connection ended by itself (the process crashed). Given for a `stateful` backend,
   * whose state died with it: the session ends rather than go on, unaware, with a fresh process.
   */
  onLost?: (reason: string) => void,
  /**
   * The client's Authorization header, for a backend that forwards it (`forward_authorization`), or a REST session's
   * own headers for this backend.
   */
  authorization?: ConnectionCredential,
  /** A backend session another replica opened: the first connection continues it; a re-opened one is new. */
  resume?: BackendSessionRef,
): BackendLink {
  const shared = registry.isShared(name);
  let peer: Peer | undefined;
  let detachShared: (() => void) | undefined;
  let owned: Connection | undefined;
  let opening: Promise<Connection> | undefined;
  let closed = false;

  function ownConnection(): Connection | Promise<Connection> {
    if (owned && !owned.closed) return owned;
    const continued = resume;
    resume = undefined;
    opening ??= registry
      .open(name, capabilities, authorization, continued)
      .then((fresh) => {
        if (closed) void fresh.close();
        if (peer) fresh.attach(peer);
        if (onLost) fresh.onClosed((reason) => reason !== CLOSED_BY_GATEWAY && !closed && onLost(reason));
        return (owned = fresh);
      })
      .finally(() => (opening = undefined));
    return opening;
  }

  return {
    name,
    connection: shared ? () => registry.acquireShared(name) : ownConnection,
    current: () => (owned && !owned.closed ? owned : undefined),
    attach(p) {
      peer = p;
      if (shared) detachShared = registry.attachShared(name, p);
      else owned?.attach(p);
    },
    async close() {
      closed = true;
      detachShared?.();
      await owned?.close();
    },
  };
}
