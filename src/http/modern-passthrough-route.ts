/**
 * @module modern-passthrough-route: a 2026-07-28 request on `/mcp/<backend>` (protocol-era.ts decided it). A modern
 * backend gets the request relayed as it came (the body's bytes, so `inputRequests`, `requestState` and the declared
 * client capabilities pass unchanged; the mirrored headers; the configured credentials), and the client gets the
 * backend's response streamed back (JSON or SSE); closing it closes the request to the backend. A legacy backend is
 * answered through a legacy connection the gateway holds (passthrough/modern-on-legacy.ts). A profile that filters
 * the backend's tools filters a relayed `tools/list` too (then `cacheScope: private`) and refuses a hidden tool.
 */
import type { Context } from 'hono';
import type { Access } from '../auth/access.js';
import type { BackendEra } from '../catalog/backend-eras.js';
import { Cancellation } from '../cancellation.js';
import { GatewayError, errorMessage } from '../errors.js';
import type { CallOutcome } from '../metrics/labels.js';
import { mediaType } from '../media-type.js';
import type { LegacyLinks } from '../session/legacy-links.js';
import { answerModernOnLegacy, type ModernReply } from '../passthrough/modern-on-legacy.js';
import type { PassthroughDeps } from '../passthrough/passthrough-session.js';
import { relayToModern, requestModernBackend } from '../session/modern-backend.js';
import type { ModernMessage } from './protocol-era.js';
import type { AppEnv } from './request-context.js';
import type { SessionTable } from '../session/session-table.js';
import { errorResponse } from './json-error.js';

const INVALID_PARAMS = -32602;
/** When every place is taken, a client is asked to come back this much later (as for a new session). */
const FULL_RETRY_S = 1;
/** The client's headers a modern backend needs besides the body: the mirrored ones and the trace context. */
const RELAYED_HEADERS = new Set(['content-type', 'accept', 'traceparent', 'tracestate', 'baggage']);

export interface ModernPassthroughClient {
  /** The legacy connections the route holds for stateless clients. */
  links: LegacyLinks;
  access: Access;
  authorization: string | undefined;
}

export async function answerModernPassthrough(
  c: Context<AppEnv>,
  deps: PassthroughDeps & { sessions: Pick<SessionTable, 'admit' | 'capacity'> },
  name: string,
  era: BackendEra,
  message: ModernMessage,
  body: string,
  client: ModernPassthroughClient,
): Promise<Response> {
  if (era.era === 'modern') return relayModernRequest(c, deps, name, message, body, client);
  // A notification (cancellation travels as a closed response in this era): nothing to answer.
  if (message.id === undefined) return c.body(null, 202);
  // A call holds a backend connection while it runs: it holds a place in the session table too, so that
  // session-less calls and sessions together stay within max_sessions (as on /mcp).
  const admission = message.method === 'tools/call' ? deps.sessions.admit() : undefined;
  if (message.method === 'tools/call' && !admission) {
    c.header('retry-after', String(FULL_RETRY_S));
    const refusal =
      `Service Unavailable: ${deps.sessions.capacity} client sessions and calls are open and busy ` +
      `(max_sessions); retry in ${FULL_RETRY_S} s`;
    return errorResponse(
      c,
      new GatewayError('too_many_sessions', refusal, { retry_after_s: FULL_RETRY_S }),
      message.id,
    );
  }
  try {
    const reply = await answerModernOnLegacy(
      deps,
      name,
      { ...message, id: message.id },
      {
        links: client.links,
        access: client.access,
        authorization: client.authorization,
        cancellation: Cancellation.following(c.req.raw.signal, 'the client closed its response'),
        httpRequestId: c.var.requestId,
      },
    );
    return replyResponse(c, message.id, reply);
  } finally {
    admission?.release();
  }
}

