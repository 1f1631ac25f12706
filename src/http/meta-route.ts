/**
 * @module meta-route: `/mcp`, the meta-tools endpoint: Streamable HTTP sessions, each served by a meta server (its
 * tool calls by the fast path, http/fast-path.ts).
 */
import type { Context } from 'hono';
import type { MetaContext } from '../meta/context.js';
import { createMetaSession } from '../meta/meta-server.js';
import { hasStandaloneStream } from '../session/client-peer.js';
import { META_ENDPOINT, type SessionTable } from '../session/session-table.js';
import { handleMcpRequest } from './mcp-session.js';
import type { AppEnv } from './request-context.js';

export function metaRoute(deps: { meta: MetaContext; sessions: SessionTable; version: string }) {
  return async function handleMeta(c: Context<AppEnv>): Promise<Response> {
    return handleMcpRequest(c, deps, META_ENDPOINT, async (init, transport) =>
      createMetaSession(deps.meta, deps.version, {
        capabilities: init.params.capabilities ?? {},
        canReachClient: () => hasStandaloneStream(transport),
      }),
    );
  };
}
