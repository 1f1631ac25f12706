/**
 * @module daemon: the composition root of the HTTP gateway. On the core the daemon shares with `mcp-gateway stdio`
 * (gateway-core.ts: catalog, metrics, registry, discovery, pipelines) it builds the session table, the HTTP app and
 * the listening server, and it knows the order of start and shutdown.
 */
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { GatewayConfig } from './config/index.js';
import type { Logger } from './log.js';
import { createApp } from './http/app.js';
import { withFastPath } from './http/fast-path.js';
import type { Registry, RegistryDeps } from './registry/registry.js';
import { META_ENDPOINT, SessionTable } from './session/session-table.js';
import { VERSION } from './version.js';
import type { Catalog } from './catalog/catalog.js';
import type { Metrics } from './metrics/metrics.js';
import { createCore } from './gateway-core.js';

/** Tunables that are not (yet) in servers.yaml; all in one place. */
export const RUNTIME_DEFAULTS = {
  /** A forwarded call never runs longer than this, however much progress it reports. */
  maxCallMs: 10 * 60_000,
  /** How long shutdown lets calls in flight finish before it closes everything. */
  shutdownGraceMs: 10_000,
} as const;

/** At shutdown, how long responses already being written may take to reach their clients. */
const RESPONSE_FLUSH_MS = 2_000;
/** In the state directory: the backend processes running now, for the next start to reap after a crash. */
const LEDGER_FILE = 'backend-processes.json';

export interface GatewayOptions {
  maxCallMs?: number;
  shutdownGraceMs?: number;
  /** Index the backends the catalog does not know when the gateway starts (default true). */
  discover?: boolean;
  /** Restart policy, clock and randomness of the backend supervisors (tests make them small and fake). */
  supervision?: Pick<RegistryDeps, 'policy' | 'now' | 'random'>;
}

export interface Gateway {
  readonly registry: Registry;
  readonly catalog: Catalog;
  readonly sessions: SessionTable;
  /** Its own Prometheus registry and recording methods (served at /metrics). */
  readonly metrics: Metrics;
  /** Binds the configured host and port; resolves with the URL it listens on. */
  listen(): Promise<string>;
  /** Stops accepting, lets calls in flight finish (bounded), closes client sessions, stops every backend. */
  close(): Promise<void>;
}

export function createGateway(config: GatewayConfig, log: Logger, options: GatewayOptions = {}): Gateway {
  const { maxCallMs = RUNTIME_DEFAULTS.maxCallMs, shutdownGraceMs = RUNTIME_DEFAULTS.shutdownGraceMs } =
    options;
  const sessions = new SessionTable(config.session_idle_timeout * 1000, config.max_sessions);
  const core = createCore(config, log, {
    maxCallMs,
    ledgerFile: LEDGER_FILE,
    ...(options.discover !== undefined ? { discover: options.discover } : {}),
    ...(options.supervision ? { supervision: options.supervision } : {}),
    sessions: (backend) => sessions.count(backend ?? META_ENDPOINT),
  });
  const { registry, catalog, metrics } = core;
  let accepting = true;
  const origin = {
    bindHost: config.host,
    allowedHosts: config.allowed_hosts,
    allowedOrigins: config.allowed_origins,
  };
  const app = createApp({
    registry,
    catalog,
    sessions,
    log,
    meta: config.enable_meta_mcp ? core.meta : undefined,
    pipelines: core.pipelines,
    metrics,
    ready: () => accepting,
    version: VERSION,
    startedAt: Date.now(),
    maxTotalMs: maxCallMs,
    maxBodyBytes: config.max_body_bytes,
    origin,
  });

  let server: Server | undefined;
  let closing: Promise<void> | undefined;

  function started(): void {
    sessions.startSweeping();
    core.start();
  }

  async function shutdown(): Promise<void> {
    accepting = false;
    const listening = server;
    // No new connections from here on; calls already under way get the grace period to finish.
    const stopped = listening ? new Promise<void>((resolve) => listening.close(() => resolve())) : undefined;
    await core.drain(shutdownGraceMs);
    await sessions.closeAll();
    await core.close();
    // The sessions' streams are closed now: responses still being written finish, and each connection is closed
    // once idle; whatever is still busy after a moment (a client that stopped reading) is cut.
    if (listening) {
      let flushed = false;
      void stopped?.then(() => (flushed = true));
      const flushDeadline = Date.now() + RESPONSE_FLUSH_MS;
      while (!flushed && Date.now() < flushDeadline) {
        listening.closeIdleConnections();
        await delay(10);
      }
      listening.closeAllConnections();
    }
    await stopped;
    log.info('gateway stopped');
  }

  return {
    registry,
    catalog,
    sessions,
    metrics,
    listen() {
      core.reap();
      return new Promise((resolve, reject) => {
        const listener = withFastPath(
          { sessions, origin, maxBodyBytes: config.max_body_bytes, metrics, log },
          getRequestListener(app.fetch, { hostname: config.host }),
        );
        const listening = createServer(listener);
        listening.listen(config.port, config.host, () => {
          const info = listening.address() as AddressInfo;
          const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
          started();
          resolve(`http://${host}:${info.port}`);
        });
        listening.once('error', reject);
        server = listening;
      });
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
