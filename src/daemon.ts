/**
 * @module daemon: the composition root. It builds the real things (registry, session table, HTTP app, listening
 * server) from a loaded config and is the only place that knows the order of shutdown.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { GatewayConfig } from './config/index.js';
import type { Logger } from './log.js';
import { createApp } from './http/app.js';
import { Registry } from './registry/registry.js';
import { SessionTable } from './passthrough/sessions.js';
import { VERSION } from './version.js';

/** Tunables that are not (yet) in servers.yaml; all in one place. */
export const RUNTIME_DEFAULTS = {
  /** A forwarded call never runs longer than this, however much progress it reports. */
  maxCallMs: 10 * 60_000,
} as const;

export interface Gateway {
  readonly registry: Registry;
  readonly sessions: SessionTable;
  /** Binds the configured host and port; resolves with the URL it listens on. */
  listen(): Promise<string>;
  /** Stops accepting, closes client sessions, stops every backend; idempotent. */
  close(): Promise<void>;
  fetch(request: Request): Response | Promise<Response>;
}

export function createGateway(config: GatewayConfig, log: Logger): Gateway {
  const registry = new Registry(config, { log, clientInfo: { name: 'mcp-gateway', version: VERSION } });
  const sessions = new SessionTable(config.session_idle_timeout * 1000);
  const app = createApp({
    registry,
    sessions,
    log,
    version: VERSION,
    startedAt: Date.now(),
    maxTotalMs: RUNTIME_DEFAULTS.maxCallMs,
    maxBodyBytes: config.max_body_bytes,
    origin: {
      bindHost: config.host,
      allowedHosts: config.allowed_hosts,
      allowedOrigins: config.allowed_origins,
    },
  });

  let server: ServerType | undefined;
  let closing: Promise<void> | undefined;

  return {
    registry,
    sessions,
    fetch: app.fetch,
    listen() {
      return new Promise((resolve, reject) => {
        const listening = serve(
          { fetch: app.fetch, port: config.port, hostname: config.host },
          (info: AddressInfo) => {
            const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
            sessions.startSweeping();
            resolve(`http://${host}:${info.port}`);
          },
        );
        listening.once('error', reject);
        server = listening;
      });
    },
    close() {
      closing ??= (async () => {
        const listening = server;
        const stopped = listening
          ? new Promise<void>((resolve) => listening.close(() => resolve()))
          : undefined;
        await sessions.closeAll();
        await registry.stopAll();
        // Open SSE streams would keep server.close() waiting forever.
        if (listening && 'closeAllConnections' in listening) listening.closeAllConnections();
        await stopped;
        log.info('gateway stopped');
      })();
      return closing;
    },
  };
}
