/**
 * @module app: the gateway's HTTP surface as a Hono app (built here, listened to elsewhere): Host/Origin guard and
 * body limit first, then the MCP routes and the operations routes, one error boundary, JSON 404s.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { fail } from './json-error.js';
import { originGuard, type OriginPolicy } from './origin.js';
import { healthRoute, type HealthDeps } from './health-route.js';
import { passthroughRoute, type PassthroughDeps } from './passthrough-route.js';

export interface AppDeps extends PassthroughDeps, HealthDeps {
  origin: OriginPolicy;
  maxBodyBytes: number;
  log: Logger;
}

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.use(originGuard(deps.origin));
  app.use(
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: (c) =>
        fail(
          c,
          'payload_too_large',
          `Payload Too Large: the body exceeds ${deps.maxBodyBytes} bytes (max_body_bytes)`,
        ),
    }),
  );

  app.get('/health', healthRoute(deps));
  app.all('/mcp/:backend', passthroughRoute(deps));

  app.notFound((c) => fail(c, 'not_found', `Not Found: ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    deps.log.error({ err: errorMessage(error), path: c.req.path }, 'request failed');
    return fail(c, 'internal', 'Internal error in mcp-gateway');
  });
  return app;
}
