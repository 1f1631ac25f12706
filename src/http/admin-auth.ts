/**
 * @module admin-auth: the admin surface (/api/v1, /mcp/admin) is off until the config holds an admin token (404),
 * then answers only requests that carry it (401 with a WWW-Authenticate challenge).
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './request-context.js';
import { bearerMatches } from './bearer.js';

export type ErrorBody = (c: Context, status: 401 | 404, code: string, message: string) => Response;

/** `token()` is read on every request: a reload may set, change or remove it. */
export function adminAuth(token: () => string | undefined, refuse: ErrorBody): MiddlewareHandler<AppEnv> {
  return async function checkAdminToken(c, next) {
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
