/**
 * @module json-error: the one way the HTTP layer answers with an error: a JSON-RPC error object (MCP clients parse
 * it) carrying the status from the gateway's error table; under `/api/v1/`, the REST API's `{ error: { code,
 * message } }`.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { GatewayError, type GatewayErrorCode } from '../errors.js';

export function errorResponse(c: Context, error: GatewayError, id: string | number | null = null): Response {
  // The REST API is not JSON-RPC: its clients read `{ error: { code, message } }` on every error, this one included.
  if (c.req.path.startsWith(REST_PREFIX))
    return c.json(
      { error: { code: error.code, message: error.message } },
      error.httpStatus as ContentfulStatusCode,
    );
  return c.json(error.toJsonRpc(id), error.httpStatus as ContentfulStatusCode);
}

const REST_PREFIX = '/api/v1/';

export function fail(
  c: Context,
  code: GatewayErrorCode,
  message: string,
  data?: Record<string, unknown>,
  id: string | number | null = null,
): Response {
  return errorResponse(c, new GatewayError(code, message, data), id);
}
