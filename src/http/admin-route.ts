/**
 * @module admin-route: `/mcp/admin`, the admin tools over MCP (admin/admin-server.ts), behind the admin token. Its
 * sessions have no direct lane, so every request, the fast path's included, passes the token check here; so does a
 * session-less 2026-07-28 request, answered with no session (admin/stateless-admin.ts).
 */
import type { Context } from 'hono';
import type { AdminContext } from '../admin/admin-server.js';
import { createAdminSession } from '../admin/admin-server.js';
import type { SessionTable } from '../session/session-table.js';
import { StatelessAdmin } from '../admin/stateless-admin.js';
import { FULL_ACCESS } from '../auth/access.js';
import { adminAuth } from './admin-auth.js';
import type { ListenStreams } from './modern-listen.js';
import { modernAnswer } from './modern-meta-route.js';
import { MODERN_PROTOCOL_VERSIONS } from './protocol-era.js';
import { fail } from './json-error.js';
import { handleMcpRequest } from './mcp-session.js';
import type { AppEnv } from './request-context.js';

/** The session table's endpoint of /mcp/admin: a reserved name no backend can take. */
const ADMIN_ENDPOINT = 'admin';

export function adminRoute(deps: {
  admin: AdminContext;
  sessions: SessionTable;
  listens: ListenStreams;
  authRequired: boolean;
}) {
  const { admin } = deps;
  // Built once and kept: a modern request costs no server construction.
  const stateless = new StatelessAdmin(admin, MODERN_PROTOCOL_VERSIONS);
  const guard = adminAuth(
    () => admin.runtime.admin.token,
    (c, status, _code, message) =>
      fail(c, status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'not_found', message),
    deps.authRequired,
  );
  async function handleAdmin(c: Context<AppEnv>): Promise<Response> {
    const modern = await modernAnswer(c, deps, stateless, { access: FULL_ACCESS, flat: false });
    if (modern) return modern;
    return handleMcpRequest(c, deps, ADMIN_ENDPOINT, async (init, transport) =>
      createAdminSession(admin, init.params.capabilities ?? {}, transport),
    );
  }
  return [guard, handleAdmin] as const;
}
