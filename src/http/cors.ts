/**
 * @module cors: browser clients of the origins in `allowed_origins` may call the gateway across origins: a preflight
 * is answered (before authentication: a preflight carries no credential) and responses expose the headers an MCP
 * client reads. A request from any other origin, or with none, passes untouched (the origin guard judges it).
 */
import type { MiddlewareHandler } from 'hono';
import type { OriginPolicy } from './origin.js';

/** Preflights are cached this long by the browser. */
const PREFLIGHT_MAX_AGE_S = '600';
const ALLOW_HEADERS =
  'authorization, content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id, x-request-id';
const EXPOSE_HEADERS = 'mcp-session-id, mcp-protocol-version, www-authenticate, retry-after, x-request-id';

export function corsForAllowedOrigins(policy: OriginPolicy): MiddlewareHandler {
  return async function allowCrossOrigin(c, next) {
    const origin = c.req.header('origin');
    // Read on every request: a reload may change allowed_origins.
    if (origin === undefined || !policy.allowedOrigins.includes(origin.toLowerCase().replace(/\/$/, '')))
      return next();
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) {
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
          'access-control-allow-headers': ALLOW_HEADERS,
          'access-control-max-age': PREFLIGHT_MAX_AGE_S,
          vary: 'Origin',
        },
      });
    }
    await next();
    c.res.headers.set('access-control-allow-origin', origin);
    c.res.headers.set('access-control-expose-headers', EXPOSE_HEADERS);
    c.res.headers.append('vary', 'Origin');
  };
}
