/**
 * @module catalog: every backend's tool list, kept in memory and in the state directory, so that listing and
 * searching answer without starting anything, across hibernation and restarts of the gateway. Each tool carries a
 * hash of its definition (name, title, description, schemas), which changes when the backend changes the tool. Each
 * server's entry carries the fingerprint of the backend's definition it was read from (fingerprint.ts): an entry
 * read from another definition under the same name is not loaded, so the backend is indexed again.
 */
import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { isObject } from '../json-rpc.js';
import type { SnapshotStore } from '../store/snapshot-file.js';
import type { SharedDocs } from '../store/shared-docs.js';
import { createSearchIndex, type IndexedTool, type SearchIndex } from './search-index.js';
import { stableJson } from '../stable-json.js';

const INDEX_BUILD_DELAY_MS = 250;

export interface CatalogTool {
  tool: Tool;
  hash: string;
}

export interface CatalogEntry {
  /** The fingerprint of the backend's definition the tools were read from; absent for virtual servers. */
  fingerprint?: string;
  tools: CatalogTool[];
  /** When the list was read from the backend (ISO time). */
  indexed_at: string;
  /** Which protocol era the backend speaks, once asked (backend-eras.ts); kept with the same fingerprint. */
  era?: EraVerdict;
}

/** What a backend answered when asked its era; plain JSON, kept on its catalog entry. */
export interface EraVerdict {
  era: 'modern' | 'legacy';
  /** A modern backend's `server/discover` result: what a legacy client's initialize is answered from. */
  discover?: Record<string, unknown>;
  /** When the backend was asked (ISO time). */
  probed_at: string;
}

interface CatalogFile {
  version: 2;
  servers: Record<string, CatalogEntry>;
}

/**
 * Whether a server's tools can be searched: `indexed` (in the catalog), `pending` (not read yet) or `failed` (the
 * last attempt to read them failed; discovery tries again).
 */
export type IndexState = 'indexed' | 'pending' | 'failed';

export class Catalog {
  private entries = new Map<string, CatalogEntry>();
  private readonly stale = new Set<string>();
  private readonly announced = new Map<string, number>();
  private index: SearchIndex | undefined;
  private rebuild: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(server: string) => void> = [];
  private readonly reconfigured: Array<() => void> = [];
  /** Servers whose last read failed, with why (for the log's sake; clients see only the state). */
  private readonly failures = new Map<string, string>();
  /** Era verdicts of servers with no entry yet: written with the entry once the tools are read. */
  private readonly eras = new Map<string, EraVerdict>();
  /** Replicas' shared entries, by fingerprint (`state.store: redis`); undefined: this process's own alone. */
  private shared: SharedDocs | undefined;
  /** The shared version of each fingerprint this replica holds (adopted or written). */
  private readonly sharedVersions = new Map<string, number>();
  private poller: NodeJS.Timeout | undefined;

  constructor(
    /** Where the catalog outlives the process; undefined keeps it in memory only. */
    private readonly store: SnapshotStore | undefined,
    /** Server name → description, for search context; only these servers are kept. */
    private servers: ReadonlyMap<string, string>,
    /**
     * The fingerprint of a server's current definition (undefined for a virtual server). Without it (a reader such
     * as `mcp-gateway check`) entries are taken whatever definition they were read from.
     */
    private readonly fingerprintOf?: (server: string) => string | undefined,
  ) {}

  /**
   * Reads the persisted catalog, dropping servers no longer configured, entries read from another definition of the
   * backend (and those of the first file format, which did not say which) and entries of any other shape.
   */
  load(): void {
    const file = this.store?.load();
    if (!isObject(file) || !isObject(file.servers)) return;
    const fingerprinted = file.version === 2;
    if (!fingerprinted && (file.version !== 1 || this.fingerprintOf)) return;
    for (const [server, entry] of Object.entries(file.servers)) {
      if (!this.servers.has(server) || !isCatalogEntry(entry)) continue;
      if (this.fingerprintOf && entry.fingerprint !== this.fingerprintOf(server)) continue;
      this.entries.set(server, entry);
    }
    this.invalidateIndex();
  }

