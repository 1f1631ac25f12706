/**
 * @module admin-auth: the admin surface (/api/v1, /mcp/admin). Without `auth:` it is off until the config holds an
 * admin token (404), then answers only requests that carry it (401 with a WWW-Authenticate challenge). With `auth:`
 * the caller is already authenticated (http/authenticate.ts, where the admin token is one more credential): clients
 * marked `admin: true` and the admin token pass, any other is 403.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './request-context.js';
import { bearerMatches } from './bearer.js';

export type ErrorBody = (c: Context, status: 401 | 403 | 404, code: string, message: string) => Response;

/** `token()` is read on every request: a reload may set, change or remove it. */
export function adminAuth(
  token: () => string | undefined,
  refuse: ErrorBody,
  authRequired = false,
): MiddlewareHandler<AppEnv> {
  return async function checkAdminToken(c, next) {
    if (authRequired) {
      if (c.var.identity?.admin === true) return next();
      return refuse(c, 403, 'forbidden', 'Forbidden: the admin surface is for clients marked admin: true');
    }
    const expected = token();
    if (expected === undefined)
      return refuse(
        c,
        404,
        'admin_off',
        'the admin API is off: set admin.token in the config file to turn it on',
      );
    if (!bearerMatches(c.req.header('authorization'), expected)) {
      c.header('www-authenticate', 'Bearer realm="mcp-gateway admin"');
      return refuse(
        c,
        401,
        'unauthorized',
        'Unauthorized: send the admin token as "Authorization: Bearer <token>"',
      );
    }
    await next();
  };
}
