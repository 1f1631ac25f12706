/**
 * @module bridge: joins one downstream client session (an SDK Server) to a backend connection (an Upstream), so
 * that the client sees the backend itself: its capabilities and server info, every request forwarded generically,
 * notifications and backend-initiated requests (sampling, elicitation, roots) carried back on the right stream.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ResultSchema, type Notification, type Request } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Peer, SubscriptionMethod, Upstream, UpstreamInfo } from '../backends/upstream.js';

export interface BridgeOptions {
  /** The backend's identity and capabilities, mirrored to the client. */
  info: UpstreamInfo;
  /** The connection to forward to; called per request, so that one restarted or re-opened meanwhile is used. */
  upstream: () => Promise<Upstream>;
  timeoutMs: number;
  maxTotalMs: number;
  /** Whether the client can receive a message unrelated to any of its requests (an open GET stream). */
  canReceiveUnrelated: () => boolean;
  log: Logger;
}

export interface Bridge {
  server: Server;
  peer: Peer;
}

/** Ceiling for a backend's request to the client (a person may be answering an elicitation). */
const CLIENT_ANSWER_TIMEOUT_MS = 10 * 60_000;

export function createBridge(options: BridgeOptions): Bridge {
  const { info, log } = options;
  const server = new Server(info.serverInfo, {
    capabilities: info.capabilities,
    ...(info.instructions !== undefined ? { instructions: info.instructions } : {}),
  });
  // The SDK answers logging/setLevel itself when `logging` is declared; the backend must receive it instead.
  server.removeRequestHandler('logging/setLevel');

  const peer: Peer = {
    notify(notification, relatedRequestId) {
      server
        .notification(notification, relatedRequestId === undefined ? undefined : { relatedRequestId })
        .catch((error: unknown) =>
          log.debug({ err: errorMessage(error), method: notification.method }, 'notification not delivered'),
        );
    },
    request(request, relatedRequestId, extra) {
      if (relatedRequestId === undefined && !options.canReceiveUnrelated()) {
        return Promise.reject(
          new Error(`the client has no open stream for ${request.method} (no call in flight, no GET stream)`),
        );
      }
      return server.request({ method: request.method, params: request.params }, ResultSchema, {
        signal: extra.signal,
        timeout: CLIENT_ANSWER_TIMEOUT_MS,
        ...(relatedRequestId === undefined ? {} : { relatedRequestId }),
      });
    },
  };

  server.fallbackRequestHandler = async (request, extra) => {
    const upstream = await options.upstream();
    try {
      return await forward(upstream, request, extra);
    } catch (error) {
      if (!upstream.sessionLost) throw error;
      // The backend restarted and never saw this request: send it again on a new backend session.
      log.info({ method: request.method }, 'backend session lost; re-initializing');
      return forward(await options.upstream(), request, extra);
    }
  };
  server.fallbackNotificationHandler = async (notification) => {
    const upstream = await options.upstream();
    await upstream.notify(notification);
  };

  function forward(upstream: Upstream, request: Request, extra: RequestHandlerExtra<Request, Notification>) {
    const wantsProgress = request.params?._meta?.progressToken !== undefined;
    const call = {
      signal: extra.signal,
      timeoutMs: options.timeoutMs,
      maxTotalMs: options.maxTotalMs,
      caller: { peer, requestId: extra.requestId },
      ...(wantsProgress
        ? {
            onProgress: (params: Record<string, unknown>) =>
              void extra.sendNotification({ method: 'notifications/progress', params }),
          }
        : {}),
    };
    const uri = request.params?.uri;
    if (isSubscription(request.method) && typeof uri === 'string') {
      return upstream.subscription(request.method, { ...request.params, uri }, call);
    }
    return upstream.request(request.method, request.params, call);
  }

  return { server, peer };
}

function isSubscription(method: string): method is SubscriptionMethod {
  return method === 'resources/subscribe' || method === 'resources/unsubscribe';
}

/** True when the SDK transport holds an open standalone (GET) SSE stream for unrelated messages. */
export function hasStandaloneStream(transport: Transport): boolean {
  // The SDK keeps no public accessor; without this check a backend's request would be dropped silently and hang.
  const streams = (transport as unknown as { _streamMapping?: Map<string, unknown> })._streamMapping;
  return streams?.has('_GET_stream') ?? false;
}