  /**
   * The configured servers changed (a reload): servers no longer configured, and `redefined` ones (their tools may
   * differ now), leave the catalog until they are read again.
   */
  reconfigure(servers: ReadonlyMap<string, string>, redefined: readonly string[] = []): void {
    this.servers = servers;
    const dropped: string[] = [];
    for (const server of [...this.failures.keys()])
      if (!servers.has(server) || redefined.includes(server)) this.failures.delete(server);
    for (const server of [...this.eras.keys()])
      if (!servers.has(server) || redefined.includes(server)) this.eras.delete(server);
    for (const server of [...this.entries.keys()]) {
      if (servers.has(server) && !redefined.includes(server)) continue;
      this.entries.delete(server);
      this.stale.delete(server);
      dropped.push(server);
    }
    this.invalidateIndex();
    for (const listener of this.reconfigured) listener();
    if (dropped.length === 0) return;
    this.persist();
    for (const server of dropped) for (const listener of this.listeners) listener(server);
  }

  /** Called after every reconfigure(): which servers are enabled or allowed may have changed with it. */
  onReconfigure(listener: () => void): void {
    this.reconfigured.push(listener);
  }

  /**
   * Shares entries with the other replicas: each entry read here is written under its backend's fingerprint, each
   * one written elsewhere is taken here (announced over pub/sub, and found by comparing versions every `pollMs`,
   * since announcements can be lost). The entry travels whole, whatever fields it has.
   */
  share(docs: SharedDocs, pollMs = 2_000): void {
    this.shared = docs;
    docs.onChange((fingerprint, version) => {
      if (version > (this.sharedVersions.get(fingerprint) ?? 0)) void this.adoptFingerprint(fingerprint);
    });
    docs.onRecover(() => void this.checkShared());
    this.poller = setInterval(() => void this.checkShared(), pollMs);
    this.poller.unref();
  }

  /** Stops comparing versions (shutdown). */
  stopSharing(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }

  /** Takes every shared entry newer than this replica's, for the configured servers; resolves when done. */
  async checkShared(): Promise<void> {
    const docs = this.shared;
    if (!docs) return;
    const fingerprints = [...new Set(this.fingerprints().values())];
    const versions = await docs.versions(fingerprints);
    if (!versions) return;
    await Promise.all(
      fingerprints.map((fingerprint, i) => {
        const known = this.sharedVersions.get(fingerprint) ?? 0;
        if (versions[i]! > known) return this.adoptFingerprint(fingerprint);
        // Redis lost it (restarted empty): what this replica holds is shared again.
        if (versions[i] === 0 && known > 0) return this.reshare(fingerprint);
        return undefined;
      }),
    );
  }

  /**
   * Takes the shared entry of the server's current definition, if another replica read it; true when the server
   * is indexed from it.
   */
  async adoptShared(server: string): Promise<boolean> {
    const fingerprint = this.fingerprintOf?.(server);
    if (!this.shared || fingerprint === undefined) return false;
    await this.adoptFingerprint(fingerprint);
    return this.entries.has(server) && this.entries.get(server)!.fingerprint === fingerprint;
  }

  /**
   * Asks to be the replica that reads the server: true when this one should (it holds the lock, or there are no
   * replicas to ask); false while another replica reads it.
   */
  async claimRead(server: string, ttlMs: number): Promise<boolean> {
    const fingerprint = this.fingerprintOf?.(server);
    if (!this.shared || fingerprint === undefined) return true;
    return (await this.shared.lock(fingerprint, ttlMs)) !== false;
  }

  async releaseRead(server: string): Promise<void> {
    const fingerprint = this.fingerprintOf?.(server);
    if (this.shared && fingerprint !== undefined) await this.shared.unlock(fingerprint);
  }

  /** Whether replicas share the catalog. */
  get sharing(): boolean {
    return this.shared !== undefined;
  }

  private fingerprints(): Map<string, string> {
    const found = new Map<string, string>();
    if (!this.fingerprintOf) return found;
    for (const server of this.servers.keys()) {
      const fingerprint = this.fingerprintOf(server);
      if (fingerprint !== undefined) found.set(server, fingerprint);
    }
    return found;
  }

