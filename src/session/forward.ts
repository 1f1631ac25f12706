/**
 * @module forward: one client request sent on to a backend connection: progress carried back on the request's own
 * stream, cancellation passed on, and a request that met a backend session the backend had forgotten sent once more
 * on a fresh one. Every forwarded request, from /mcp or /mcp/<backend>, passes here once: here it is timed, counted
 * and logged.
 */
import type { Notification, Request, RequestId, Result } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { Cancellation } from '../cancellation.js';
import { GatewayError, RpcError, errorMessage } from '../errors.js';
import { REQUEST_ID_HEADER, type Logger } from '../log.js';
import type { CallOptions, Connection, Peer } from '../backends/connection.js';
import type { CallOutcome, CallRoute } from '../metrics/labels.js';
import type { CallMetrics } from '../metrics/metrics.js';

export interface ForwardOptions {
  peer: Peer;
  timeoutMs: number;
  maxTotalMs: number;
  log: Logger;
  /** The endpoint the request came through and the backend it goes to, for metrics and logs. */
  route: CallRoute;
  backend: string;
  metrics?: CallMetrics | undefined;
}

export type RequestExtra = RequestHandlerExtra<Request, Notification>;

/** The client's request being forwarded, as far as forwarding needs it; from the SDK or from the fast path. */
export interface CallContext {
  /** The id the client gave the request. */
  requestId: RequestId;
  /** Cancelled when the client cancels the request. */
  cancellation: Cancellation;
  /** Sends the client a progress notification about this request. */
  progress(params: Record<string, unknown>): void;
  /** The id of the HTTP request that carried it, for the log. */
  httpRequestId: string | undefined;
}

/** The context of a request the SDK Server received. */
export function sdkCallContext(extra: RequestExtra): CallContext {
  return {
    requestId: extra.requestId,
    cancellation: Cancellation.following(extra.signal, 'cancelled by the client'),
    progress: (params) => void extra.sendNotification({ method: 'notifications/progress', params }),
    httpRequestId: requestIdOf(extra),
  };
}

/**
 * Forwards on the connection `connect()` gives, and records how it went. Retries once on a new connection if the
 * backend lost the session. One async layer for both: this runs on every forwarded call.
 */
export async function forwardRequest(
  connect: () => Connection | Promise<Connection>,
  request: Pick<Request, 'method' | 'params'>,
  call: CallContext,
  options: ForwardOptions,
): Promise<Result> {
  const started = performance.now();
  let outcome: CallOutcome = 'ok';
  let failure: unknown;
  try {
    // A connection that is up comes as itself: awaiting it anyway would cost every call a turn of the microtask queue.
    const ready = connect();
    const connection = ready instanceof Promise ? await ready : ready;
    let result: Result;
    try {
      result = await forwardOnce(connection, request, call, options);
    } catch (error) {
      if (!connection.sessionLost) throw error;
      // The backend restarted and never saw this request: send it again on a new backend session.
      options.log.info(
        { method: request.method, req_id: call.httpRequestId },
        'backend session lost; re-initializing',
      );
      result = await forwardOnce(await connect(), request, call, options);
    }
    if (result.isError === true && request.method === 'tools/call') outcome = 'tool_error';
    return result;
  } catch (error) {
    outcome = call.cancellation.cancelled ? 'cancelled' : outcomeOf(error);
    failure = error;
    throw error;
  } finally {
    const seconds = (performance.now() - started) / 1000;
    const tool = request.method === 'tools/call' ? request.params?.name : undefined;
    const toolName = typeof tool === 'string' ? tool : undefined;
    options.metrics?.requestDone(options.route, options.backend, request.method, outcome, seconds, toolName);
    logCall(options.log, call.httpRequestId, request.method, toolName, outcome, seconds, failure);
  }
}

function forwardOnce(
  connection: Connection,
  request: Pick<Request, 'method' | 'params'>,
  call: CallContext,
  options: ForwardOptions,
): Promise<Result> {
  const callOptions: CallOptions = {
    cancellation: call.cancellation,
    timeoutMs: options.timeoutMs,
    maxTotalMs: options.maxTotalMs,
    caller: { peer: options.peer, requestId: call.requestId },
  };
  if (request.params?._meta?.progressToken !== undefined) callOptions.onProgress = call.progress;
  return connection.request(request.method, request.params, callOptions);
}

/**
 * The id of the HTTP request that carried this call. The HTTP layer stamps it on the request (http/request-context.ts)
 * and the SDK hands the request's headers to the handler; it crosses the SDK's transport and Server that way.
 */
function requestIdOf(extra: RequestExtra): string | undefined {
  const id = extra.requestInfo?.headers[REQUEST_ID_HEADER];
  return typeof id === 'string' ? id : undefined;
}

/** Whose fault, from the error the call ended with (the gateway's own errors carry their code). */
function outcomeOf(error: unknown): CallOutcome {
  const code =
    error instanceof GatewayError ? error.code : error instanceof RpcError ? error.reason : undefined;
  if (code === 'backend_timeout') return 'timeout';
  return code === 'backend_unavailable' ? 'unavailable' : 'error';
}

/**
 * One line per forwarded call: debug when it went through, warn when the backend could not answer. Method and tool
 * name only: arguments and results never reach the log.
 */
function logCall(
  log: Logger,
  requestId: string | undefined,
  method: string,
  tool: string | undefined,
  outcome: CallOutcome,
  seconds: number,
  failure: unknown,
): void {
  const trouble = outcome === 'timeout' || outcome === 'unavailable';
  if (!log.isLevelEnabled(trouble ? 'warn' : 'debug')) return;
  const fields = {
    req_id: requestId,
    method,
    ...(tool !== undefined ? { tool } : {}),
    outcome,
    ms: Math.round(seconds * 1e6) / 1000,
  };
  if (trouble) log.warn({ ...fields, err: errorMessage(failure) }, 'backend call failed');
  else log.debug(fields, 'backend call');
}
