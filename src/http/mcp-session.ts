/**
 * @module mcp-session: Streamable HTTP sessions for an MCP endpoint. A request with a known session id goes to that
 * session's SDK transport; an `initialize` without one opens a session through the endpoint's `open` (which builds
 * the SDK Server behind it); anything else is refused with the exact status the spec asks for.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { GatewayError, errorMessage } from '../errors.js';
import type { OpenedSession } from '../session/opened-session.js';
import type { Admission, SessionTable } from '../session/session-table.js';
import { TappedTransport } from '../transport-tap.js';
import { errorResponse, fail } from './json-error.js';
import { parseJsonBody } from './json-body.js';
import { readInitialize, type InitializeMessage } from './mcp-request.js';
import { parsedBodyOf } from './parsed-body.js';
import { sdkRequest, type AppEnv } from './request-context.js';

/** When every session is busy, a client is asked to come back this much later. */
const SESSIONS_FULL_RETRY_S = 1;

export type SessionOpener = (
  init: InitializeMessage,
  transport: WebStandardStreamableHTTPServerTransport,
) => Promise<OpenedSession>;

export async function handleMcpRequest(
  c: Context<AppEnv>,
  deps: { sessions: SessionTable },
  endpoint: string,
  open: SessionOpener,
): Promise<Response> {
  const { sessions } = deps;
  const sessionId = c.req.header('mcp-session-id');
  const owner = c.var.identity?.client;
  if (sessionId !== undefined) {
    const session = sessions.get(sessionId, endpoint, owner);
    if (!session) return fail(c, 'session_not_found', 'Session not found');
    // The fast path may have read the body already (it was not for the lane): it comes along parsed.
    let body = parsedBodyOf(c.env?.incoming);
    if (!body && c.req.method === 'POST') {
      // Read here rather than by the SDK transport, so that a body nested too deep is refused like on the fast path.
      const parsed = parseJsonBody(await c.req.text());
      if (!parsed.ok) return errorResponse(c, parsed.error);
      body = { parsedBody: parsed.message };
    }
    return session.transport.handleRequest(sdkRequest(c), body);
  }

  const check = await readInitialize(c);
  if (!check.ok) return errorResponse(c, check.error, check.id ?? null);
  const init = check.message;
  if (sessions.ownerFull(owner)) {
    const message =
      `Too Many Requests: this client holds ${sessions.perOwner} open sessions (auth.max_sessions_per_client); ` +
      'end one (DELETE) or retry later';
    c.header('retry-after', String(SESSIONS_FULL_RETRY_S));
    const error = new GatewayError('too_many_requests', message, { retry_after_s: SESSIONS_FULL_RETRY_S });
    return errorResponse(c, error, init.id);
  }
  // Before anything is started for it: a client opening sessions in a loop cannot exhaust backends or memory.
  const admission = sessions.admit();
  if (!admission) {
    const message =
      `Service Unavailable: ${sessions.capacity} client sessions are open and busy (max_sessions); ` +
      `retry in ${SESSIONS_FULL_RETRY_S} s`;
    c.header('retry-after', String(SESSIONS_FULL_RETRY_S));
    const error = new GatewayError('too_many_sessions', message, { retry_after_s: SESSIONS_FULL_RETRY_S });
    return errorResponse(c, error, init.id);
  }
  try {
    return await openSession(c, sessions, endpoint, open, init, admission);
  } finally {
    // Added to the table by now, or never will be.
    admission.release();
  }
}

async function openSession(
  c: Context<AppEnv>,
  sessions: SessionTable,
  endpoint: string,
  open: SessionOpener,
  init: InitializeMessage,
  admission: Admission,
): Promise<Response> {
  let opened: OpenedSession | undefined;
  const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    onsessioninitialized: (id) =>
      sessions.add(
        {
          id,
          endpoint,
          owner: c.var.identity?.client,
          transport,
          direct: opened?.direct,
          lastSeen: Date.now(),
        },
        admission,
      ),
  });
  try {
    opened = await open(init, transport);
  } catch (error) {
    const failure =
      error instanceof GatewayError ? error : new GatewayError('backend_unavailable', errorMessage(error));
    c.var.log.warn({ endpoint, err: failure.message }, 'session not opened');
    return errorResponse(c, failure, init.id);
  }
  // Whatever ends the session (DELETE, expiry, eviction, shutdown, a failed initialize) releases what it holds, once.
  const session = opened;
  // The Server talks through the lane's tap, which takes the messages about the lane's calls.
  const serverSide = session.direct ? new TappedTransport(transport, session.direct.tap) : transport;
  serverSide.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
    void session.close();
  };
  await session.server.connect(serverSide);
  const response = await transport.handleRequest(sdkRequest(c), { parsedBody: init });
  if (!transport.sessionId) await transport.close();
  return response;
}
