/**
 * @module app: the gateway's HTTP surface as a Hono app (built here, listened to elsewhere): request id, Host/Origin
 * guard and body limit first, then the MCP routes and the operations routes, one error boundary, JSON 404s. In front
 * of it, fast-path.ts answers single requests on open sessions and passes everything else here.
 */
import { Hono } from 'hono';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { bodyLimit } from './body-limit.js';
import { fail } from './json-error.js';
import { originGuard, type OriginPolicy } from './origin.js';
import { backendHealthRoute, healthRoute, type HealthDeps } from './health-route.js';
import type { AdminContext } from '../admin/admin-server.js';
import { adminApi } from './admin-api.js';
import { adminRoute } from './admin-route.js';
import { indexRoute } from './index-route.js';
import { metaRoute } from './meta-route.js';
import type { ListenStreams } from './modern-listen.js';
import type { MetaContext } from '../meta/context.js';
import type { Metrics } from '../metrics/metrics.js';
import { passthroughRoute, type PassthroughRouteDeps } from './passthrough-route.js';
import type { Pipelines } from '../pipelines/pipelines.js';
import { pipelinesRoute } from './pipelines-route.js';
import { requestContext, type AppEnv } from './request-context.js';
import type { Authenticator } from '../auth/authenticator.js';
import { authenticate, RESOURCE_METADATA_PATH } from './authenticate.js';
import { corsForAllowedOrigins } from './cors.js';
import { resourceMetadataRoute } from './resource-metadata-route.js';
import type { RestSessions } from '../api/rest-sessions.js';
import type { Usage } from '../api/usage.js';
import { restApi } from './rest-api.js';
import { restSessionRoute } from './session-route.js';

export interface AppDeps extends PassthroughRouteDeps, HealthDeps {
  origin: OriginPolicy;
  maxBodyBytes: number;
  log: Logger;
  /** The meta-tools' context; absent when enable_meta_mcp is false (then /mcp is 404). */
  meta: MetaContext | undefined;
  /** The modern clients' `subscriptions/listen` streams on the meta endpoints (ended at shutdown). */
  listens: ListenStreams;
  /** The admin surface's context (/api/v1, /mcp/admin; each off until the config sets admin.token). */
  admin?: AdminContext;
  /** False once shutdown has begun: /readyz answers 503 so that load balancers stop sending. */
  ready: () => boolean;
  metrics: Metrics;
  /** The configured pipelines, served at /mcp/pipelines when there are any. */
  pipelines?: Pipelines | undefined;
  /** Who is calling and which profile serves them (auth/authenticator.ts); requires nothing without `auth:`. */
  auth: Authenticator;
  /** REST sessions and the REST tool API (/api/v1/sessions, /tools, /search, /execute, /s/<id>/mcp). */
  rest?: { meta: MetaContext; restSessions: RestSessions; usage: Usage };
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // First, so that refused requests too carry an id and are counted.
  app.use(requestContext(deps));
  app.use(originGuard(deps.origin));
  app.use(corsForAllowedOrigins(deps.origin));
  app.use(
    bodyLimit(deps.maxBodyBytes, (c) =>
      fail(
        c,
        'payload_too_large',
        `Payload Too Large: the body exceeds ${deps.maxBodyBytes} bytes (max_body_bytes)`,
      ),
    ),
  );

  // After the body limit: a refused credential costs no more than a refused body.
  app.use(authenticate(deps.auth));

  if (deps.auth.required) {
    app.get(RESOURCE_METADATA_PATH, resourceMetadataRoute(deps.auth));
    app.get(`${RESOURCE_METADATA_PATH}/*`, resourceMetadataRoute(deps.auth));
  }
  app.get('/', indexRoute({ ...deps, metaEnabled: deps.meta !== undefined }));
  app.get('/health', healthRoute(deps));
  app.get('/health/:backend', backendHealthRoute(deps));
  // For orchestrators: alive means the process answers; ready means it accepts new work.
  app.get('/livez', (c) => c.json({ status: 'alive' }));
  app.get('/readyz', (c) =>
    deps.ready() ? c.json({ status: 'ready' }) : c.json({ status: 'stopping' }, 503),
  );
  app.get('/metrics', async (c) =>
    c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }),
  );
  if (deps.meta) {
    const meta = { ...deps, meta: deps.meta };
    app.all('/mcp', metaRoute(meta));
    app.all('/mcp/flat', metaRoute(meta, 'flat'));
    app.all('/mcp/p/:profile', metaRoute(meta, 'profile'));
  }
  if (deps.rest) {
    const { admin, registry } = deps;
    const rest = {
      ...deps,
      ...deps.rest,
      servers: () => (admin ? admin.runtime.servers() : registry.status()),
    };
    app.all('/s/:id/mcp', restSessionRoute(rest));
    // Before the admin API: its admin-only guard covers every other /api/v1 path.
    app.route('/api/v1', restApi(rest));
  }
  if (deps.admin) {
    app.route('/api/v1', adminApi(deps.admin.runtime, deps.auth.required));
    app.all('/mcp/admin', ...adminRoute({ ...deps, admin: deps.admin, authRequired: deps.auth.required }));
  }
  if (deps.pipelines?.size) app.all('/mcp/pipelines', pipelinesRoute({ ...deps, pipelines: deps.pipelines }));
  app.all('/mcp/:backend', passthroughRoute(deps));

  app.notFound((c) => fail(c, 'not_found', `Not Found: ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    c.var.log.error({ err: errorMessage(error), path: c.req.path }, 'request failed');
    return fail(c, 'internal', 'Internal error in mcp-gateway');
  });
  return app;
}