  private async reshare(fingerprint: string): Promise<void> {
    const entry = [...this.entries.values()].find((e) => e.fingerprint === fingerprint);
    this.sharedVersions.delete(fingerprint);
    const version = entry ? await this.shared?.put(fingerprint, entry) : undefined;
    if (version !== undefined) this.sharedVersions.set(fingerprint, version);
  }

  private async adoptFingerprint(fingerprint: string): Promise<void> {
    const doc = await this.shared?.get(fingerprint);
    if (!doc || doc.version <= (this.sharedVersions.get(fingerprint) ?? 0)) return;
    const entry = doc.value;
    if (!isCatalogEntry(entry) || entry.fingerprint !== fingerprint) return;
    this.sharedVersions.set(fingerprint, doc.version);
    for (const [server, current] of this.fingerprints()) {
      if (current !== fingerprint) continue;
      this.stale.delete(server);
      this.failures.delete(server);
      this.entries.set(server, entry);
      this.invalidateIndex();
      this.persist(false);
      for (const listener of this.listeners) listener(server);
    }
  }

  /** Resolves once the catalog's last change is on disk (shutdown waits for it). */
  flush(): Promise<void> {
    return this.store?.flush() ?? Promise.resolve();
  }

  get(server: string): CatalogEntry | undefined {
    return this.entries.get(server);
  }

  isIndexed(server: string): boolean {
    return this.entries.has(server);
  }

  indexState(server: string): IndexState {
    if (this.entries.has(server)) return 'indexed';
    return this.failures.has(server) ? 'failed' : 'pending';
  }

  /** The era the backend was found to speak, if it was asked under its current definition. */
  eraOf(server: string): EraVerdict | undefined {
    return this.entries.get(server)?.era ?? this.eras.get(server);
  }

  /** Keeps what the backend answered when asked its era (persisted with its entry). */
  setEra(server: string, verdict: EraVerdict): void {
    if (!this.servers.has(server)) return;
    const entry = this.entries.get(server);
    if (!entry) {
      this.eras.set(server, verdict);
      return;
    }
    this.entries.set(server, { ...entry, era: verdict });
    // Shared too: the other replicas need not ask the backend again.
    this.persist(true, server);
  }

  /** Discovery could not read the server's tools (it tries again); an indexed server keeps its list. */
  noteFailure(server: string, message: string): void {
    if (!this.entries.has(server)) this.failures.set(server, message);
  }

  /** The servers whose tools are known, and their tools (for the semantic ranking's vectors). */
  allEntries(): ReadonlyMap<string, CatalogEntry> {
    return this.entries;
  }

  /** A server's description, as the search shows it. */
  description(server: string): string {
    return this.servers.get(server) ?? '';
  }

  find(server: string, tool: string): CatalogTool | undefined {
    return this.entries.get(server)?.tools.find((t) => t.tool.name === tool);
  }

  /**
   * The server's tools as it listed them, for answering its clients' tools/list; undefined when unknown, or when the
   * server announced a change that has not been read yet.
   */
  currentTools(server: string): Tool[] | undefined {
    if (this.stale.has(server)) return undefined;
    return this.entries.get(server)?.tools.map((t) => t.tool);
  }

  /** The server announced tools/list_changed: its list must not be served until it is read again. */
  markStale(server: string): void {
    this.stale.add(server);
    this.announced.set(server, this.changesAnnounced(server) + 1);
  }

  /** How many changes the server has announced; a read taken before the last of them does not make its list current. */
  changesAnnounced(server: string): number {
    return this.announced.get(server) ?? 0;
  }

