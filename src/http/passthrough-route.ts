/**
 * @module passthrough-route: `/mcp/:backend`, one backend as if the client were connected to it directly. An unknown
 * or disabled name is refused before anything else; sessions are opened by passthrough/passthrough-session.ts. Single
 * requests on a session take the fast path (http/fast-path.ts) past the session's SDK Server; the rest go through it.
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

export type PassthroughRouteDeps = PassthroughDeps & { sessions: SessionTable; auth: Authenticator };

export function passthroughRoute(deps: PassthroughRouteDeps) {
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
    return handleMcpRequest(c, deps, name, (init, transport, resume) =>
      openPassthroughSession(
        deps,
        name,
        init.params.capabilities ?? {},
        transport,
        allowed.access,
        c.req.header('authorization'),
        resume,
      ),
    );
  };
}
