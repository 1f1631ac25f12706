/**
 * @module health-route: `GET /health` and `GET /health/:backend`, the state of the gateway and of every backend,
 * answered from what the registry and the catalog already know (they never start or dial a backend).
 */
import type { Context } from 'hono';
import type { ConfigStatus } from '../admin/runtime.js';
import type { Catalog } from '../catalog/catalog.js';
import { GatewayError } from '../errors.js';
import type { BackendStatus, Registry } from '../registry/registry.js';
import { errorResponse } from './json-error.js';

export interface HealthDeps {
  registry: Registry;
  catalog: Catalog;
  version: string;
  startedAt: number;
  /** Which config generation runs, since when, and the last reload refused (absent: not reported). */
  configStatus?: () => ConfigStatus;
  /** The shared state store's health (`state.store: redis`); absent with the embedded state. */
  stateStore?: () => { store: string; up: boolean };
}

/** The field names users of the original gateway script against: keep them. */
function describe(b: BackendStatus, catalog: Catalog) {
  return {
    state: b.enabled ? b.state : 'disabled',
    running: b.state === 'running',
    transport: b.transport,
    pid: b.pid,
    pids: b.pids,
    connections: b.connections,
    restart_count: b.restart_count,
    tools_cached: catalog.get(b.name)?.tools.length ?? 0,
    // Whether the backend's tools can be searched: indexed, pending (not read yet) or failed (tried again).
    catalog: catalog.indexState(b.name),
    last_used: b.last_used,
    last_error: b.last_error,
    retry_after_s: b.retry_after_s,
  };
}

export function healthRoute(deps: HealthDeps) {
  return function handleHealth(c: Context): Response {
    const statuses = deps.registry.status();
    const enabled = statuses.filter((b) => b.enabled);
    // Degraded, not down: the gateway serves; some backend is failing, or its tools cannot be read, so search
    // cannot find them (HTTP stays 200 for that reason). A backend not read yet is no fault: the catalog is merely
    // incomplete, which `catalog_complete` says.
    // A shared store that does not answer degrades too: this replica serves from its own state meanwhile, so
    // replicas no longer see each other's sessions, registrations and limits until it returns.
    const state = deps.stateStore?.();
    const degraded =
      (state !== undefined && !state.up) ||
      enabled.some(
        (b) => b.state === 'failed' || b.state === 'backoff' || deps.catalog.indexState(b.name) === 'failed',
      );
    return c.json({
      status: degraded ? 'degraded' : 'healthy',
      catalog_complete: enabled.every((b) => deps.catalog.isIndexed(b.name)),
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      ...(deps.configStatus ? { config: deps.configStatus() } : {}),
      ...(state !== undefined ? { state } : {}),
      backends: Object.fromEntries(statuses.map((b) => [b.name, describe(b, deps.catalog)])),
    });
  };
}

export function backendHealthRoute(deps: HealthDeps) {
  return function handleBackendHealth(c: Context): Response {
    const name = c.req.param('backend') ?? '';
    const status = deps.registry.status().find((b) => b.name === name);
    if (!status) {
      return errorResponse(
        c,
        new GatewayError('unknown_backend', `unknown backend "${name}"`, { known: deps.registry.names() }),
      );
    }
    return c.json({ name, ...describe(status, deps.catalog), stderr_tail: deps.registry.stderrTail(name) });
  };
}
