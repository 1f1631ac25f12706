/**
 * @module bridge: joins one downstream client session (an SDK Server) to one backend, so that the client sees the
 * backend itself: its capabilities and server info, every request forwarded generically (tools/list answered from
 * the catalog while it is current), notifications and backend-initiated requests (sampling, elicitation, roots)
 * carried back on the right stream.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Request, Result, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log.js';
import type { PassthroughMetrics } from '../metrics/metrics.js';
import type { UpstreamInfo } from '../backends/upstream.js';
import { SHARED_SCHEMA_VALIDATOR } from '../backends/schema-validator.js';
import type { BackendLink } from './backend-link.js';
import { createDownstreamPeer } from './downstream-peer.js';
import { DirectLane } from './direct-lane.js';
import { forwardRequest, sdkCallContext, type CallContext } from './forward.js';

export interface BridgeOptions {
  /** The backend's identity and capabilities, mirrored to the client. */
  info: UpstreamInfo;
  link: BackendLink;
  /** The client's side of the session, for knowing whether it can receive unrelated messages. */
  transport: Transport;
  timeoutMs: number;
  maxTotalMs: number;
  /** The backend's tools as the catalog knows them, while they are current (undefined: ask the backend). */
  cachedTools: () => Tool[] | undefined;
  log: Logger;
  metrics?: PassthroughMetrics | undefined;
}

export interface Bridge {
  server: Server;
  /** The same forwarding for requests the HTTP layer answers without the Server (the common case). */
  direct: DirectLane;
}

export function createBridge(options: BridgeOptions): Bridge {
  const { info, link, log } = options;
  const server = new Server(info.serverInfo, {
    capabilities: info.capabilities,
    jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR,
    ...(info.instructions !== undefined ? { instructions: info.instructions } : {}),
  });
  // The SDK answers logging/setLevel itself when `logging` is declared; the backend must receive it instead.
  server.removeRequestHandler('logging/setLevel');

  const peer = createDownstreamPeer(server, options.transport, log);
  link.attach(peer);
  const forward = {
    peer,
    timeoutMs: options.timeoutMs,
    maxTotalMs: options.maxTotalMs,
    log,
    route: '/mcp/:backend' as const,
    backend: link.name,
    metrics: options.metrics,
  };

  const answer = (request: Pick<Request, 'method' | 'params'>, call: CallContext): Promise<Result> => {
    // The first page of tools/list from the catalog: the backend need not be woken, nor asked again.
    const tools =
      request.method === 'tools/list' && !request.params?.cursor ? options.cachedTools() : undefined;
    if (tools) {
      options.metrics?.toolListFromCatalog(link.name);
      return Promise.resolve({ tools });
    }
    return forwardRequest(link.connection, request, call, forward);
  };
  server.fallbackRequestHandler = (request, extra) => answer(request, sdkCallContext(extra));
  server.fallbackNotificationHandler = async (notification) => {
    const upstream = await link.connection();
    await upstream.notify(notification);
  };
  const direct = new DirectLane(answer);
  return { server, direct };
}
