/**
 * @module gateway-core: what every way of serving the gateway runs on, whatever carries its clients (the HTTP daemon,
 * `mcp-gateway stdio`): the catalog, the metrics, the registry of backends, discovery, the pipelines and the meta-tools'
 * context, built in one order, and stopped in one order. The callers add their transport around it.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { GatewayConfig } from './config/index.js';
import type { Logger } from './log.js';
import { Registry, type RegistryDeps } from './registry/registry.js';
import { VERSION } from './version.js';
import { createProcessLedger, reapLeftovers } from './backends/process-ledger.js';
import { isAlive } from './pid.js';
import { Catalog } from './catalog/catalog.js';
import { Discovery } from './catalog/discovery.js';
import { backendFingerprint } from './catalog/fingerprint.js';
import { createEmbeddingsClient } from './catalog/embeddings-client.js';
import { SemanticSearch } from './catalog/semantic-search.js';
import { ToolVectors } from './catalog/tool-vectors.js';
import { snapshotFile } from './store/snapshot-file.js';
import type { RedisState } from './store/redis-state.js';
import { sharedDocs } from './store/shared-docs.js';
import { ArgumentChecker } from './meta/arguments.js';
import type { MetaContext } from './meta/context.js';
import { META_TOOL_NAMES } from './meta/definitions.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { Pipelines, PIPELINES_BACKEND, PIPELINES_DESCRIPTION } from './pipelines/pipelines.js';

/** In the state directory: every backend's tool list (`mcp-gateway check` reads it too). */
export const CATALOG_FILE = 'catalog.json';
/** In the state directory, beside the catalog: each tool's vector for the semantic ranking (`search.embeddings`). */
export const VECTORS_FILE = 'tool-vectors.json';

export interface CoreOptions {
  /** A forwarded call never runs longer than this, however much progress it reports. */
  maxCallMs: number;
  /** In the state directory: where this process lists the backend processes it runs, for reaping after a crash. */
  ledgerFile: string;
  /** Index the backends the catalog does not know when the gateway starts (default true). */
  discover?: boolean;
  /** Restart policy, clock and randomness of the backend supervisors (tests make them small and fake). */
  supervision?: Pick<RegistryDeps, 'policy' | 'now' | 'random'>;
  /** Client sessions open, per endpoint (the sessions gauge); none by default. */
  sessions?: (endpoint?: string) => number;
  /** Values no client may read (`LoadedConfig.secrets`), besides the config's env and header values. */
  secrets?: readonly string[];
  /** The backends to serve, when not the config's alone (the admin API's additions; admin/effective-backends.ts). */
  backends?: GatewayConfig['backends'];
  /** The store replicas share (`state.store: redis`); undefined: this process's own state alone. */
  state?: RedisState | undefined;
}

export interface GatewayCore {
  /** This process's id in the marker its backend processes carry (backends/descendants.ts) and in its ledger. */
  readonly instance: string;
  readonly registry: Registry;
  readonly catalog: Catalog;
  /** Reads the tools of the backends the catalog does not know (off when `discover` is false). */
  readonly discovery: Discovery | undefined;
  readonly metrics: Metrics;
  readonly pipelines: Pipelines;
  /** What the meta-tools read and use. */
  readonly meta: MetaContext;
  /** Stops what a crashed predecessor with the same ledger left running; before anything is started. */
  reap(): void;
  /** Starts the warm backends and, unless turned off, discovery of the backends the catalog does not know. */
  start(): void;
  /** Stops discovery, then lets calls in flight finish for at most `graceMs`. */
  drain(graceMs: number): Promise<void>;
  /** Stops every backend and writes the catalog; the clients' sessions are closed by then. */
  close(): Promise<void>;
}

