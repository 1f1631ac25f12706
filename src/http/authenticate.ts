/**
 * @module authenticate: the credential check in front of every route but the open ones, for the app and the fast path
 * alike (auth/authenticator.ts decides; this module speaks HTTP). A refusal is a 401 whose `WWW-Authenticate`
 * challenge points at the Protected Resource Metadata, as the MCP authorization spec asks, with a JSON-RPC error body;
 * a client over its rate gets 429 with `Retry-After`. The fast path, having checked a request it then hands to the
 * app, marks it, so that one request is counted once.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { Authenticator } from '../auth/authenticator.js';
import type { Identity } from '../auth/identity.js';
import { GatewayError } from '../errors.js';
import { errorResponse } from './json-error.js';
import type { AppEnv } from './request-context.js';

export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

const checked = new WeakMap<IncomingMessage, Identity>();

/** The fast path checked this request's credential and counted it: the app takes its word. */
export function markAuthenticated(req: IncomingMessage, identity: Identity): void {
  checked.set(req, identity);
}

function markedIdentity(req: IncomingMessage | undefined): Identity | undefined {
  return req && checked.get(req);
}

/** Paths anyone may read: the probes of orchestrators, the metadata a client needs to find how to log in. */
export function isOpenPath(path: string, publicEndpoints: readonly string[]): boolean {
  if (path === '/livez' || path === '/readyz') return true;
  if (path === RESOURCE_METADATA_PATH || path.startsWith(`${RESOURCE_METADATA_PATH}/`)) return true;
  if (path === '/health' || path.startsWith('/health/')) return publicEndpoints.includes('health');
  return path === '/metrics' && publicEndpoints.includes('metrics');
}

/** `WWW-Authenticate` of a 401: where a client reads which authorization server to ask (RFC 9728). */
export function challenge(origin: string, error?: 'invalid_token'): string {
  const metadata = `resource_metadata="${origin}${RESOURCE_METADATA_PATH}"`;
  return error ? `Bearer error="${error}", ${metadata}` : `Bearer ${metadata}`;
}

export function authenticate(auth: Authenticator): MiddlewareHandler<AppEnv> {
  return async function checkCredential(c, next) {
    if (!auth.required || c.req.method === 'OPTIONS' || isOpenPath(c.req.path, auth.config.public)) {
      c.set('identity', undefined);
      return next();
    }
    let identity = markedIdentity(c.env?.incoming);
    if (!identity) {
      const header = c.req.header('authorization');
      const decision = await auth.decide(header);
      if (!decision.ok) {
        if (decision.status === 401)
          c.header(
            'www-authenticate',
            challenge(new URL(c.req.url).origin, header ? 'invalid_token' : undefined),
          );
        return errorResponse(c, new GatewayError(decision.code, decision.message));
      }
      identity = decision.identity;
      const rate = auth.limiter.take(identity.client);
      if (!rate.ok) return tooManyRequests(c, rate.retryAfterS);
    }
    c.set('identity', identity);
    await next();
  };
}

export function tooManyRequests(c: Context, retryAfterS: number): Response {
  c.header('retry-after', String(retryAfterS));
  const message = `Too Many Requests: this client is over its rate (auth.requests_per_second); retry in ${retryAfterS} s`;
  return errorResponse(c, new GatewayError('too_many_requests', message, { retry_after_s: retryAfterS }));
}
