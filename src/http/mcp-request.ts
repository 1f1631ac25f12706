/**
 * @module mcp-request: checks a session-less POST to an MCP endpoint before anything is started for it: it must
 * accept both JSON and SSE, carry JSON, parse, and be an `initialize` request. Returns the parsed request or the
 * exact HTTP error to answer with.
 */
import type { Context } from 'hono';
import {
  isInitializeRequest,
  type InitializeRequest,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { GatewayError } from '../errors.js';
import { isObject } from '../json-rpc.js';
import { parseJsonBody } from './json-body.js';
import { acceptsJsonAndSse, mediaType } from '../media-type.js';

export type InitializeMessage = JSONRPCRequest & InitializeRequest;

export type InitializeCheck =
  { ok: true; message: InitializeMessage } | { ok: false; error: GatewayError; id?: string | number | null };

export async function readInitialize(c: Context): Promise<InitializeCheck> {
  if (c.req.method !== 'POST') {
    const message = `Bad Request: Mcp-Session-Id header is required for ${c.req.method}`;
    return { ok: false, error: new GatewayError('invalid_request', message) };
  }
  if (!acceptsJsonAndSse(c.req.header('accept'))) {
    const message = 'Not Acceptable: Client must accept both application/json and text/event-stream';
    return { ok: false, error: new GatewayError('not_acceptable', message) };
  }
  if (mediaType(c.req.header('content-type')) !== 'application/json') {
    const message = 'Unsupported Media Type: Content-Type must be application/json';
    return { ok: false, error: new GatewayError('unsupported_media_type', message) };
  }
  const parsed = parseJsonBody(await c.req.text());
  if (!parsed.ok) return parsed;
  const body = parsed.message;
  if (!isInitializeRequest(body)) {
    const id =
      isObject(body) && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
    const message =
      'Bad Request: Mcp-Session-Id header is required (or send an initialize request to start a session)';
    return { ok: false, error: new GatewayError('invalid_request', message), id };
  }
  return { ok: true, message: body as InitializeMessage };
}
