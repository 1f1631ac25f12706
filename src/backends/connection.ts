/**
 * @module connection: the contract between client sessions and backends. A Connection is one live, initialized MCP
 * link to a backend (a child process, a Streamable HTTP session, an SSE stream); the session layer, the registry and
 * the catalog use it through this interface only. A Peer is the other direction: a client session as the backend's
 * messages reach it.
 */
import type {
  Implementation,
  Notification,
  Request,
  RequestId,
  Result,
  ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Cancellation } from '../cancellation.js';

/**
 * A client session using a connection. What the backend sends on its own is routed to the peer whose call is in
 * flight when that is unambiguous, else to every attached peer (notifications) or to the only attached peer
 * (requests).
 */
export interface Peer {
  notify(notification: Notification, relatedRequestId: RequestId | undefined): void;
  request(
    request: Request,
    relatedRequestId: RequestId | undefined,
    extra: RequestHandlerExtra<Request, Notification>,
  ): Promise<Result>;
}

/** Who made a call, so that what the backend sends meanwhile can be related to it. */
export interface Caller {
  peer: Peer;
  requestId: RequestId;
}

export interface CallOptions {
  /** The caller gave up (its client cancelled); the backend receives notifications/cancelled. */
  cancellation?: Cancellation;
  /** Idle timeout of the call; each progress notification starts it again. */
  timeoutMs: number;
  /** Hard cap however much progress arrives. */
  maxTotalMs: number;
  /** Receives the backend's progress for this call, with the caller's own token restored. */
  onProgress?: (params: Record<string, unknown>) => void;
  caller?: Caller;
}

/** What the backend said of itself at initialize. */
export interface ConnectionInfo {
  capabilities: ServerCapabilities;
  serverInfo: Implementation;
  instructions: string | undefined;
}

/**
 * What another gateway process (a replica) needs to continue a connection's backend session instead of opening a
 * new one: a Streamable HTTP backend's session id, the protocol version it negotiated, and what it answered to
 * initialize.
 */
export interface BackendSessionRef {
  sessionId: string;
  protocolVersion: string;
  info: ConnectionInfo;
}

/** The close reason of a connection the gateway ended itself (hibernation, session end, shutdown). */
export const CLOSED_BY_GATEWAY = 'closed by the gateway';

export interface Connection {
  /** The backend's name in the config. */
  readonly backend: string;
  readonly info: ConnectionInfo;
  /** The backend session it holds, for a replica to continue it (Streamable HTTP backends; else undefined). */
  backendSession?(): BackendSessionRef | undefined;
  /** The child's pid, for a stdio backend. */
  readonly pid: number | undefined;
  readonly closed: boolean;
  /**
   * True once the backend answered that it no longer knows this connection's session (it restarted): the request
   * that learned it was never processed, so it may be sent again on a new connection.
   */
  readonly sessionLost: boolean;
  /** Calls sent and not yet answered. */
  readonly callsInFlight: number;
  /** When a call last started or ended (epoch ms); the idle clock starts here. */
  readonly lastActivity: number;
  /**
   * Sends one request and resolves with the backend's result as it is, or rejects with an RpcError. On a connection
   * several client sessions share, resources/subscribe and /unsubscribe are counted per URI: only the first
   * subscribe and the last unsubscribe reach the backend.
   */
  request(method: string, params: Request['params'], options: CallOptions): Promise<Result>;
  /** Sends a client notification (roots/list_changed, cancelled, …) to the backend. */
  notify(notification: Notification): Promise<void>;
  /** Makes `peer` part of the audience of what the backend sends on its own. */
  attach(peer: Peer): void;
  /** Removes a peer and its resource subscriptions. */
  detach(peer: Peer): void;
  /** Calls `listener` with every notification the backend sends except progress (before peers get it). */
  observe(listener: (notification: Notification) => void): void;
  /** Calls `listener` once when the connection ends, for any reason (at once if it already has). */
  onClosed(listener: (reason: string) => void): void;
  /** The last lines the backend process wrote to stderr (empty for remote backends). */
  stderrTail(): string[];
  /** Ends the connection: a Streamable HTTP session is ended (DELETE), a child process is stopped. Idempotent. */
  close(): Promise<void>;
}
