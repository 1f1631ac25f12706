/**
 * @module discovery: fills the catalog from the backends. Tools are read only through a connection that advertises
 * SHARED_CLIENT_CAPABILITIES (a shared backend's one process, or a connection of discovery's own), never through a
 * client session's: a backend that lists tools by its client's capabilities would otherwise make the catalog follow
 * whichever client connected last. A backend's tools are read when it connects (if the catalog has none or they are
 * older than a minute) and again, debounced, when it announces tools/list_changed on any connection. At a cold start
 * each backend the catalog does not know is started once, a few at a time, read, and let go; one that cannot be read
 * is tried again, with the supervisors' backoff, until it is indexed or discovery stops.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { mapLimit } from '../concurrency.js';
import { errorMessage, GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Connection } from '../backends/connection.js';
import { nextDelay, type RestartPolicy } from '../registry/backoff.js';
import type { Registry } from '../registry/registry.js';
import type { ConnectionPurpose } from '../registry/supervisor.js';
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
  /** How the retries of a backend that could not be indexed are spaced (default: the registry's policy). */
  policy?: RestartPolicy;
}

/**
 * A list read longer ago than this is read again when the backend connects: a backend restarted after an upgrade
 * shows its new tools within a minute, even one that never announces changes. One tools/list per wake-up is cheap.
 */
const DEFAULT_TTL_MS = 60_000;
/** A backend with more pages than this is cut off (and says so in the log) rather than read forever. */
const MAX_PAGES = 100;
const READ_TIMEOUT_MS = 30_000;
/**
 * With replicas: how long one waits for another to read a backend before reading it itself (the other may have
 * died); also how long the reader's lock lasts.
 */
const SHARED_READ_WAIT_MS = 45_000;
const SHARED_READ_POLL_MS = 100;

export class Discovery {
  private readonly reading = new Map<string, Promise<boolean>>();
  private readonly refreshing = new Map<string, Promise<boolean>>();
  private readonly debounce = new Map<string, NodeJS.Timeout>();
  /** Backends waiting for their next indexing attempt, with the attempt's number. */
  private readonly retries = new Map<string, { timer: NodeJS.Timeout; attempt: number }>();
  private stopped = false;

  constructor(private readonly options: DiscoveryOptions) {}

  /** The registry's hook for every new backend connection. */
  connected(name: string, connection: Connection, purpose: ConnectionPurpose = 'shared'): void {
    // Discovery's own connections are read by discovery, and closed right after.
    if (purpose === 'catalog') return;
    const fixed = purpose === 'shared' ? connection : undefined;
    connection.observe((notification) => {
      if (notification.method !== 'notifications/tools/list_changed') return;
      // Before the clients hear of it: one that lists at once must not get the old list from the catalog.
      this.options.catalog.markStale(name);
      this.scheduleRead(name, fixed, connection);
    });
    const entry = this.options.catalog.get(name);
    const age = entry ? Date.now() - Date.parse(entry.indexed_at) : Infinity;
    if (age <= (this.options.ttlMs ?? DEFAULT_TTL_MS)) return;
    if (fixed) void this.read(name, fixed);
    // A session's connection advertises its client's capabilities: the read goes through one of discovery's own.
    else this.refreshInBackground(name);
  }

