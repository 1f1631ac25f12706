/**
 * @module meta-server: the MCP server behind `/mcp`, one per client session: four meta-tools over the catalog, and
 * the session's own links to the backends it invokes (session/session-backends.ts).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  type CallToolRequest,
  type CallToolResult,
  type ClientCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { SHARED_SCHEMA_VALIDATOR } from '../schema-validator.js';
import { createClientPeer, type CanReachClient } from '../session/client-peer.js';
import type { CallContext } from '../session/forward.js';
import type { OpenedSession } from '../session/opened-session.js';
import { SessionBackends } from '../session/session-backends.js';
import { openToolSession } from '../session/tool-session.js';
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

/** The client of a session, as far as the session needs to know it, whatever carries it (HTTP, stdio). */
export interface MetaClient {
  /** From its initialize, when the endpoint has read it first (HTTP); else read from the Server once it has (stdio). */
  capabilities?: ClientCapabilities | undefined;
  canReachClient: CanReachClient;
}

export function createMetaSession(context: MetaContext, version: string, client: MetaClient): OpenedSession {
  const server = new Server(
    { name: 'mcp-gateway', version },
    {
      capabilities: { tools: {}, logging: {} },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR,
    },
  );
  const peer = createClientPeer(server, client.canReachClient, context.log, (method) =>
    NOT_FOR_META.test(method),
  );
  const backends = new SessionBackends(
    context.registry,
    client.capabilities ?? (() => server.getClientCapabilities() ?? {}),
    peer,
  );

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
        return invoke(context, backends, args, params._meta, call);
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
  return openToolSession({
    server,
    tools: () => [...META_TOOLS],
    call: answerCall,
    close: () => backends.close(),
  });
}
