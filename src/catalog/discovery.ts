/**
 * @module discovery: fills the catalog from the backends. A backend's tools are read when it connects (if the
 * catalog has none or they are older than a minute) and again, debounced, when it announces tools/list_changed. At
 * a cold start with no catalog, each unknown backend is started once, a few at a time, read, and let go.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { mapLimit } from '../concurrency.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Connection } from '../backends/connection.js';
import type { Registry } from '../registry/registry.js';
import { SHARED_CLIENT_CAPABILITIES } from '../registry/supervisor.js';
import type { Catalog } from './catalog.js';

export interface DiscoveryOptions {
  catalog: Catalog;
  registry: Registry;
  log: Logger;
  /** A list older than this is read again when the backend next connects. */
  ttlMs?: number;
  /** list_changed notifications within this window cause one read. */
  debounceMs?: number;
  /** How many backends a cold start runs at once. */
  concurrency?: number;
}

/**
 * A list read longer ago than this is read again when the backend connects: a backend restarted after an upgrade
 * shows its new tools within a minute, even one that never announces changes. One tools/list per wake-up is cheap.
 */
const DEFAULT_TTL_MS = 60_000;
/** A backend with more pages than this is cut off (and says so in the log) rather than read forever. */
const MAX_PAGES = 100;
const READ_TIMEOUT_MS = 30_000;

export class Discovery {
  private readonly reading = new Map<string, Promise<void>>();
  private readonly debounce = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: DiscoveryOptions) {}

  /** The registry's hook for every new backend connection. */
  connected(name: string, connection: Connection): void {
    connection.observe((notification) => {
      if (notification.method !== 'notifications/tools/list_changed') return;
      // Before the clients hear of it: one that lists at once must not get the old list from the catalog.
      this.options.catalog.markStale(name);
      this.scheduleRead(name, connection);
    });
    const entry = this.options.catalog.get(name);
    const age = entry ? Date.now() - Date.parse(entry.indexed_at) : Infinity;
    if (age > (this.options.ttlMs ?? DEFAULT_TTL_MS)) void this.read(name, connection);
  }

  /** Reads every page of the backend's tools into the catalog; one read per backend at a time. */
  read(name: string, connection: Connection): Promise<void> {
    let reading = this.reading.get(name);
    if (!reading) {
      const announced = this.options.catalog.changesAnnounced(name);
      reading = readAllTools(connection)
        .then((tools) => {
          this.options.catalog.set(name, tools, new Date(), announced);
          this.options.log.info({ backend: name, tools: tools.length }, 'tool catalog updated');
        })
        .catch((error: unknown) =>
          this.options.log.warn({ backend: name, err: errorMessage(error) }, 'could not read the tool list'),
        )
        .finally(() => this.reading.delete(name));
      this.reading.set(name, reading);
    }
    return reading;
  }

  /** Cold start: indexes every enabled backend the catalog does not know yet, a few at a time. */
  async discoverMissing(): Promise<void> {
    const { registry, catalog } = this.options;
    const missing = registry.enabledNames.filter((name) => !catalog.isIndexed(name));
    await mapLimit(missing, this.options.concurrency ?? 4, async (name) => {
      if (this.stopped) return;
      await this.discover(name).catch((error: unknown) =>
        this.options.log.warn({ backend: name, err: errorMessage(error) }, 'discovery failed'),
      );
    });
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.debounce.values()) clearTimeout(timer);
    this.debounce.clear();
  }

  private async discover(name: string): Promise<void> {
    const { registry } = this.options;
    if (registry.isShared(name)) {
      const connection = await registry.acquireShared(name);
      await this.read(name, connection);
      await registry.releaseIfUnused(name);
      return;
    }
    const connection = await registry.open(name, SHARED_CLIENT_CAPABILITIES);
    try {
      await this.read(name, connection);
    } finally {
      await connection.close();
    }
  }

  private scheduleRead(name: string, connection: Connection): void {
    clearTimeout(this.debounce.get(name));
    const timer = setTimeout(() => {
      this.debounce.delete(name);
      if (!this.stopped && !connection.closed) void this.read(name, connection);
    }, this.options.debounceMs ?? 500);
    timer.unref();
    this.debounce.set(name, timer);
  }
}

async function readAllTools(connection: Connection): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await connection.request('tools/list', cursor === undefined ? {} : { cursor }, {
      timeoutMs: READ_TIMEOUT_MS,
      maxTotalMs: READ_TIMEOUT_MS,
    });
    tools.push(...((result.tools as Tool[] | undefined) ?? []));
    cursor =
      typeof result.nextCursor === 'string' && result.nextCursor !== '' ? result.nextCursor : undefined;
    if (cursor === undefined) return tools;
  }
  throw new Error(`more than ${MAX_PAGES} pages of tools`);
}
