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
    const statuses = deps.registry.status();
    const backends = Object.fromEntries(
      statuses.map((b) => [
        b.name,
        {
          state: b.enabled ? b.state : 'disabled',
          running: b.state === 'running',
          transport: b.transport,
          pid: b.pid,
          pids: b.pids,
          connections: b.connections,
          restart_count: b.restart_count,
          last_used: b.last_used,
          last_error: b.last_error,
          retry_after_s: b.retry_after_s,
        },
      ]),
    );
    // Degraded, not down: the gateway serves; some backend is failing (HTTP stays 200 for that reason).
    const degraded = statuses.some((b) => b.enabled && (b.state === 'failed' || b.state === 'backoff'));
    return c.json({
      status: degraded ? 'degraded' : 'healthy',
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      backends,
    });
  };
}
