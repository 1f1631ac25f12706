/**
 * @module route-access: the profile a request is served with, from who is calling (http/authenticate.ts) and the
 * route (`/mcp/p/<name>` names one; every other route uses the caller's default). A profile the caller may not use is
 * 403; one that does not exist is 404 with the names the caller may use.
 */
import type { Context } from 'hono';
import type { Access } from '../auth/access.js';
import type { Authenticator } from '../auth/authenticator.js';
import { fail } from './json-error.js';
import type { AppEnv } from './request-context.js';

export function routeAccess(
  c: Context<AppEnv>,
  auth: Authenticator,
  profile?: string,
): { ok: true; access: Access } | { ok: false; response: Response } {
  const decided = auth.access(c.var.identity, profile);
  if (decided.ok) return decided;
  return { ok: false, response: fail(c, decided.code, decided.message) };
}