  /**
   * Reads every page of the backend's tools into the catalog; one read per backend at a time. Resolves true once
   * the tools are in the catalog; a failure is logged and noted in the catalog (never thrown).
   */
  read(name: string, connection: Connection): Promise<boolean> {
    let reading = this.reading.get(name);
    if (!reading) {
      const announced = this.options.catalog.changesAnnounced(name);
      reading = readAllTools(connection)
        .then((tools) => {
          this.options.catalog.set(name, tools, new Date(), announced);
          this.options.log.info({ backend: name, tools: tools.length }, 'tool catalog updated');
          return true;
        })
        .catch((error: unknown) => {
          this.failed(name, error, 'could not read the tool list');
          return false;
        })
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
      // A reload (or the admin API) redefined or added it: try now rather than when a waiting retry comes due.
      clearTimeout(this.retries.get(name)?.timer);
      this.retries.delete(name);
      await this.attempt(name, 1);
    });
  }

  /** Whether a retry of this backend's indexing is waiting. */
  retrying(name: string): boolean {
    return this.retries.has(name);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.debounce.values()) clearTimeout(timer);
    this.debounce.clear();
    for (const { timer } of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
  }

  /** One indexing attempt; a failed one schedules the next. */
  private async attempt(name: string, attempt: number): Promise<void> {
    let failure: unknown;
    const indexed = await this.refresh(name).catch((error: unknown) => {
      failure = error;
      this.failed(name, error, 'discovery failed');
      return false;
    });
    if (!indexed) this.scheduleRetry(name, attempt, failure);
  }

  /**
   * The next attempt, spaced as the supervisors space restarts (floor × factor^n, capped) and never before the
   * supervisor would let the backend be tried again (its retry_after while it backs off or is marked failed).
   */
  private scheduleRetry(name: string, attempt: number, failure: unknown): void {
    if (this.stopped || this.retries.has(name)) return;
    const policy = this.options.policy ?? this.options.registry.policy;
    const backoff = Math.max(policy.floorMs, nextDelay(attempt + 1, policy));
    const retryAfterS = failure instanceof GatewayError ? failure.data?.retry_after_s : undefined;
    const refused = typeof retryAfterS === 'number' ? retryAfterS * 1000 : 0;
    const delayMs = Math.max(backoff, refused);
    const timer = setTimeout(() => {
      this.retries.delete(name);
      const { registry, catalog } = this.options;
      // Indexed meanwhile (a client's connection read it), removed or disabled by a reload: nothing left to do.
      if (this.stopped || catalog.isIndexed(name) || !registry.enabledNames.includes(name)) return;
      void this.attempt(name, attempt + 1);
    }, delayMs);
    timer.unref();
    this.retries.set(name, { timer, attempt });
    this.options.log.debug({ backend: name, attempt, retry_in_ms: delayMs }, 'indexing retry scheduled');
  }

  /**
   * Reads the backend's tools through a fixed-capability connection: a shared backend's process (started if need
   * be, and let go after unless a session uses it or it is warm), else a connection of discovery's own.
   */
  private refresh(name: string): Promise<boolean> {
    // Many sessions connecting at once to a backend whose list is old open one catalog connection, not one each.
    let refreshing = this.refreshing.get(name);
    if (!refreshing) {
      refreshing = this.refreshOnce(name).finally(() => this.refreshing.delete(name));
      this.refreshing.set(name, refreshing);
    }
    return refreshing;
  }

  /** A refresh nobody waits for: its failure (the backend cannot be reached) is logged and noted, not left unhandled. */
  private refreshInBackground(name: string): void {
    this.refresh(name).catch((error: unknown) => this.failed(name, error, 'could not read the tool list'));
  }

  private async refreshOnce(name: string): Promise<boolean> {
    const { catalog } = this.options;
    if (!catalog.sharing || catalog.isIndexed(name)) return this.readBackend(name);
    // Replicas: one of them reads the backend, the others take its result without starting it.
    const deadline = Date.now() + SHARED_READ_WAIT_MS;
    for (;;) {
      if (await catalog.adoptShared(name)) return true;
      if (await catalog.claimRead(name, SHARED_READ_WAIT_MS)) break;
      if (this.stopped || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, SHARED_READ_POLL_MS));
    }
    try {
      return await this.readBackend(name);
    } finally {
      await catalog.releaseRead(name);
    }
  }

  private async readBackend(name: string): Promise<boolean> {
    const { registry } = this.options;
    if (registry.isShared(name)) {
      const connection = await registry.acquireShared(name);
      const indexed = await this.read(name, connection);
      await registry.releaseIfUnused(name);
      return indexed;
    }
    const connection = await registry.openForCatalog(name);
    try {
      return await this.read(name, connection);
    } finally {
      await connection.close();
    }
  }

  private failed(name: string, error: unknown, message: string): void {
    this.options.catalog.noteFailure(name, errorMessage(error));
    this.options.log.warn({ backend: name, err: errorMessage(error) }, message);
  }

  /** `fixed`: the connection to read from (a shared one); else the read opens a fixed-capability connection. */
  private scheduleRead(name: string, fixed: Connection | undefined, announcer: Connection): void {
    clearTimeout(this.debounce.get(name));
    const timer = setTimeout(() => {
      this.debounce.delete(name);
      if (this.stopped || announcer.closed) return;
      if (fixed) void this.read(name, fixed);
      else this.refreshInBackground(name);
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
