/**
 * @module body-limit: refuses bodies over max_body_bytes. A body of declared length is judged by its
 * Content-Length header as node:http parsed it (node:http never reads past it); only a chunked body goes through
 * Hono's limiter, which reads and counts it. Hono's would first build a WHATWG Request for every request, which costs
 * more than a fast-path call does.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as countingBodyLimit } from 'hono/body-limit';
import type { AppEnv } from './request-context.js';

export function bodyLimit(maxBytes: number, onTooLarge: (c: Context) => Response): MiddlewareHandler<AppEnv> {
  const counting = countingBodyLimit({ maxSize: maxBytes, onError: onTooLarge });
  return async function limitBody(c, next) {
    const headers = c.env?.incoming?.headers;
    if (!headers || headers['transfer-encoding'] !== undefined) return counting(c, next);
    const length = headers['content-length'];
    if (length !== undefined && Number(length) > maxBytes) return onTooLarge(c);
    await next();
  };
}
