/**
 * @module sessions: the table of live client sessions by Mcp-Session-Id. Sessions end by DELETE, when their backend
 * connection ends, at shutdown, or when a client abandons them (no request and no open stream for the idle TTL).
 */
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { DirectLane } from './direct-lane.js';
import { hasStandaloneStream } from './client-peer.js';
import type { SessionBinding, SessionBindings } from './session-bindings.js';

/** What replicas share of client sessions (`state.store: redis`). */
export interface SharedSessions {
  bindings: SessionBindings;
  /** Whether a session of this endpoint can be continued on another replica (see SessionBinding.movable). */
  movable(endpoint: string): boolean;
}

/** The table's endpoint name for the meta endpoint `/mcp` (backend names cannot be empty). */
export const META_ENDPOINT = '';
/** The table's endpoint of `/mcp/flat` (a reserved backend name). */
export const FLAT_ENDPOINT = 'flat';

/** The table's endpoint of `/mcp/p/<profile>` (`p` is a reserved backend name, and no name holds a slash). */
export function profileEndpoint(profile: string): string {
  return `p/${profile}`;
}

/** The table's endpoint of `/s/<id>/mcp`, a REST session's MCP endpoint (no backend name holds a slash). */
export function restSessionEndpoint(id: string): string {
  return `s/${id}`;
}

export interface ClientSession {
  id: string;
  /** The route it belongs to: a backend name, META_ENDPOINT, `flat`, `p/<profile>`, `admin`. */
  endpoint: string;
  /** The client that opened it (its name, when the gateway authenticates); no other may use it. */
  owner?: string | undefined;
  transport: WebStandardStreamableHTTPServerTransport;
  /** Present on passthrough sessions: the lane their single requests take instead of the transport. */
  direct?: DirectLane | undefined;
  lastSeen: number;
  /** What the other replicas know of it (`state.store: redis`), kept to share it again if Redis loses it. */
  binding?: SessionBinding | undefined;
}

/** A place in the table held for a session being opened; released when it is added, or when opening fails. */
export interface Admission {
  release(): void;
}

export class SessionTable {
  private readonly sessions = new Map<string, ClientSession>();
  /** Sessions admitted and still being opened: they count against the capacity from the moment they are admitted. */
  private opening = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private toucher: NodeJS.Timeout | undefined;
  /** Sessions being opened again here (re-attached), by id: requests arriving meanwhile wait for the same one. */
  readonly reattaching = new Map<string, Promise<ClientSession | undefined>>();
  /** Shared with the other replicas; undefined with the embedded state. */
  shared: SharedSessions | undefined;

  constructor(
    private readonly idleTtlMs: number,
    /** Sessions open at once, all endpoints together (a reload may change it). */
    public capacity = Infinity,
    /** Sessions one client (owner) may hold at once. */
    public perOwner = Infinity,
  ) {}

