/**
 * @module session-store: the REST sessions (`POST /api/v1/sessions`) as they outlive the process, behind a small
 * asynchronous interface so that a shared store (Redis, for replicas) can stand in for the SQLite file
 * (sqlite-session-store.ts). Credentials go in and come out as plain header maps; how they are kept at rest is the
 * store's business.
 */

/** Headers one session sends to one backend instead of the configured ones. */
export type CredentialHeaders = Record<string, string>;

export interface StoredSession {
  id: string;
  /** The client that created it (its auth identity; one anonymous owner without auth). */
  owner: string;
  servers: string[];
  surface: 'flat' | 'meta';
  /** Per server, the headers to send; servers without an entry use the configured connection. */
  credentials: Record<string, CredentialHeaders>;
  metadata: Record<string, unknown>;
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number;
}

export interface SessionStore {
  put(session: StoredSession): Promise<void>;
  /** Undefined when unknown or expired. */
  get(id: string): Promise<StoredSession | undefined>;
  /** The owner's sessions that have not expired, oldest first. */
  list(owner: string): Promise<StoredSession[]>;
  delete(id: string): Promise<boolean>;
  /** Removes expired sessions; returns how many. */
  sweep(now?: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * A store opened on first use (or by `open()`), so that the file is touched only once the state directory is this
 * gateway's (locked); `close()` before any use opens nothing. A sweep opens nothing either: a store that may hold
 * sessions from before is opened at start (daemon.ts), so one not opened yet has nothing to expire.
 */
export function deferredSessionStore(open: () => SessionStore): SessionStore & { open(): SessionStore } {
  let store: SessionStore | undefined;
  let closed = false;
  const opened = (): SessionStore => {
    if (closed) throw new Error('the session store is closed');
    return (store ??= open());
  };
  return {
    open: opened,
    put: async (session) => opened().put(session),
    get: async (id) => opened().get(id),
    list: async (owner) => opened().list(owner),
    delete: async (id) => opened().delete(id),
    sweep: async (now) => (store && !closed ? store.sweep(now) : 0),
    async close() {
      closed = true;
      await store?.close();
    },
  };
}
