/**
 * @module modern-meta-route: a 2026-07-28 request on an endpoint the gateway serves itself (`/mcp`, `/mcp/flat`,
 * `/mcp/p/<profile>`, `/mcp/pipelines`, `/mcp/admin`; protocol-era.ts decided it), answered without a session by the
 * endpoint's stateless server (meta/modern-endpoint.ts): `server/discover`, `tools/list` and `tools/call`, each as one
 * JSON response, and, where the endpoint announces changes, `subscriptions/listen` as a stream (modern-listen.ts). A call
 * that asks for progress (`_meta.progressToken`) from a client that accepts an event stream is answered as one: its
 * `notifications/progress`, then its result. The list and discover bodies are spliced from bytes rendered once.
 */
import type { Context } from 'hono';
import type { Access } from '../auth/access.js';
import { Cancellation } from '../cancellation.js';
import { ModernCallRefusal, type ModernEndpoint } from '../meta/modern-endpoint.js';
import { MISSING_REQUIRED_CLIENT_CAPABILITY } from '../session/unreachable-peer.js';
import {
  CLIENT_CAPABILITIES_META_KEY,
  mayBeModern,
  modernMisfit,
  requestEra,
  type ModernMessage,
  type ModernRefusal,
} from './protocol-era.js';
import type { AppEnv } from './request-context.js';
import { GatewayError } from '../errors.js';
import type { SessionTable } from '../session/session-table.js';
import { errorResponse } from './json-error.js';
import type { ListenStreams } from './modern-listen.js';
import { sseStream } from './sse-stream.js';
import { parseJsonBody } from './json-body.js';
import { parsedBodyOf } from './parsed-body.js';

const METHOD_NOT_FOUND = -32601;
/** When every place is taken, a client is asked to come back this much later (as for a new session). */
const FULL_RETRY_S = 1;
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;

export interface ModernDeps {
  sessions: Pick<SessionTable, 'admit' | 'capacity'>;
  listens: Pick<ListenStreams, 'serve'>;
}

/**
 * The answer to a session-less 2026-07-28 request on `endpoint`, or undefined for any other request (the legacy
 * path then serves it as before). Only a session-less POST has its body read here.
 */
export async function modernAnswer(
  c: Context<AppEnv>,
  deps: ModernDeps,
  endpoint: ModernEndpoint,
  client: { access: Access; flat: boolean },
): Promise<Response | undefined> {
  if (!mayBeModern(c.req.method, c.req.header('mcp-session-id'))) return undefined;
  const request = { method: 'POST', header: (name: string) => c.req.header(name), body: await bodyOf(c) };
  const era = requestEra(request);
  if (era.era !== 'modern') {
    const misfit = modernMisfit(request);
    return misfit ? refuseModern(c, misfit) : undefined;
  }
  if ('refusal' in era) return refuseModern(c, era.refusal);
  // A request's envelope names the client's capabilities (an empty object for none): without them, no call could
  // tell what the client may be asked.
  const { message } = era;
  const meta = isRecord(message.params._meta) ? message.params._meta : {};
  if (message.id !== undefined && !isRecord(meta[CLIENT_CAPABILITIES_META_KEY]))
    return errorBody(
      c,
      400,
      message.id,
      INVALID_PARAMS,
      `Invalid params: a request carries params._meta["${CLIENT_CAPABILITIES_META_KEY}"] (an object)`,
    );
  return answerModern(c, deps, endpoint, message, client);
}

/** The body as the fast path parsed it, or parsed now (Hono keeps the text, so the legacy path reads it again free). */
async function bodyOf(c: Context<AppEnv>): Promise<unknown> {
  const kept = parsedBodyOf(c.env?.incoming);
  if (kept) return kept.parsedBody;
  const parsed = parseJsonBody(await c.req.text());
  return parsed.ok ? parsed.message : undefined;
}