  /**
   * Holds a place for a session about to be opened. A full table first ends its least recently used idle session (no
   * call in flight on its lane, no open GET stream: a client that went away without ending it); undefined when every
   * session is busy.
   */
  admit(): Admission | undefined {
    if (this.sessions.size + this.opening >= this.capacity && !this.evictIdle()) return undefined;
    this.opening++;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.opening--;
      },
    };
  }

  get(id: string, endpoint: string, owner?: string): ClientSession | undefined {
    const session = this.sessions.get(id);
    // A session id is only valid on the route that created it, for the client that created it: anywhere else it is
    // unknown (404), so that a leaked id is worth nothing to another client.
    if (!session || session.endpoint !== endpoint || session.owner !== owner) return undefined;
    session.lastSeen = Date.now();
    return session;
  }

  /** Whether a session is live, without counting as activity. */
  has(id: string): boolean {
    return this.sessions.has(id);
  }

  /** Adds an opened session in the place its admission held. */
  add(session: ClientSession, admission: Admission): void {
    admission.release();
    this.sessions.set(session.id, session);
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  count(endpoint?: string): number {
    if (endpoint === undefined) return this.sessions.size;
    let n = 0;
    for (const session of this.sessions.values()) if (session.endpoint === endpoint) n++;
    return n;
  }

  /** Whether `owner` holds as many sessions as one client may. */
  ownerFull(owner: string | undefined): boolean {
    if (owner === undefined || this.perOwner === Infinity) return false;
    let n = 0;
    for (const session of this.sessions.values())
      if (session.owner === owner && ++n >= this.perOwner) return true;
    return false;
  }

  /** Ends the least recently used idle session; false if there is none. */
  private evictIdle(): boolean {
    let oldest: ClientSession | undefined;
    for (const session of this.sessions.values()) {
      if (session.direct?.busy || hasStandaloneStream(session.transport)) continue;
      if (!oldest || session.lastSeen < oldest.lastSeen) oldest = session;
    }
    if (!oldest) return false;
    this.sessions.delete(oldest.id);
    void oldest.transport.close();
    return true;
  }

  /** Ends every session of an endpoint (its backend was removed or redefined): their clients get 404 and start over. */
  async closeEndpoint(endpoint: string): Promise<number> {
    const ending = [...this.sessions.values()].filter((s) => s.endpoint === endpoint);
    for (const s of ending) this.sessions.delete(s.id);
    await Promise.allSettled(ending.map((s) => s.transport.close()));
    return ending.length;
  }

  /** Closes sessions idle for longer than the TTL; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    let idle = [...this.sessions.values()].filter(
      (s) => now - s.lastSeen > this.idleTtlMs && !hasStandaloneStream(s.transport),
    );
    if (this.shared && idle.length > 0) idle = await this.idleEverywhere(idle, now);
    await Promise.allSettled(idle.map((s) => s.transport.close()));
    for (const s of idle) this.sessions.delete(s.id);
    return idle.length;
  }

  /**
   * Of the sessions idle here, those no replica used lately: a session whose requests land on other replicas keeps
   * its copy here (and its backend session, which this replica ends with it). A binding renewed within the last
   * two rounds of renewals was used somewhere; one Redis cannot tell about is swept as before.
   */
  private async idleEverywhere(idle: ClientSession[], now: number): Promise<ClientSession[]> {
    const recent = this.idleTtlMs - 2 * this.touchEveryMs();
    const remaining = await Promise.all(idle.map((s) => this.shared!.bindings.remainingMs(s.id)));
    return idle.filter((s, i) => {
      const left = remaining[i];
      if (left === undefined || left < recent) return true;
      s.lastSeen = now;
      return false;
    });
  }

  private touchEveryMs(): number {
    return Math.max(1_000, Math.min(60_000, this.idleTtlMs / 3));
  }

  startSweeping(intervalMs = Math.min(60_000, this.idleTtlMs)): void {
    this.sweeper ??= setInterval(() => void this.sweep(), intervalMs).unref();
    if (!this.shared) return;
    // Bindings of the sessions used here since the last round live on (a sliding TTL); a third of the TTL apart.
    const every = this.touchEveryMs();
    let since = Date.now();
    this.toucher ??= setInterval(() => {
      const used = [...this.sessions.values()].filter((s) => s.lastSeen >= since);
      since = Date.now();
      void this.shared?.bindings.touch(used.map(({ id, owner }) => ({ id, owner })));
    }, every).unref();
  }

  /**
   * Whether opening one more session would pass `max_sessions` or the owner's share, counted on all replicas when
   * they share their sessions (and Redis answers), else on this one.
   */
  async full(owner: string | undefined): Promise<'owner' | 'all' | undefined> {
    const counts = await this.shared?.bindings.count(owner);
    if (!counts) return this.ownerFull(owner) ? 'owner' : undefined;
    if (owner !== undefined && counts.owner >= this.perOwner) return 'owner';
    if (counts.all >= this.capacity) return 'all';
    return undefined;
  }

  /** Shares again the bindings of the sessions opened here (Redis came back, perhaps empty). */
  async republish(): Promise<void> {
    const shared = this.shared;
    if (!shared) return;
    await Promise.all(
      [...this.sessions.values()].map((s) => (s.binding ? shared.bindings.put(s.id, s.binding) : undefined)),
    );
  }

  /** Closes this replica's copy of a session another replica ended. */
  async drop(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    await session.transport.close();
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    clearInterval(this.toucher);
    this.sweeper = undefined;
    this.toucher = undefined;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => s.transport.close()));
  }
}
