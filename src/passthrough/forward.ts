/**
 * @module forward: one client request sent on to a backend connection: progress carried back on the request's own
 * stream, cancellation passed on, resource subscriptions counted on shared connections, and a request that met a
 * backend session the backend had forgotten sent once more on a fresh one.
 */
import type { Notification, Request, Result } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Logger } from '../log.js';
import type { CallOptions, Peer, SubscriptionMethod, Upstream } from '../backends/upstream.js';

export interface ForwardOptions {
  peer: Peer;
  timeoutMs: number;
  maxTotalMs: number;
  log: Logger;
}

export type RequestExtra = RequestHandlerExtra<Request, Notification>;

/** Forwards on the connection `connect()` gives; retries once on a new one if the backend lost the session. */
export async function forwardRequest(
  connect: () => Promise<Upstream>,
  request: Pick<Request, 'method' | 'params'>,
  extra: RequestExtra,
  options: ForwardOptions,
): Promise<Result> {
  const upstream = await connect();
  try {
    return await forwardOnce(upstream, request, extra, options);
  } catch (error) {
    if (!upstream.sessionLost) throw error;
    // The backend restarted and never saw this request: send it again on a new backend session.
    options.log.info({ method: request.method }, 'backend session lost; re-initializing');
    return forwardOnce(await connect(), request, extra, options);
  }
}

function forwardOnce(
  upstream: Upstream,
  request: Pick<Request, 'method' | 'params'>,
  extra: RequestExtra,
  options: ForwardOptions,
): Promise<Result> {
  const call: CallOptions & { caller: NonNullable<CallOptions['caller']> } = {
    signal: extra.signal,
    timeoutMs: options.timeoutMs,
    maxTotalMs: options.maxTotalMs,
    caller: { peer: options.peer, requestId: extra.requestId },
  };
  if (request.params?._meta?.progressToken !== undefined) {
    call.onProgress = (params) => void extra.sendNotification({ method: 'notifications/progress', params });
  }
  const uri = request.params?.uri;
  if (isSubscription(request.method) && typeof uri === 'string') {
    return upstream.subscription(request.method, { ...request.params, uri }, call);
  }
  return upstream.request(request.method, request.params, call);
}

function isSubscription(method: string): method is SubscriptionMethod {
  return method === 'resources/subscribe' || method === 'resources/unsubscribe';
}
