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
import type { Peer, Upstream, UpstreamInfo } from '../backends/upstream.js';

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
  const subscriptions = new Set<string>();

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
    accepts(notification) {
      if (notification.method !== 'notifications/resources/updated') return true;
      const uri = notification.params?.uri;
      return typeof uri === 'string' && subscriptions.has(uri);
    },
  };

  server.fallbackRequestHandler = async (request, extra) => {
    const upstream = await options.upstream();
    let result;
    try {
      result = await forward(upstream, request, extra);
    } catch (error) {
      if (!upstream.sessionLost) throw error;
      // The backend restarted and never saw this request: send it again on a new backend session.
      log.info({ method: request.method }, 'backend session lost; re-initializing');
      result = await forward(await options.upstream(), request, extra);
    }
    trackSubscription(subscriptions, request);
    return result;
  };
  server.fallbackNotificationHandler = async (notification) => {
    const upstream = await options.upstream();
    await upstream.notify(notification);
  };

  function forward(upstream: Upstream, request: Request, extra: RequestHandlerExtra<Request, Notification>) {
    const wantsProgress = request.params?._meta?.progressToken !== undefined;
    return upstream.request(request.method, request.params, {
      signal: extra.signal,
      timeoutMs: options.timeoutMs,
      maxTotalMs: options.maxTotalMs,
      caller: { peer, requestId: extra.requestId },
      ...(wantsProgress
        ? {
            onProgress: (params) => void extra.sendNotification({ method: 'notifications/progress', params }),
          }
        : {}),
    });
  }

  return { server, peer };
}

function trackSubscription(subscriptions: Set<string>, request: Request): void {
  const uri = request.params?.uri;
  if (typeof uri !== 'string') return;
  if (request.method === 'resources/subscribe') subscriptions.add(uri);
  if (request.method === 'resources/unsubscribe') subscriptions.delete(uri);
}

/** True when the SDK transport holds an open standalone (GET) SSE stream for unrelated messages. */
export function hasStandaloneStream(transport: Transport): boolean {
  // The SDK keeps no public accessor; without this check a backend's request would be dropped silently and hang.
  const streams = (transport as unknown as { _streamMapping?: Map<string, unknown> })._streamMapping;
  return streams?.has('_GET_stream') ?? false;
}
