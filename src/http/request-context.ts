/**
 * @module request-context: the first middleware. It gives each HTTP request an id (the caller's `x-request-id` when
 * it is sane, else a new one), returns it as `x-request-id`, hands the routes a logger that writes it as `req_id`,
 * stamps it on the request for the backend calls the request leads to, and counts the response.
 */
import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { REQUEST_ID_HEADER, type Logger } from '../log.js';
import { httpRouteLabel } from '../metrics/labels.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Identity } from '../auth/identity.js';

export interface RequestVars {
  /** The app's logger with this request's `req_id`. */
  log: Logger;
  /** This request's id (as `x-request-id` in the response). */
  requestId: string;
  /** Who is calling, when the gateway authenticates (http/authenticate.ts). */
  identity: Identity | undefined;
}

/** Under @hono/node-server the routes also see node:http's request and response (`incoming`, `outgoing`). */
export type AppEnv = { Variables: RequestVars; Bindings: Partial<HttpBindings> | undefined };

/**
 * The request as an SDK transport takes it, stamped with this request's id as a proxy would: the SDK hands a
 * request's headers to the handler of each message (extra.requestInfo), and that is how the id reaches the log lines
 * of the backend calls. AsyncLocalStorage would too, but on Node 20 it costs every promise in the process (measured:
 * +15-20 µs a request). Only here: building the WHATWG Request costs more than a fast-path call does.
 */
export function sdkRequest(c: Context<AppEnv>): Request {
  const request = c.req.raw;
  if (request.headers.get(REQUEST_ID_HEADER) !== c.var.requestId) {
    request.headers.set(REQUEST_ID_HEADER, c.var.requestId);
  }
  return request;
}

/** An id a proxy or client chose: short, and nothing a log reader or a header could trip over. */
const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * New ids: random to this process, then counted. A random UUID per request cost more than the rest of a request's
 * bookkeeping (formatting 16 random bytes, and the lock around the random pool); replicas and restarts still differ
 * by their prefix.
 */
const ID_PREFIX = `${randomBytes(6).toString('hex')}-`;
let idsGiven = 0;

/** The request's id: the caller's `x-request-id` when it is sane, else a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_ID.test(header) ? header : ID_PREFIX + (++idsGiven).toString(36);
}

export function requestContext(deps: {
  log: Logger;
  metrics: Pick<Metrics, 'httpRequest'>;
}): MiddlewareHandler<AppEnv> {
  return async function assignRequestId(c, next) {
    const started = performance.now();
    const id = requestIdFrom(c.req.header(REQUEST_ID_HEADER));
    const log = deps.log.child({ req_id: id });
    c.set('log', log);
    c.set('requestId', id);
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, id);
    recordAnswer(deps, log, { method: c.req.method, path: c.req.path, status: c.res.status, started });
  };
}

/**
 * Counts an HTTP answer by route pattern and status and, at debug level, logs it: for the app's requests and the
 * fast path's alike. For a stream (SSE) the time is to its first byte, not its length.
 */
export function recordAnswer(
  deps: { metrics: Pick<Metrics, 'httpRequest'> },
  log: Logger,
  /** `requestId`: for a logger that does not carry the request's `req_id` already. */
  answer: { method: string; path: string; status: number; started: number; requestId?: string },
): void {
  const route = httpRouteLabel(answer.path);
  deps.metrics.httpRequest(route, answer.status);
  if (log.isLevelEnabled('debug')) {
    const ms = Math.round((performance.now() - answer.started) * 1000) / 1000;
    const id = answer.requestId === undefined ? {} : { req_id: answer.requestId };
    log.debug({ ...id, method: answer.method, route, status: answer.status, ms }, 'http request');
  }
}
