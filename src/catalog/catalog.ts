/**
 * @module catalog: every backend's tool list, kept in memory and in the state directory, so that listing and
 * searching answer without starting anything, across hibernation and restarts of the gateway. Each tool carries a
 * hash of its definition (name, title, description, schemas), which changes when the backend changes the tool.
 */
import { createHash } from 'node:crypto';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { isObject } from '../json-rpc.js';
import type { SnapshotStore } from '../store/snapshot-file.js';
import { createSearchIndex, type IndexedTool, type SearchIndex } from './search-index.js';
import { stableJson } from '../stable-json.js';

const INDEX_BUILD_DELAY_MS = 250;

export interface CatalogTool {
  tool: Tool;
  hash: string;
}

export interface CatalogEntry {
  tools: CatalogTool[];
  /** When the list was read from the backend (ISO time). */
  indexed_at: string;
}

interface CatalogFile {
  version: 1;
  servers: Record<string, CatalogEntry>;
}

export class Catalog {
  private entries = new Map<string, CatalogEntry>();
  private readonly stale = new Set<string>();
  private readonly announced = new Map<string, number>();
  private index: SearchIndex | undefined;
  private rebuild: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(server: string) => void> = [];

  constructor(
    /** Where the catalog outlives the process; undefined keeps it in memory only. */
    private readonly store: SnapshotStore | undefined,
    /** Server name → description, for search context; only these servers are kept. */
    private servers: ReadonlyMap<string, string>,
  ) {}

  /** Reads the persisted catalog, dropping servers no longer configured and entries of any other shape. */
  load(): void {
    const file = this.store?.load();
    if (!isObject(file) || file.version !== 1 || !isObject(file.servers)) return;
    for (const [server, entry] of Object.entries(file.servers)) {
      if (this.servers.has(server) && isCatalogEntry(entry)) this.entries.set(server, entry);
    }
    this.invalidateIndex();
  }

  /**
   * The configured servers changed (a reload): servers no longer configured, and `redefined` ones (their tools may
   * differ now), leave the catalog until they are read again.
   */
  reconfigure(servers: ReadonlyMap<string, string>, redefined: readonly string[] = []): void {
    this.servers = servers;
    let dropped = false;
    for (const server of [...this.entries.keys()]) {
      if (servers.has(server) && !redefined.includes(server)) continue;
      this.entries.delete(server);
      this.stale.delete(server);
      dropped = true;
    }
    this.invalidateIndex();
    if (!dropped) return;
    this.persist();
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
    const next = tools.map((tool) => ({ tool, hash: toolHash(tool) }));
    const previous = this.entries.get(server);
    const same =
      previous !== undefined &&
      previous.tools.length === next.length &&
      previous.tools.every((t, i) => t.hash === next[i]!.hash);
    this.entries.set(server, { tools: same ? previous.tools : next, indexed_at: now.toISOString() });
    // A list read again unchanged is not written: its new read time matters to this process only.
    if (same) return;
    this.invalidateIndex();
    this.persist();
    for (const listener of this.listeners) listener(server);
  }

  /** Called when a server's tools changed (not merely re-read). */
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

  private persist(): void {
    const file: CatalogFile = { version: 1, servers: Object.fromEntries(this.entries) };
    this.store?.save(file);
  }
}

function isCatalogEntry(value: unknown): value is CatalogEntry {
  return (
    isObject(value) &&
    typeof value.indexed_at === 'string' &&
    Array.isArray(value.tools) &&
    value.tools.every(
      (t) => isObject(t) && typeof t.hash === 'string' && isObject(t.tool) && typeof t.tool.name === 'string',
    )
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
