/**
 * @module meta-route: `/mcp`, the meta-tools endpoint, and beside it `/mcp/flat` (every allowed tool as
 * `server__tool`) and `/mcp/p/<profile>` (a profile by URL): Streamable HTTP sessions, each served by a meta server
 * with the caller's profile (its tool calls by the fast path, http/fast-path.ts). On each of them a session-less
 * 2026-07-28 request (http/protocol-era.ts) is answered statelessly instead (http/modern-meta-route.ts).
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
import { StatelessMeta } from '../meta/stateless-meta.js';
import type { ListenStreams } from './modern-listen.js';
import { modernAnswer } from './modern-meta-route.js';
import { MODERN_PROTOCOL_VERSIONS } from './protocol-era.js';
import type { AppEnv } from './request-context.js';
import { routeAccess } from './route-access.js';

export type MetaRouteDeps = {
  meta: MetaContext;
  sessions: SessionTable;
  version: string;
  auth: Authenticator;
  /** The `subscriptions/listen` streams of every meta endpoint. */
  listens: ListenStreams;
};

/** `surface`: `meta` for /mcp (the profile may still say flat), `flat` for /mcp/flat, `profile` for /mcp/p/:profile. */
export function metaRoute(deps: MetaRouteDeps, surface: 'meta' | 'flat' | 'profile' = 'meta') {
  // Built once for the endpoint and kept: a modern request costs no server construction.
  const stateless = new StatelessMeta(deps.meta, deps.version, MODERN_PROTOCOL_VERSIONS);
  return async function handleMeta(c: Context<AppEnv>): Promise<Response> {
    const profile = surface === 'profile' ? c.req.param('profile') : undefined;
    const allowed = routeAccess(c, deps.auth, profile);
    if (!allowed.ok) return allowed.response;
    // Only a session-less POST can be modern: a request on a session never reads its body here.
    const modern = await modernAnswer(c, deps, stateless, {
      access: allowed.access,
      flat: surface === 'flat',
    });
    if (modern) return modern;
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