  /**
   * Replaces a server's tools (in the server's order) and persists the catalog when they changed. `readAfter`:
   * changesAnnounced() when the read began; if a change was announced since, the list stays stale (the read may
   * predate the change) until the next read.
   */
  set(server: string, tools: readonly Tool[], now = new Date(), readAfter?: number): void {
    if (readAfter === undefined || readAfter === this.changesAnnounced(server)) this.stale.delete(server);
    this.failures.delete(server);
    const next = tools.map((tool) => ({ tool, hash: toolHash(tool) }));
    const fingerprint = this.fingerprintOf?.(server);
    const previous = this.entries.get(server);
    const same =
      previous !== undefined &&
      previous.fingerprint === fingerprint &&
      previous.tools.length === next.length &&
      previous.tools.every((t, i) => t.hash === next[i]!.hash);
    const pendingEra = this.eras.get(server);
    this.eras.delete(server);
    const era = pendingEra ?? (previous?.fingerprint === fingerprint ? previous?.era : undefined);
    this.entries.set(server, {
      ...(fingerprint !== undefined ? { fingerprint } : {}),
      tools: same ? previous.tools : next,
      indexed_at: now.toISOString(),
      ...(era ? { era } : {}),
    });
    // A list read again unchanged is not written: its new read time matters to this process only.
    if (same) {
      if (pendingEra) this.persist(true, server);
      return;
    }
    this.invalidateIndex();
    this.persist(true, server);
    for (const listener of this.listeners) listener(server);
  }

  /** Called when a server's tools changed (not merely re-read), or the server left the catalog. */
  onChange(listener: (server: string) => void): void {
    this.listeners.push(listener);
  }

  /** The search index over every indexed tool, rebuilt only after a change. */
  searchIndex(): SearchIndex {
    if (!this.index) {
      const tools: IndexedTool[] = [];
      for (const [server, entry] of this.entries) {
        const serverDescription = this.servers.get(server) ?? '';
        for (const { tool } of entry.tools) tools.push({ server, serverDescription, tool });
      }
      this.index = createSearchIndex(tools);
    }
    return this.index;
  }

  /**
   * Drops the index and builds the new one soon, off the request path: at 10,000 tools a build takes a few hundred
   * ms, which the first search after a change would otherwise wait for. Not at once: a start answers its first
   * requests before it builds.
   */
  private invalidateIndex(): void {
    this.index = undefined;
    if (this.rebuild) return;
    this.rebuild = setTimeout(() => {
      this.rebuild = undefined;
      this.searchIndex();
    }, INDEX_BUILD_DELAY_MS);
    this.rebuild.unref();
  }

  /** Saves the catalog; `share`: the server's entry was read here, and the other replicas get it too. */
  private persist(share = false, server?: string): void {
    const file: CatalogFile = { version: 2, servers: Object.fromEntries(this.entries) };
    this.store?.save(file);
    const entry = server !== undefined ? this.entries.get(server) : undefined;
    const fingerprint = entry?.fingerprint;
    if (!share || !this.shared || fingerprint === undefined) return;
    void this.shared.put(fingerprint, entry).then((version) => {
      if (version !== undefined && version > (this.sharedVersions.get(fingerprint) ?? 0))
        this.sharedVersions.set(fingerprint, version);
    });
  }
}

function isCatalogEntry(value: unknown): value is CatalogEntry {
  return (
    isObject(value) &&
    typeof value.indexed_at === 'string' &&
    (value.fingerprint === undefined || typeof value.fingerprint === 'string') &&
    (value.era === undefined || isEraVerdict(value.era)) &&
    Array.isArray(value.tools) &&
    value.tools.every(
      (t) => isObject(t) && typeof t.hash === 'string' && isObject(t.tool) && typeof t.tool.name === 'string',
    )
  );
}

function isEraVerdict(value: unknown): value is EraVerdict {
  return (
    isObject(value) &&
    (value.era === 'modern' || value.era === 'legacy') &&
    typeof value.probed_at === 'string' &&
    (value.discover === undefined || isObject(value.discover))
  );
}

/** Stable across key order: the hash must not change when a backend serializes the same schema differently. */
export function toolHash(tool: Tool): string {
  const { name, title, description, inputSchema, outputSchema } = tool;
  return createHash('sha256')
    .update(stableJson({ name, title, description, inputSchema, outputSchema }))
    .digest('hex')
    .slice(0, 16);
}
