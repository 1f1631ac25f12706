/**
 * @module health-route: `GET /health`, the state of the gateway and of every backend, answered from what the
 * registry already knows (it never starts or dials a backend).
 */
import type { Context } from 'hono';
import type { Registry } from '../registry/registry.js';

export interface HealthDeps {
  registry: Registry;
  version: string;
  startedAt: number;
}

export function healthRoute(deps: HealthDeps) {
  return function handleHealth(c: Context): Response {
    const backends = Object.fromEntries(
      deps.registry.status().map((b) => [
        b.name,
        {
          state: b.enabled ? b.state : 'disabled',
          running: b.state === 'running',
          transport: b.transport,
          pid: b.pid,
          connections: b.connections,
          last_error: b.last_error,
        },
      ]),
    );
    return c.json({
      status: 'healthy',
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      backends,
    });
  };
}