/** The request as it came, to a modern backend; its response streamed back. */
export async function relayModernRequest(
  c: Context<AppEnv>,
  deps: PassthroughDeps,
  name: string,
  message: { id?: string | number; method?: string; params: Record<string, unknown> },
  body: string,
  client: ModernPassthroughClient,
): Promise<Response> {
  const id = message.id ?? null;
  const profiled = client.access.profile !== undefined ? client.access : undefined;
  if (profiled && message.method === 'tools/call') {
    const tool = message.params.name;
    if (typeof tool !== 'string' || !profiled.tool(name, tool))
      return replyResponse(c, id, {
        status: 200,
        error: { code: INVALID_PARAMS, message: `Unknown tool: ${String(tool)}` },
      });
  }
  // The backend's request ends with the client's: closing the response is this era's cancellation.
  const clientSignal = c.req.raw.signal;
  // The backend has its `timeout` to start answering (an SSE answer then runs as long as the client keeps it).
  const timeoutS = deps.registry.lookup(name).timeout;
  const controller = new AbortController();
  const follow = () => controller.abort();
  clientSignal.addEventListener('abort', follow, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutS * 1000);
  const signal = controller.signal;
  const started = performance.now();
  const tool =
    message.method === 'tools/call' && typeof message.params.name === 'string'
      ? message.params.name
      : undefined;
  let counted = false;
  // Counted as any forwarded request, up to the backend's answer (a streamed body is not waited for).
  const done = (outcome: CallOutcome) => {
    if (counted || message.method === undefined || message.id === undefined) return;
    counted = true;
    const seconds = (performance.now() - started) / 1000;
    deps.metrics?.requestDone('/mcp/:backend', name, message.method, outcome, seconds, tool);
  };
  try {
    if (profiled && message.method === 'tools/list' && message.id !== undefined) {
      const answer = await requestModernBackend(
        deps.registry,
        name,
        client.authorization,
        { id: message.id, method: 'tools/list', params: message.params },
        { signal },
      );
      done(answer.ok ? 'ok' : 'error');
      if (!answer.ok) return replyResponse(c, message.id, { status: 200, error: answer.error });
      const tools = Array.isArray(answer.result.tools)
        ? (answer.result.tools as Array<{ name: string }>)
        : [];
      const result = {
        ...answer.result,
        tools: tools.filter((t) => profiled.tool(name, t.name)),
        cacheScope: 'private',
      };
      return replyResponse(c, message.id, { status: 200, result });
    }
    const upstream = await relayToModern(
      deps.registry,
      name,
      client.authorization,
      body,
      relayedHeaders(c.req.raw.headers),
      signal,
    );
    const headers: Record<string, string> = {};
    const type = upstream.headers.get('content-type');
    if (type) headers['content-type'] = type;
    if (upstream.status === 202 || !upstream.body) {
      done(upstream.ok ? 'ok' : 'error');
      return c.body(null, upstream.status as 202, headers);
    }
    // An SSE answer is streamed as it comes; a JSON one is one small body, sent whole (cheaper than a stream).
    if (type !== null && mediaType(type) === 'text/event-stream') {
      done(upstream.ok ? 'ok' : 'error');
      return c.body(passThrough(upstream.body, controller), upstream.status as 200, headers);
    }
    const text = await upstream.text();
    done(upstream.ok ? 'ok' : 'error');
    return c.body(text, upstream.status as 200, headers);
  } catch (error) {
    done(clientSignal.aborted ? 'cancelled' : timedOut ? 'timeout' : 'unavailable');
    if (clientSignal.aborted) return c.body(null, 499 as 200);
    const failure = timedOut
      ? new GatewayError('backend_timeout', `backend "${name}" did not answer within ${timeoutS} s (timeout)`)
      : error instanceof GatewayError
        ? error
        : new GatewayError(
            'backend_unavailable',
            `backend "${name}" could not be reached: ${errorMessage(error)}`,
          );
    return errorResponse(c, failure, id);
  } finally {
    clearTimeout(timer);
    clientSignal.removeEventListener('abort', follow);
  }
}

/**
 * The backend's SSE stream as the client's: the client going away (its stream cancelled) closes the backend's
 * request, and the backend's stream ending early, or being aborted, ends the client's quietly.
 */
function passThrough(
  body: ReadableStream<Uint8Array>,
  upstream: AbortController,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(stream) {
      try {
        const { done, value } = await reader.read();
        if (done) stream.close();
        else stream.enqueue(value);
      } catch {
        stream.close();
      }
    },
    cancel() {
      upstream.abort();
      void reader.cancel().catch(() => undefined);
    },
  });
}

function relayedHeaders(incoming: Headers): Record<string, string> {
  const headers: Record<string, string> = {};
  incoming.forEach((value, key) => {
    if (RELAYED_HEADERS.has(key) || (key.startsWith('mcp-') && key !== 'mcp-session-id'))
      headers[key] = value;
  });
  return headers;
}

function replyResponse(c: Context<AppEnv>, id: string | number | null, reply: ModernReply): Response {
  const body =
    'result' in reply
      ? { jsonrpc: '2.0', id, result: reply.result }
      : { jsonrpc: '2.0', id, error: reply.error };
  return c.json(body, reply.status);
}
