/**
 * @module daemon: the composition root. It builds the real things (registry, session table, HTTP app, listening
 * server) from a loaded config and is the only place that knows the order of shutdown.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { serve, type ServerType } from '@hono/node-server';
import type { GatewayConfig } from './config/index.js';
import type { Logger } from './log.js';
import { createApp } from './http/app.js';
import { Registry, type RegistryDeps } from './registry/registry.js';
import { SessionTable } from './passthrough/sessions.js';
import { VERSION } from './version.js';
import { createProcessLedger, reapLeftovers } from './backends/process-ledger.js';

/** In the state directory: the backend processes running now, for the next start to reap after a crash. */
const LEDGER_FILE = 'backend-processes.json';

/** Tunables that are not (yet) in servers.yaml; all in one place. */
export const RUNTIME_DEFAULTS = {
  /** A forwarded call never runs longer than this, however much progress it reports. */
  maxCallMs: 10 * 60_000,
  /** How long shutdown lets calls in flight finish before it closes everything. */
  shutdownGraceMs: 10_000,
} as const;

export interface GatewayOptions {
  maxCallMs?: number;
  shutdownGraceMs?: number;
  /** Restart policy, clock and randomness of the backend supervisors (tests make them small and fake). */
  supervision?: Pick<RegistryDeps, 'policy' | 'now' | 'random'>;
}

export interface Gateway {
  readonly registry: Registry;
  readonly sessions: SessionTable;
  /** Binds the configured host and port; resolves with the URL it listens on. */
  listen(): Promise<string>;
  /** Stops accepting, lets calls in flight finish (bounded), closes client sessions, stops every backend. */
  close(): Promise<void>;
  fetch(request: Request): Response | Promise<Response>;
}

export function createGateway(config: GatewayConfig, log: Logger, options: GatewayOptions = {}): Gateway {
  const { maxCallMs = RUNTIME_DEFAULTS.maxCallMs, shutdownGraceMs = RUNTIME_DEFAULTS.shutdownGraceMs } =
    options;
  const ledgerPath = join(config.state_dir, LEDGER_FILE);
  const registry = new Registry(config, {
    log,
    clientInfo: { name: 'mcp-gateway', version: VERSION },
    ledger: createProcessLedger(ledgerPath, log),
    ...options.supervision,
  });
  const sessions = new SessionTable(config.session_idle_timeout * 1000);
  const app = createApp({
    registry,
    sessions,
    log,
    version: VERSION,
    startedAt: Date.now(),
    maxTotalMs: maxCallMs,
    maxBodyBytes: config.max_body_bytes,
    origin: {
      bindHost: config.host,
      allowedHosts: config.allowed_hosts,
      allowedOrigins: config.allowed_origins,
    },
  });

  let server: ServerType | undefined;
  let closing: Promise<void> | undefined;

  async function shutdown(): Promise<void> {
    const listening = server;
    // No new connections from here on; calls already under way get the grace period to finish.
    const stopped = listening ? new Promise<void>((resolve) => listening.close(() => resolve())) : undefined;
    const deadline = Date.now() + shutdownGraceMs;
    while (registry.callsInFlight > 0 && Date.now() < deadline) await delay(25);
    if (registry.callsInFlight > 0)
      log.warn({ calls: registry.callsInFlight }, 'calls still in flight at shutdown');
    await sessions.closeAll();
    await registry.stopAll();
    // Open SSE streams would keep server.close() waiting forever.
    if (listening && 'closeAllConnections' in listening) listening.closeAllConnections();
    await stopped;
    log.info('gateway stopped');
  }

  return {
    registry,
    sessions,
    fetch: app.fetch,
    listen() {
      reapLeftovers(ledgerPath, log);
      return new Promise((resolve, reject) => {
        const listening = serve(
          { fetch: app.fetch, port: config.port, hostname: config.host },
          (info: AddressInfo) => {
            const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
            sessions.startSweeping();
            void registry.warmUp();
            resolve(`http://${host}:${info.port}`);
          },
        );
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
