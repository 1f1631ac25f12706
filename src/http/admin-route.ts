/**
 * @module admin-route: `/mcp/admin`, the admin tools over MCP (admin/admin-server.ts), behind the admin token. Its
 * sessions have no direct lane, so every request, the fast path's included, passes the token check here.
 */
import type { Context } from 'hono';
import type { AdminContext } from '../admin/admin-server.js';
import { createAdminSession } from '../admin/admin-server.js';
import type { SessionTable } from '../session/session-table.js';
import { adminAuth } from './admin-auth.js';
import { fail } from './json-error.js';
import { handleMcpRequest } from './mcp-session.js';
import type { AppEnv } from './request-context.js';

/** The session table's endpoint of /mcp/admin: a reserved name no backend can take. */
const ADMIN_ENDPOINT = 'admin';

export function adminRoute(deps: { admin: AdminContext; sessions: SessionTable; authRequired: boolean }) {
  const { admin } = deps;
  const guard = adminAuth(
    () => admin.runtime.admin.token,
    (c, status, _code, message) =>
      fail(c, status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'not_found', message),
    deps.authRequired,
  );
  async function handleAdmin(c: Context<AppEnv>): Promise<Response> {
    return handleMcpRequest(c, deps, ADMIN_ENDPOINT, async (init, transport) =>
      createAdminSession(admin, init.params.capabilities ?? {}, transport),
    );
  }
  return [guard, handleAdmin] as const;
}
