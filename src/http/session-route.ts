/**
 * @module session-route: `/s/<id>/mcp`, the MCP endpoint of a REST session (`POST /api/v1/sessions`): only the
 * session's servers, flat as on `/mcp/flat` (or the meta-tools, when it was made with `surface: meta`), every
 * connection to an HTTP backend carrying the session's own credentials for it. Only the session's owner reaches it;
 * to anyone else, and once the session is deleted or expired, it is an unknown session (404).
 */
import type { Context } from 'hono';
import type { Authenticator } from '../auth/authenticator.js';
import type { MetaContext } from '../meta/context.js';
import { createMetaSession } from '../meta/meta-server.js';
import { hasStandaloneStream } from '../session/client-peer.js';
import { restSessionEndpoint, type SessionTable } from '../session/session-table.js';
import { ownerOf, sessionAccess, sessionCredentials, type RestSessions } from '../api/rest-sessions.js';
import { NO_CALL_METRICS, type Usage } from '../api/usage.js';
import { fail } from './json-error.js';
import { handleMcpRequest } from './mcp-session.js';
import type { AppEnv } from './request-context.js';
import { routeAccess } from './route-access.js';

export interface SessionRouteDeps {
  meta: MetaContext;
  sessions: SessionTable;
  version: string;
  auth: Authenticator;
  restSessions: RestSessions;
  usage: Usage;
}

export function restSessionRoute(deps: SessionRouteDeps) {
  return async function handleRestSession(c: Context<AppEnv>): Promise<Response> {
    const owner = ownerOf(c.var.identity?.client);
    // Read on every request, not only at initialize: a deleted or expired session ends at once.
    const stored = await deps.restSessions.get(owner, c.req.param('id') ?? '');
    if (!stored) return fail(c, 'session_not_found', 'Session not found');
    const allowed = routeAccess(c, deps.auth);
    if (!allowed.ok) return allowed.response;
    const access = sessionAccess(allowed.access, stored);
    const meta: MetaContext = {
      ...deps.meta,
      metrics: deps.usage.observingSession(deps.meta.metrics ?? NO_CALL_METRICS, { id: stored.id, owner }),
    };
    return handleMcpRequest(c, deps, restSessionEndpoint(stored.id), async (init, transport) =>
      createMetaSession(meta, deps.version, {
        capabilities: init.params.capabilities ?? {},
        canReachClient: () => hasStandaloneStream(transport),
        access,
        flat: stored.surface === 'flat',
        authorization: sessionCredentials(stored, c.req.header('authorization')),
      }),
    );
  };
}
