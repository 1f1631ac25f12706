/**
 * @module resource-metadata-route: the OAuth 2.0 Protected Resource Metadata document (RFC 9728) at
 * `/.well-known/oauth-protected-resource` (and under it, for clients that append the resource's path): which
 * authorization server issues tokens for this gateway, as the MCP authorization spec has clients discover it from a
 * 401's challenge.
 */
import type { Context } from 'hono';
import type { Authenticator } from '../auth/authenticator.js';
import type { AppEnv } from './request-context.js';

export function resourceMetadataRoute(auth: Authenticator) {
  return function protectedResourceMetadata(c: Context<AppEnv>): Response {
    const origin = new URL(c.req.url).origin;
    const jwt = auth.config.jwt;
    return c.json({
      resource: jwt?.audience ?? `${origin}/mcp`,
      authorization_servers: jwt ? [jwt.issuer] : [],
      bearer_methods_supported: ['header'],
      resource_name: 'mcp-gateway',
    });
  };
}
