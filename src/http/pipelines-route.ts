/**
 * @module pipelines-route: `/mcp/pipelines`, the pipelines as one backend's tools (sessions opened by
 * pipelines/pipeline-session.ts; their tool calls take the fast path like any session's), and for 2026-07-28 clients
 * with no session (meta/stateless-pipelines.ts).
 */
import type { Context } from 'hono';
import { createPipelineSession, type PipelineSessionDeps } from '../pipelines/pipeline-session.js';
import { PIPELINES_BACKEND } from '../pipelines/pipelines.js';
import { hasStandaloneStream } from '../session/client-peer.js';
import type { SessionTable } from '../session/session-table.js';
import { handleMcpRequest } from './mcp-session.js';
import type { AppEnv } from './request-context.js';
import type { Authenticator } from '../auth/authenticator.js';
import { fail } from './json-error.js';
import { routeAccess } from './route-access.js';
import { StatelessPipelines } from '../meta/stateless-pipelines.js';
import type { ListenStreams } from './modern-listen.js';
import { modernAnswer } from './modern-meta-route.js';
import { MODERN_PROTOCOL_VERSIONS } from './protocol-era.js';

export function pipelinesRoute(
  deps: PipelineSessionDeps & { sessions: SessionTable; auth: Authenticator; listens: ListenStreams },
) {
  // Built once and kept: a modern request costs no server construction.
  const stateless = new StatelessPipelines(
    deps.pipelines,
    deps.registry,
    deps.version,
    MODERN_PROTOCOL_VERSIONS,
  );
  return async function handlePipelines(c: Context<AppEnv>): Promise<Response> {
    const allowed = routeAccess(c, deps.auth);
    if (!allowed.ok) return allowed.response;
    if (!allowed.access.backend(PIPELINES_BACKEND))
      return fail(c, 'forbidden', `Forbidden: the pipelines are not in profile "${allowed.access.profile}"`);
    const modern = await modernAnswer(c, deps, stateless, { access: allowed.access, flat: false });
    if (modern) return modern;
    return handleMcpRequest(c, deps, PIPELINES_BACKEND, async (init, transport) =>
      createPipelineSession(
        deps,
        init.params.capabilities ?? {},
        () => hasStandaloneStream(transport),
        (pipeline) => allowed.access.tool(PIPELINES_BACKEND, pipeline),
      ),
    );
  };
}
