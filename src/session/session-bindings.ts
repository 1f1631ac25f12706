/**
 * @module session-bindings: what replicas share of a legacy (2025-11-25) client session so that another replica can
 * continue it (`state.store: redis`): its endpoint, its owner, and the client's initialize request, which that
 * replica replays to open the session again under the same id on first use (http/mcp-session.ts). A binding lives
 * as long as its session is used (a sliding TTL); an explicit DELETE ends it on every replica. The counts bound
 * sessions across replicas (`max_sessions`, `auth.max_sessions_per_client`). Every method resolves undefined when
 * the shared store does not answer: the replica then goes on with its own table.
 */

export interface SessionBinding {
  endpoint: string;
  owner?: string | undefined;
  /** The client's initialize request (JSON-RPC), replayed where the session is opened again. */
  init: unknown;
  /**
   * False for a session whose state lives in a process of the replica that opened it (a `scope: session` or
   * `stateful` stdio backend): elsewhere it is unknown (404), and the client initializes again.
   */
  movable: boolean;
  /** The backend session an HTTP backend gave it (OpenedSession.backendSession), continued where it moves. */
  backend?: unknown;
}

export interface SessionBindings {
  /** Resolves once written (false: not shared; the session is this replica's alone). */
  put(id: string, binding: SessionBinding): Promise<boolean>;
  /** The binding, its TTL renewed; undefined when unknown, expired or unreadable. */
  get(id: string): Promise<SessionBinding | undefined>;
  /** Renews the TTL of sessions used on this replica lately. */
  touch(sessions: ReadonlyArray<{ id: string; owner?: string | undefined }>): Promise<void>;
  /** How long the binding lives unless renewed (ms); undefined when unknown or the store does not answer. */
  remainingMs(id: string): Promise<number | undefined>;
  /** Ends the session on every replica. */
  delete(id: string): Promise<void>;
  /** Another replica ended a session (a DELETE): its copy here is closed. */
  onEnded(listener: (id: string) => void): void;
  /** Sessions open on all replicas together, and those of one owner; undefined when the store does not answer. */
  count(owner?: string): Promise<{ all: number; owner: number } | undefined>;
}
