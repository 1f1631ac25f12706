/**
 * @module client-peer: a client session as a backend connection sees it (a Peer): notifications and backend-initiated
 * requests go to the session's SDK Server, on the stream of the related request when there is one.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Peer } from '../backends/connection.js';

/** Ceiling for a backend's request to the client (a person may be answering an elicitation). */
const CLIENT_ANSWER_TIMEOUT_MS = 10 * 60_000;

/**
 * Whether the client can be sent a request that relates to none of its calls, now. Over Streamable HTTP only while
 * it holds a standalone GET stream (`() => hasStandaloneStream(transport)`); over stdio always (`() => true`).
 */
export type CanReachClient = () => boolean;

/**
 * `canReachClient` says whether the session has a way for unrelated messages (see CanReachClient); `ignores` names
 * the notifications this session does not want (the meta endpoint has no lists of a backend's to change).
 */
export function createClientPeer(
  server: Server,
  canReachClient: CanReachClient,
  log: Logger,
  ignores: (method: string) => boolean = () => false,
): Peer {
  return {
    notify(notification, relatedRequestId) {
      if (ignores(notification.method)) return;
      server
        .notification(notification, relatedRequestId === undefined ? undefined : { relatedRequestId })
        .catch((error: unknown) =>
          log.debug({ err: errorMessage(error), method: notification.method }, 'notification not delivered'),
        );
    },
    request(request, relatedRequestId, extra) {
      if (relatedRequestId === undefined && !canReachClient()) {
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
}

/** True when the SDK transport holds an open standalone (GET) SSE stream for unrelated messages. */
export function hasStandaloneStream(transport: Transport): boolean {
  // The SDK keeps no public accessor; without this check a backend's request would be dropped silently and hang.
  const streams = (transport as unknown as { _streamMapping?: Map<string, unknown> })._streamMapping;
  return streams?.has('_GET_stream') ?? false;
}