export async function answerModern(
  c: Context<AppEnv>,
  deps: ModernDeps,
  meta: ModernEndpoint,
  message: ModernMessage,
  client: { access: Access; flat: boolean },
): Promise<Response> {
  // A notification (cancellation travels as a closed response in this era): nothing to answer.
  if (message.id === undefined) return c.body(null, 202);
  const id = message.id;
  switch (message.method) {
    case 'server/discover':
      return resultResponse(c, id, meta.discover(client));
    case 'tools/list':
      return resultResponse(c, id, meta.listTools(client));
    case 'subscriptions/listen': {
      if (!meta.catalogView)
        return errorBody(
          c,
          404,
          id,
          METHOD_NOT_FOUND,
          'Method not found: this endpoint announces no changes',
        );
      // Whatever the surface, what changes is the catalog as the caller's profile sees it.
      const view = meta.catalogView.bind(meta);
      return deps.listens.serve(c, { ...message, id }, () => view(client.access));
    }
    case 'tools/call': {
      const { params } = message;
      const name = params.name;
      if (typeof name !== 'string')
        // In band, as the SDK answers it: a 400 with a code a modern client does not know would send it back to
        // initialize.
        return errorBody(c, 200, id, INVALID_PARAMS, 'Invalid params: tools/call needs a name');
      // A call may open backend connections of its own: it holds a place in the session table while it runs, so that
      // session-less calls are bounded by max_sessions as sessions are.
      const admission = deps.sessions.admit();
      if (!admission) {
        c.header('retry-after', String(FULL_RETRY_S));
        const message =
          `Service Unavailable: ${deps.sessions.capacity} client sessions and calls are open and busy ` +
          `(max_sessions); retry in ${FULL_RETRY_S} s`;
        return errorResponse(
          c,
          new GatewayError('too_many_sessions', message, { retry_after_s: FULL_RETRY_S }),
          id,
        );
      }
      const call = { ...params, name };
      if (!wantsProgress(c, params)) {
        try {
          return resultResponse(c, id, await callTool(c, meta, id, call, client));
        } catch (error) {
          if (!(error instanceof ModernCallRefusal)) throw error;
          // The spec gives -32021 its 400 wherever it arises; any other refusal is the call's answer, in band.
          const status = error.code === MISSING_REQUIRED_CLIENT_CAPABILITY ? 400 : 200;
          return errorBody(c, status, id, error.code, error.message, error.data);
        } finally {
          admission.release();
        }
      }
      // Progress asked for and an event stream accepted: the answer is a stream carrying the call's progress, then
      // its result. The client cancels by closing it (the request's signal follows the connection).
      const stream = sseStream(c.req.raw.signal);
      const progress = (progressParams: Record<string, unknown>): void =>
        stream.send({ jsonrpc: '2.0', method: 'notifications/progress', params: progressParams });
      void callTool(c, meta, id, call, client, progress)
        .then(
          (result) => stream.end(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${result}}`),
          (error: unknown) =>
            stream.end({
              jsonrpc: '2.0',
              id,
              error:
                error instanceof ModernCallRefusal
                  ? { code: error.code, message: error.message, ...(error.data ? { data: error.data } : {}) }
                  : { code: INTERNAL_ERROR, message: error instanceof Error ? error.message : String(error) },
            }),
        )
        .finally(() => admission.release());
      return stream.response;
    }
    default:
      return errorBody(c, 404, id, METHOD_NOT_FOUND, `Method not found: ${message.method}`);
  }
}

/** A progress token in the request's `_meta`, and an Accept header that takes an event stream. */
function wantsProgress(c: Context<AppEnv>, params: Record<string, unknown>): boolean {
  const meta = params._meta as Record<string, unknown> | undefined;
  const token = meta?.progressToken;
  if (typeof token !== 'string' && typeof token !== 'number') return false;
  return (c.req.header('accept') ?? '').includes('text/event-stream');
}

/** The call's result as JSON text. */
async function callTool(
  c: Context<AppEnv>,
  meta: ModernEndpoint,
  id: string | number,
  params: Record<string, unknown> & { name: string },
  client: { access: Access; flat: boolean },
  progress: (params: Record<string, unknown>) => void = () => undefined,
): Promise<string> {
  const capabilities = (params._meta as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY];
  const signal = c.req.raw.signal;
  const result = await meta.callTool(
    {
      ...client,
      capabilities: typeof capabilities === 'object' && capabilities !== null ? capabilities : undefined,
      authorization: c.req.header('authorization'),
    },
    {
      name: params.name,
      ...(params.arguments !== undefined ? { arguments: params.arguments as Record<string, unknown> } : {}),
      ...(params._meta !== undefined ? { _meta: params._meta as Record<string, unknown> } : {}),
    },
    {
      requestId: id,
      cancellation: Cancellation.following(signal, 'cancelled by the client'),
      progress,
      httpRequestId: c.var.requestId,
    },
  );
  return JSON.stringify({ ...result, resultType: 'complete' });
}

export function refuseModern(c: Context<AppEnv>, refusal: ModernRefusal): Response {
  return errorBody(c, refusal.httpStatus, refusal.id, refusal.code, refusal.message, refusal.data);
}

/** The JSON-RPC response around a result already rendered: the result's bytes are never re-serialized. */
function resultResponse(c: Context<AppEnv>, id: string | number, resultJson: string): Response {
  return c.body(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`, 200, {
    'content-type': 'application/json',
  });
}

function errorBody(
  c: Context<AppEnv>,
  status: 200 | 400 | 404,
  id: string | number | null,
  code: number,
  message: string,
  data?: Record<string, unknown>,
): Response {
  const error = { code, message, ...(data ? { data } : {}) };
  return c.json({ jsonrpc: '2.0', id, error }, status);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
