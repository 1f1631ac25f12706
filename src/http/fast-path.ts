/**
 * @module fast-path: the common case of the MCP endpoints, a POST carrying one request on an open session, answered
 * on node:http without building WHATWG Request/Response objects and without the SDK's server transport and Server
 * (their per-message work was most of a forwarded call's cost). The checks the SDK transport would make come first;
 * a request that fails one, or a body that is not a single request, goes to the session's SDK transport instead, so
 * that every unusual case is answered exactly as before.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { REQUEST_ID_HEADER } from '../log.js';
import { isJsonRpcRequest } from '../json-rpc.js';
import { acceptsJsonAndSse, mediaType } from '../media-type.js';
import type { SessionTable } from '../passthrough/sessions.js';
import { CallResponse } from './call-response.js';
import { fail } from './json-error.js';
import { sdkRequest, type AppEnv } from './request-context.js';

/** Answers the request if it is the common case; `undefined` leaves it to the SDK transport, body unread. */
export async function fastPath(
  c: Context<AppEnv>,
  sessions: SessionTable,
  endpoint: string,
): Promise<Response | undefined> {
  const incoming = c.env?.incoming;
  const outgoing = c.env?.outgoing;
  if (!incoming || !outgoing || incoming.method !== 'POST') return undefined;
  const headers = incoming.headers;
  const sessionId = headers['mcp-session-id'];
  if (typeof sessionId !== 'string' || !looksLikeOneJsonRequest(incoming)) return undefined;
  const session = sessions.get(sessionId, endpoint);
  if (!session?.direct) return undefined;

  let text: string;
  try {
    text = await readBody(incoming);
  } catch {
    // The client is gone; nobody reads this answer, but nothing is logged as the gateway's failure either.
    return fail(c, 'invalid_request', 'Bad Request: the request body ended early');
  }
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return fail(c, 'parse_error', 'Parse error: Invalid JSON');
  }
  if (!isJsonRpcRequest(message) || !session.direct.accepts(message)) {
    // Batches, notifications, the client's answers, what the lane leaves to the Server (initialize, ping, …): the
    // body is read, so it goes along parsed.
    return session.transport.handleRequest(sdkRequest(c), { parsedBody: message });
  }
  const response = new CallResponse(outgoing, {
    'mcp-session-id': session.id,
    [REQUEST_ID_HEADER]: c.var.requestId,
  });
  await session.direct.answer(message, response, c.var.requestId);
  return RESPONSE_ALREADY_SENT;
}

/** The header checks of the SDK transport, and a declared length (a chunked body is left to the body limit). */
function looksLikeOneJsonRequest(incoming: IncomingMessage): boolean {
  const version = incoming.headers['mcp-protocol-version'];
  return (
    acceptsJsonAndSse(incoming.headers.accept) &&
    mediaType(incoming.headers['content-type']) === 'application/json' &&
    (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version as string)) &&
    incoming.headers['content-length'] !== undefined
  );
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    incoming.once('error', reject);
    // A client gone before the end of its body; after the end this changes nothing.
    incoming.once('close', () => reject(new Error('the client went away before the end of its request')));
  });
}
