/**
 * @module bridge: joins one client session (an SDK Server) to one backend, so that the client sees the
 * backend itself: its capabilities and server info, every request forwarded generically (tools/list answered from a
 * cache while it is known to be current), notifications and backend-initiated requests (sampling, elicitation,
 * roots) carried back on the right stream.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Request, Result, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log.js';
import type { PassthroughMetrics } from '../metrics/metrics.js';
import type { Connection, ConnectionInfo } from '../backends/connection.js';
import { SHARED_SCHEMA_VALIDATOR } from '../schema-validator.js';
import type { BackendLink } from '../session/backend-link.js';
import { createClientPeer, hasStandaloneStream } from '../session/client-peer.js';
import { DirectLane } from '../session/direct-lane.js';
import { forwardRequest, sdkCallContext, type CallContext } from '../session/forward.js';
import { ToolListCache } from './tool-list-cache.js';
import type { Access } from '../auth/access.js';
import { RpcError } from '../errors.js';

export interface BridgeOptions {
  /** The backend's identity and capabilities, mirrored to the client. */
  info: ConnectionInfo;
  link: BackendLink;
  /** The client's side of the session, for knowing whether it can receive unrelated messages. */
  transport: Transport;
  timeoutMs: number;
  maxTotalMs: number;
  /** The backend is shared by every session (one connection, one tool list for all). */
  shared: boolean;
  /** A shared backend's tools as the catalog knows them, while they are current. */
  catalogTools: () => Tool[] | undefined;
  log: Logger;
  metrics?: PassthroughMetrics | undefined;
  /** The client's profile: its tools/list shows only the tools it allows, and a call of another is refused. */
  access?: Access | undefined;
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

  const peer = createClientPeer(server, () => hasStandaloneStream(options.transport), log);
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

  const lists = new ToolListCache({
    link,
    shared: options.shared,
    announcesChanges: info.capabilities.tools?.listChanged === true,
    catalog: options.catalogTools,
  });
  const access = options.access?.profile !== undefined ? options.access : undefined;
  const allowed = (result: Result): Result =>
    access && Array.isArray(result.tools)
      ? { ...result, tools: (result.tools as Tool[]).filter((t) => access.tool(link.name, t.name)) }
      : result;
  // Not async: a call's promise is forwardRequest's own (one layer fewer on every call).
  const answer = (request: Pick<Request, 'method' | 'params'>, call: CallContext): Promise<Result> => {
    if (access && request.method === 'tools/call') {
      const name = request.params?.name;
      // As the backend would answer a tool it does not have: the profile hides it, it does not announce it.
      if (typeof name !== 'string' || !access.tool(link.name, name))
        return Promise.reject(new RpcError(-32602, `Unknown tool: ${String(name)}`));
    }
    if (request.method !== 'tools/list') return forwardRequest(link.connection, request, call, forward);
    return listTools(request, call).then(allowed);
  };
  const listTools = async (
    request: Pick<Request, 'method' | 'params'>,
    call: CallContext,
  ): Promise<Result> => {
    if (request.params?.cursor) return forwardRequest(link.connection, request, call, forward);
    const tools = lists.lookup();
    if (tools) {
      options.metrics?.toolListFromCache(link.name);
      return { tools };
    }
    const askedAfter = lists.changesSeen;
    let served: Connection | undefined;
    const result = await forwardRequest(
      async () => (served = await lists.connection()),
      request,
      call,
      forward,
    );
    if (served) lists.remember(served, result, askedAfter);
    return result;
  };
  server.fallbackRequestHandler = (request, extra) => answer(request, sdkCallContext(extra));
  server.fallbackNotificationHandler = async (notification) => {
    const connection = await link.connection();
    await connection.notify(notification);
  };
  const direct = new DirectLane(answer);
  return { server, direct };
}
