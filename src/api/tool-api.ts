/**
 * @module tool-api: the REST tool API (`/api/v1/tools`, `/search`, `/execute`) over the same catalog, profiles,
 * argument checks and forwarding as the meta-tools: a REST call is a gateway_invoke without an MCP session. A
 * caller's mistake (an unknown tool, arguments that do not fit) is a refusal with the same self-correcting message
 * gateway_invoke gives; a call that reached the backend answers with the backend's result as it returned it.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Access } from '../auth/access.js';
import { Cancellation } from '../cancellation.js';
import { RpcError } from '../errors.js';
import { catalogView, enabledServers, type MetaContext } from '../meta/context.js';
import { flatSurface, newFlatCache } from '../meta/flat-tools.js';
import { invoke } from '../meta/invoke.js';
import { searchTools } from '../meta/search-tools.js';
import { findServer, findTool } from '../meta/target.js';
import type { ConnectionCredential } from '../registry/registry.js';
import type { Peer } from '../backends/connection.js';
import { SessionBackends } from '../session/session-backends.js';
import type { Outcome } from './rest-sessions.js';

export interface ListedTool {
  name: string;
  server: string;
  tool: string;
  description?: string | undefined;
  inputSchema: Tool['inputSchema'];
}

/** Every tool the access allows, named as on `/mcp/flat`; with `server`, that server's alone. */
export function listTools(
  context: MetaContext,
  access: Access,
  server?: string,
): Outcome<{ tools: ListedTool[] }> {
  if (server !== undefined) {
    const found = findServer(server, enabledServers(context, access));
    if (!found.ok) return { ok: false, status: 404, code: 'unknown_server', message: found.message };
    server = found.server;
  }
  const surface = flatSurface(context, access, newFlatCache());
  const tools: ListedTool[] = [];
  for (const tool of surface.tools) {
    const target = surface.targets.get(tool.name)!;
    if (server !== undefined && target.server !== server) continue;
    const original = catalogView(context, access).find(target.server, target.tool)?.tool;
    tools.push({
      name: tool.name,
      server: target.server,
      tool: target.tool,
      ...(original?.description !== undefined ? { description: original.description } : {}),
      inputSchema: tool.inputSchema,
    });
  }
  return { ok: true, value: { tools } };
}

export async function search(
  context: MetaContext,
  access: Access,
  args: {
    query: string;
    limit?: number | undefined;
    server?: string | undefined;
    regex?: boolean | undefined;
  },
): Promise<Outcome<Record<string, unknown>>> {
  const result = await searchTools(context, args, access);
  const structured = (result.structuredContent ?? {}) as Record<string, unknown>;
  if (result.isError === true)
    return {
      ok: false,
      status: 400,
      code: 'invalid_request',
      message: String(structured.error ?? 'search failed'),
    };
  return { ok: true, value: structured };
}

export interface ExecuteInput {
  tool: string;
  server?: string | undefined;
  arguments?: unknown;
}

/** A REST call has no client to ask: a backend's own request (sampling, elicitation) is refused, its notices dropped. */
const NO_CLIENT: Peer = {
  notify: () => {},
  request: () => Promise.reject(new RpcError(-32601, 'this call came over REST: there is no client to ask')),
};

export async function execute(
  context: MetaContext,
  access: Access,
  credentials: string | ((backend: string) => ConnectionCredential | undefined) | undefined,
  input: ExecuteInput,
  httpRequestId: string,
): Promise<Outcome<CallToolResult>> {
  // The target and arguments are settled here, as gateway_invoke settles them, so that a caller's mistake is a 4xx.
  const names = enabledServers(context, access);
  const target = findTool(input.server, input.tool, names, catalogView(context, access));
  if (!target.ok) return { ok: false, status: 404, code: 'unknown_tool', message: target.message };
  if (!access.tool(target.server, target.tool))
    return {
      ok: false,
      status: 404,
      code: 'unknown_tool',
      message: `server "${target.server}" has no tool "${target.tool}"`,
    };
  const prepared = context.checker.prepare(input.arguments, target.entry);
  if (!prepared.ok) return { ok: false, status: 400, code: 'invalid_arguments', message: prepared.message };

  const backends = new SessionBackends(context.registry, {}, NO_CLIENT, credentials);
  try {
    const result = await invoke(
      context,
      backends,
      { server: target.server, tool: target.tool, arguments: prepared.arguments },
      undefined,
      {
        requestId: `rest-${httpRequestId}`,
        cancellation: new Cancellation(),
        progress: () => {},
        httpRequestId,
      },
      access,
    );
    return { ok: true, value: result };
  } finally {
    await backends.close();
  }
}
