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
import type { Admission, ClientSession, SessionTable } from '../session/session-table.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
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
  /** The session's backend session on the replica that opened it (OpenedSession.backendSession), to continue. */
  resume?: unknown,
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
    const local = sessions.get(sessionId, endpoint, owner);
    // Ending a session held elsewhere needs no copy of it here: its binding goes, and its holders close theirs.
    if (!local && c.req.method === 'DELETE' && sessions.shared)
      return endElsewhere(c, sessions, endpoint, sessionId);
    const session = local ?? (await reattach(c, sessions, endpoint, open, sessionId));
    if (!session) return fail(c, 'session_not_found', 'Session not found');
    if (c.req.method === 'DELETE' && sessions.shared) {
      // Ended by its client: on every replica, and its place in the shared counts is free at once.
      const response = await session.transport.handleRequest(sdkRequest(c));
      if (response.ok) await sessions.shared.bindings.delete(sessionId);
      return response;
    }
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
  const full = await sessions.full(owner);
  if (full === 'owner') {
    const message =
      `Too Many Requests: this client holds ${sessions.perOwner} open sessions (auth.max_sessions_per_client); ` +
      'end one (DELETE) or retry later';
    c.header('retry-after', String(SESSIONS_FULL_RETRY_S));
    const error = new GatewayError('too_many_requests', message, { retry_after_s: SESSIONS_FULL_RETRY_S });
    return errorResponse(c, error, init.id);
  }
  // Before anything is started for it: a client opening sessions in a loop cannot exhaust backends or memory.
  const admission = full === 'all' ? undefined : sessions.admit();
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

/**
 * A session this replica does not hold, opened on another one (`state.store: redis`): opened here again under the
 * same id, by replaying the client's initialize request (and its `initialized` notification) into a new transport,
 * as if the client had sent them here. Undefined (404, the client initializes again) when no replica knows it, it
 * is another route's or client's, or its state lives in a process of the replica that opened it.
 */
async function reattach(
  c: Context<AppEnv>,
  sessions: SessionTable,
  endpoint: string,
  open: SessionOpener,
  id: string,
): Promise<ClientSession | undefined> {
  if (!sessions.shared) return undefined;
  const owner = c.var.identity?.client;
  let pending = sessions.reattaching.get(id);
  if (!pending) {
    pending = reattachOnce(c, sessions, endpoint, open, id).finally(() => sessions.reattaching.delete(id));
    sessions.reattaching.set(id, pending);
  }
  await pending;
  return sessions.get(id, endpoint, owner);
}

async function reattachOnce(
  c: Context<AppEnv>,
  sessions: SessionTable,
  endpoint: string,
  open: SessionOpener,
  id: string,
): Promise<ClientSession | undefined> {
  const binding = await sessions.shared!.bindings.get(id);
  if (!binding || binding.endpoint !== endpoint || binding.owner !== c.var.identity?.client) return undefined;
  if (!binding.movable || !isInitializeRequest(binding.init)) return undefined;
  const admission = sessions.admit();
  if (!admission) return undefined;
  try {
    const init = binding.init as InitializeMessage;
    const started = performance.now();
    const opened = await openTransport(c, sessions, endpoint, open, init, admission, id, binding.backend);
    if (!opened.ok) return undefined;
    const { transport } = opened;
    // The SSE answer of the replayed initialize is read whole: the session is initialized once it ends.
    await (await transport.handleRequest(replayed(c, init), { parsedBody: init })).text();
    const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
    await transport.handleRequest(replayed(c, initialized, id, init.params.protocolVersion), {
      parsedBody: initialized,
    });
    c.var.log.info(
      { endpoint, ms: Math.round(performance.now() - started) },
      'session of another replica re-attached',
    );
    return sessions.get(id, endpoint, c.var.identity?.client);
  } finally {
    admission.release();
  }
}

async function endElsewhere(
  c: Context<AppEnv>,
  sessions: SessionTable,
  endpoint: string,
  id: string,
): Promise<Response> {
  const binding = await sessions.shared!.bindings.get(id);
  if (!binding || binding.endpoint !== endpoint || binding.owner !== c.var.identity?.client)
    return fail(c, 'session_not_found', 'Session not found');
  await sessions.shared!.bindings.delete(id);
  return new Response(null, { status: 200 });
}

/** A request as the client would have sent it here, carrying `message`. */
function replayed(
  c: Context<AppEnv>,
  message: unknown,
  sessionId?: string,
  protocolVersion?: string,
): Request {
  const headers = new Headers({
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
  });
  if (sessionId !== undefined) headers.set('mcp-session-id', sessionId);
  if (protocolVersion !== undefined) headers.set('mcp-protocol-version', protocolVersion);
  const authorization = c.req.header('authorization');
  if (authorization !== undefined) headers.set('authorization', authorization);
  return new Request(c.req.url, { method: 'POST', headers, body: JSON.stringify(message) });
}

async function openSession(
  c: Context<AppEnv>,
  sessions: SessionTable,
  endpoint: string,
  open: SessionOpener,
  init: InitializeMessage,
  admission: Admission,
): Promise<Response> {
  const opened = await openTransport(c, sessions, endpoint, open, init, admission);
  if (!opened.ok) return opened.response;
  const { transport } = opened;
  const response = await transport.handleRequest(sdkRequest(c), { parsedBody: init });
  if (!transport.sessionId) await transport.close();
  return response;
}

/**
 * Builds a session's transport and server: a new one (its id made here, its binding shared with the other replicas
 * before the client can learn the id), or, with `adoptId`, another replica's session opened again here.
 */
async function openTransport(
  c: Context<AppEnv>,
  sessions: SessionTable,
  endpoint: string,
  open: SessionOpener,
  init: InitializeMessage,
  admission: Admission,
  adoptId?: string,
  resume?: unknown,
): Promise<
  { ok: true; transport: WebStandardStreamableHTTPServerTransport } | { ok: false; response: Response }
> {
  let opened: OpenedSession | undefined;
  const owner = c.var.identity?.client;
  const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: adoptId !== undefined ? () => adoptId : randomUUID,
    onsessioninitialized: async (id) => {
      const backend = opened?.backendSession?.();
      const binding =
        adoptId === undefined && sessions.shared
          ? {
              endpoint,
              owner,
              init,
              movable: sessions.shared.movable(endpoint),
              ...(backend !== undefined ? { backend } : {}),
            }
          : undefined;
      sessions.add(
        { id, endpoint, owner, transport, direct: opened?.direct, lastSeen: Date.now(), binding },
        admission,
      );
      if (binding) await sessions.shared!.bindings.put(id, binding);
    },
  });
  try {
    opened = await open(init, transport, resume);
  } catch (error) {
    const failure =
      error instanceof GatewayError ? error : new GatewayError('backend_unavailable', errorMessage(error));
    c.var.log.warn({ endpoint, err: failure.message }, 'session not opened');
    return { ok: false, response: errorResponse(c, failure, init.id) };
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
  return { ok: true, transport };
}
