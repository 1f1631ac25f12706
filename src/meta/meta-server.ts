/**
 * @module meta-server: the MCP server behind `/mcp`, one per client session: four meta-tools over the catalog, and
 * the session's own links to the backends it invokes (opened on first use, closed with the session).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolRequest,
  type CallToolResult,
  type ClientCapabilities,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { Peer } from '../backends/upstream.js';
import { SHARED_SCHEMA_VALIDATOR } from '../backends/schema-validator.js';
import { createBackendLink, type BackendLink } from '../passthrough/backend-link.js';
import { createDownstreamPeer } from '../passthrough/downstream-peer.js';
import { DirectLane } from '../passthrough/direct-lane.js';
import { sdkCallContext, type CallContext } from '../passthrough/forward.js';
import type { OpenedSession } from '../http/mcp-session.js';
import type { MetaContext } from './context.js';
import { META_TOOLS } from './definitions.js';
import { invoke } from './invoke.js';
import { listServers } from './list-servers.js';
import { listTools } from './list-tools.js';
import { toolError } from './results.js';
import { searchTools } from './search-tools.js';

const INSTRUCTIONS =
  'This gateway fronts several MCP servers. Find a tool with gateway_search_tools, then call it with ' +
  'gateway_invoke({ server, tool, arguments }).';

/** Backend notifications that describe the backend's own lists; /mcp's list is the four meta-tools and never changes. */
const NOT_FOR_META =
  /^notifications\/(tools|prompts|resources)\/list_changed$|^notifications\/resources\/updated$/;

export function createMetaSession(
  context: MetaContext,
  version: string,
  capabilities: ClientCapabilities,
  transport: WebStandardStreamableHTTPServerTransport,
): OpenedSession {
  const server = new Server(
    { name: 'mcp-gateway', version },
    {
      capabilities: { tools: {}, logging: {} },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR,
    },
  );
  const downstream = createDownstreamPeer(server, transport, context.log);
  const peer: Peer = {
    notify: (notification, related) => {
      if (!NOT_FOR_META.test(notification.method)) downstream.notify(notification, related);
    },
    request: downstream.request,
  };
  const links = new Map<string, BackendLink>();
  const link = (name: string): BackendLink => {
    let existing = links.get(name);
    if (!existing) {
      existing = createBackendLink(context.registry, name, capabilities);
      existing.attach(peer);
      links.set(name, existing);
    }
    return existing;
  };

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...META_TOOLS] }));
  const callTool = (
    params: CallToolRequest['params'],
    call: CallContext,
  ): CallToolResult | Promise<CallToolResult> => {
    const args = (params.arguments ?? {}) as Record<string, unknown>;
    switch (params.name) {
      case 'gateway_list_servers':
        return listServers(context);
      case 'gateway_list_tools':
        return listTools(context, args);
      case 'gateway_search_tools':
        return searchTools(context, args);
      case 'gateway_invoke':
        return invoke(context, { link, peer }, args, params._meta, call);
      default:
        return toolError(
          `unknown meta-tool "${params.name}": this endpoint has ${META_TOOLS.map((t) => t.name).join(', ')}; ` +
            "a backend's tools are called through gateway_invoke",
        );
    }
  };
  const answerCall = async (
    params: CallToolRequest['params'],
    call: CallContext,
  ): Promise<CallToolResult> => {
    const result = await callTool(params, call);
    context.metrics?.metaToolCall(params.name, result.isError === true ? 'error' : 'ok');
    return result;
  };
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    answerCall(request.params, sdkCallContext(extra)),
  );
  // tools/call (nearly all of /mcp's traffic) also past the Server; the rest is the Server's.
  const direct = new DirectLane(
    (request, call) => answerCall(request.params as CallToolRequest['params'], call),
    isToolCall,
  );

  return {
    server,
    direct,
    async close() {
      direct.close();
      await Promise.allSettled([...links.values()].map((l) => l.close()));
    },
  };
}

/** A tools/call whose params have the shape the SDK's schema would check; anything else is left to the Server. */
function isToolCall(request: JSONRPCRequest): boolean {
  const params = request.params as Record<string, unknown> | undefined;
  const args = params?.arguments;
  return (
    request.method === 'tools/call' &&
    typeof params?.name === 'string' &&
    (args === undefined || (typeof args === 'object' && args !== null && !Array.isArray(args)))
  );
}
