/**
 * @module passthrough-route: `/mcp/:backend`, one backend as if the client were connected to it directly. A new
 * session gets a link to the backend (its shared process, or a connection of its own advertising this client's
 * capabilities) and a bridge that mirrors the backend. Its single requests take the fast path (http/fast-path.ts)
 * past the bridge's SDK Server; everything else goes through it.
 */
import type { Context } from 'hono';
import { GatewayError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PassthroughMetrics } from '../metrics/metrics.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Registry } from '../registry/registry.js';
import { createBackendLink } from '../passthrough/backend-link.js';
import { createBridge } from '../passthrough/bridge.js';
import type { SessionTable } from '../passthrough/sessions.js';
import { errorResponse } from './json-error.js';
import { handleMcpRequest } from './mcp-session.js';
import type { AppEnv } from './request-context.js';

export interface PassthroughDeps {
  registry: Registry;
  catalog: Catalog;
  sessions: SessionTable;
  log: Logger;
  /** Hard cap of one forwarded call, however much progress resets its timeout. */
  maxTotalMs: number;
  metrics?: PassthroughMetrics;
}

export function passthroughRoute(deps: PassthroughDeps) {
  const { registry, log } = deps;

  return async function handlePassthrough(c: Context<AppEnv>): Promise<Response> {
    const name = c.req.param('backend') ?? '';
    let timeoutMs: number;
    try {
      timeoutMs = registry.lookup(name).timeout * 1000;
    } catch (error) {
      if (error instanceof GatewayError) return errorResponse(c, error);
      throw error;
    }

    return handleMcpRequest(c, deps, name, async (init, transport) => {
      const link = createBackendLink(registry, name, init.params.capabilities ?? {});
      let upstream;
      try {
        upstream = await link.connection();
      } catch (error) {
        await link.close();
        throw error;
      }
      const { server, direct } = createBridge({
        info: upstream.info,
        link,
        transport,
        timeoutMs,
        maxTotalMs: deps.maxTotalMs,
        shared: registry.isShared(name),
        catalogTools: () => deps.catalog.currentTools(name),
        log: log.child({ backend: name }),
        metrics: deps.metrics,
      });
      return {
        server,
        direct,
        close: () => {
          direct.close();
          return link.close();
        },
      };
    });
  };
}
