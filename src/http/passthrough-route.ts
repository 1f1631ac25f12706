/**
 * @module passthrough-route: `/mcp/:backend`, one backend as if the client were connected to it directly. An unknown
 * or disabled name is refused before anything else; sessions are opened by passthrough/passthrough-session.ts. Single
 * requests on a session take the fast path (http/fast-path.ts) past the session's SDK Server; the rest go through it.
 * A session-less 2026-07-28 request (http/protocol-era.ts) is answered statelessly (modern-passthrough-route.ts),
 * whichever era the backend speaks (catalog/backend-eras.ts learns it once).
 */
import type { Context } from 'hono';
import { GatewayError } from '../errors.js';
import { openPassthroughSession, type PassthroughDeps } from '../passthrough/passthrough-session.js';
import type { SessionTable } from '../session/session-table.js';
import { errorResponse } from './json-error.js';
import { handleMcpRequest } from './mcp-session.js';
import type { AppEnv } from './request-context.js';
import type { Authenticator } from '../auth/authenticator.js';
import { fail } from './json-error.js';
import { routeAccess } from './route-access.js';
import { BackendEras } from '../catalog/backend-eras.js';
import { parseJsonBody } from './json-body.js';
import { openLegacyOnModern } from '../passthrough/legacy-on-modern.js';
import { answerModernPassthrough } from './modern-passthrough-route.js';
import { refuseModern } from './modern-meta-route.js';
import { parsedBodyOf } from './parsed-body.js';
import { mayBeModern, requestEra } from './protocol-era.js';

export type PassthroughRouteDeps = PassthroughDeps & {
  sessions: SessionTable;
  auth: Authenticator;
  /** Which era each backend speaks; one of the route's own when absent. */
  eras?: BackendEras;
};

export function passthroughRoute(deps: PassthroughRouteDeps) {
  const eras = deps.eras ?? new BackendEras(deps.catalog, deps.registry, deps.log);
  return async function handlePassthrough(c: Context<AppEnv>): Promise<Response> {
    const name = c.req.param('backend') ?? '';
    try {
      deps.registry.lookup(name);
    } catch (error) {
      if (error instanceof GatewayError) return errorResponse(c, error);
      throw error;
    }
    const allowed = routeAccess(c, deps.auth);
    if (!allowed.ok) return allowed.response;
    if (!allowed.access.backend(name))
      return fail(
        c,
        'forbidden',
        `Forbidden: backend "${name}" is not in profile "${allowed.access.profile}"`,
      );
    const authorization = c.req.header('authorization');
    // Only a session-less POST can be modern: a request on a session never reads its body here.
    if (mayBeModern(c.req.method, c.req.header('mcp-session-id'))) {
      const { text, parsed } = await bodyOf(c);
      const era = requestEra({ method: 'POST', header: (h) => c.req.header(h), body: parsed });
      if (era.era === 'modern') {
        if ('refusal' in era) return refuseModern(c, era.refusal);
        const backendEra = await eras.of(name, authorization);
        return answerModernPassthrough(c, deps, name, backendEra, era.message, text, {
          access: allowed.access,
          authorization,
        });
      }
    }
    return handleMcpRequest(c, deps, name, async (init, transport) => {
      const capabilities = init.params.capabilities ?? {};
      const backendEra = await eras.of(name, authorization);
      // A modern backend has no session to mirror: the gateway holds the client's and bridges each request.
      if (backendEra.era === 'modern')
        return openLegacyOnModern(deps, {
          name,
          era: backendEra,
          capabilities,
          access: allowed.access,
          authorization,
        });
      return openPassthroughSession(deps, name, capabilities, transport, allowed.access, authorization);
    });
  };
}

/** The body's text and its parse: kept from the fast path, or read now (Hono keeps the text for the legacy path). */
async function bodyOf(c: Context<AppEnv>): Promise<{ text: string; parsed: unknown }> {
  const kept = parsedBodyOf(c.env?.incoming);
  if (kept) return { text: JSON.stringify(kept.parsedBody), parsed: kept.parsedBody };
  const text = await c.req.text();
  const parsed = parseJsonBody(text);
  return { text, parsed: parsed.ok ? parsed.message : undefined };
}