export function createCore(config: GatewayConfig, log: Logger, options: CoreOptions): GatewayCore {
  const ledgerPath = join(config.state_dir, options.ledgerFile);
  const instance = randomUUID();
  const backends = options.backends ?? config.backends;
  const pipelineConfigs = config.pipelines ?? {};
  const hasPipelines = Object.keys(pipelineConfigs).length > 0;
  const descriptions = new Map(Object.values(backends).map((b) => [b.name, b.description]));
  if (hasPipelines) descriptions.set(PIPELINES_BACKEND, PIPELINES_DESCRIPTION);
  // The registry is built after the catalog (it tells discovery of connections); the catalog asks it at load and
  // at each read for the fingerprint of the backend's definition as it is then.
  let definitions: Registry | undefined = undefined;
  const fingerprintOf = (name: string): string | undefined => {
    const backend = definitions ? definitions.definition(name) : backends[name];
    return backend ? backendFingerprint(backend) : undefined;
  };
  const catalog = new Catalog(
    snapshotFile(join(config.state_dir, CATALOG_FILE), log),
    descriptions,
    fingerprintOf,
  );
  catalog.load();
  const metrics = createMetrics({
    backends: Object.keys(backends),
    metaTools: META_TOOL_NAMES,
    meta: config.enable_meta_mcp,
    version: VERSION,
    sessions: options.sessions ?? (() => 0),
    catalogTools: (backend) => catalog.get(backend)?.tools.length ?? 0,
    knownTool: (backend, tool) => catalog.find(backend, tool) !== undefined,
    ...(options.state ? { stateStoreUp: () => options.state!.up } : {}),
  });
  const state = options.state;
  if (state) {
    state.observe = (seconds, ok) => metrics.stateStoreCommand(seconds, ok);
    catalog.share(sharedDocs(state, 'catalog', instance));
  }
  // The registry tells discovery of every new connection; discovery needs the registry to start backends.
  let discovery: Discovery | undefined = undefined;
  const registry = new Registry(
    { ...config, backends },
    {
      log,
      clientInfo: { name: 'mcp-gateway', version: VERSION },
      ledger: createProcessLedger(ledgerPath, log, instance),
      instance,
      onConnected: (name, connection, purpose) => discovery?.connected(name, connection, purpose),
      metrics,
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...options.supervision,
    },
  );
  definitions = registry;
  discovery = new Discovery({ catalog, registry, log });
  const pipelines = new Pipelines(pipelineConfigs, { log, maxTotalMs: options.maxCallMs, metrics });
  // The pipelines are the tools of a backend like any other for listing and search: the config's, known at once.
  if (hasPipelines) catalog.set(PIPELINES_BACKEND, pipelines.tools());
  const embeddings = config.search?.embeddings;
  const semantic = embeddings
    ? new SemanticSearch({
        catalog,
        embedder: createEmbeddingsClient(embeddings),
        vectors: new ToolVectors(snapshotFile(join(config.state_dir, VECTORS_FILE), log), embeddings.model),
        log,
      })
    : undefined;
  const meta: MetaContext = {
    registry,
    catalog,
    checker: new ArgumentChecker(),
    log,
    maxTotalMs: options.maxCallMs,
    metrics,
    pipelines,
    semantic,
  };

  return {
    instance,
    registry,
    catalog,
    discovery: options.discover === false ? undefined : discovery,
    metrics,
    pipelines,
    meta,
    reap() {
      reapLeftovers(ledgerPath, log);
    },
    start() {
      void registry.warmUp();
      semantic?.start();
      // Cold start: backends the catalog does not know are started once to read their tools, then let go.
      // With replicas, what another one read first: discovery then starts only what no replica has read.
      if (options.discover !== false) void catalog.checkShared().then(() => discovery?.discoverMissing());
    },
    async drain(graceMs) {
      discovery?.stop();
      const deadline = Date.now() + graceMs;
      while (registry.callsInFlight > 0 && Date.now() < deadline) await delay(25);
      if (registry.callsInFlight > 0)
        log.warn({ calls: registry.callsInFlight }, 'calls still in flight at shutdown');
    },
    async close() {
      catalog.stopSharing();
      await registry.stopAll();
      await catalog.flush();
      await semantic?.flush();
    },
  };
}

/**
 * Ledgers of other processes of one kind (`<prefix><pid>.json`, as `mcp-gateway stdio` writes them, one per
 * process): those whose process has ended are reaped and removed. A running one's ledger is left alone.
 */
export function reapEndedLedgers(stateDir: string, prefix: string, log: Logger): void {
  if (!existsSync(stateDir)) return;
  for (const name of readdirSync(stateDir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.json')) continue;
    const path = join(stateDir, name);
    let owner: unknown;
    try {
      owner = (JSON.parse(readFileSync(path, 'utf8')) as { gateway_pid?: unknown }).gateway_pid;
    } catch {
      continue;
    }
    if (typeof owner !== 'number' || owner === process.pid || isAlive(owner)) continue;
    reapLeftovers(path, log);
    rmSync(path, { force: true });
  }
}
