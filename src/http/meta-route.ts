/**
 * @module meta-route: `/mcp`, the meta-tools endpoint, and beside it `/mcp/flat` (every allowed tool as
 * `server__tool`) and `/mcp/p/<profile>` (a profile by URL): Streamable HTTP sessions, each served by a meta server
 * with the caller's profile (its tool calls by the fast path, http/fast-path.ts).
 */
import type { Context } from 'hono';
import type { Authenticator } from '../auth/authenticator.js';
import type { MetaContext } from '../meta/context.js';
import { createMetaSession } from '../meta/meta-server.js';
import { hasStandaloneStream } from '../session/client-peer.js';
import {
  FLAT_ENDPOINT,
  META_ENDPOINT,
  profileEndpoint,
  type SessionTable,
} from '../session/session-table.js';
import { handleMcpRequest } from './mcp-session.js';
import type { AppEnv } from './request-context.js';
import { routeAccess } from './route-access.js';

export type MetaRouteDeps = {
  meta: MetaContext;
  sessions: SessionTable;
  version: string;
  auth: Authenticator;
};

/** `surface`: `meta` for /mcp (the profile may still say flat), `flat` for /mcp/flat, `profile` for /mcp/p/:profile. */
export function metaRoute(deps: MetaRouteDeps, surface: 'meta' | 'flat' | 'profile' = 'meta') {
  return async function handleMeta(c: Context<AppEnv>): Promise<Response> {
    const profile = surface === 'profile' ? c.req.param('profile') : undefined;
    const allowed = routeAccess(c, deps.auth, profile);
    if (!allowed.ok) return allowed.response;
    const endpoint =
      profile !== undefined ? profileEndpoint(profile) : surface === 'flat' ? FLAT_ENDPOINT : META_ENDPOINT;
    return handleMcpRequest(c, deps, endpoint, async (init, transport) =>
      createMetaSession(deps.meta, deps.version, {
        capabilities: init.params.capabilities ?? {},
        canReachClient: () => hasStandaloneStream(transport),
        access: allowed.access,
        flat: surface === 'flat',
        authorization: c.req.header('authorization'),
      }),
    );
  };
}
