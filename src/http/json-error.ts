/**
 * @module json-error: the one way the HTTP layer answers with an error: a JSON-RPC error object (MCP clients parse
 * it) carrying the status from the gateway's error table.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { GatewayError, type GatewayErrorCode } from '../errors.js';

export function errorResponse(c: Context, error: GatewayError, id: string | number | null = null): Response {
  return c.json(error.toJsonRpc(id), error.httpStatus as ContentfulStatusCode);
}

export function fail(
  c: Context,
  code: GatewayErrorCode,
  message: string,
  data?: Record<string, unknown>,
  id: string | number | null = null,
): Response {
  return errorResponse(c, new GatewayError(code, message, data), id);
}
