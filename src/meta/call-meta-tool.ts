/**
 * @module call-meta-tool: one `tools/call` of a meta endpoint, whoever carries it: a meta-tool by name, or on the
 * flat surface a `server__tool` forwarded to its backend. A legacy session (meta-server.ts) and a stateless modern
 * request (stateless-meta.ts) answer the same call the same way.
 */
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Access } from '../auth/access.js';
import type { CallContext } from '../session/forward.js';
import type { SessionBackends } from '../session/session-backends.js';
import type { MetaContext } from './context.js';
import { META_TOOLS } from './definitions.js';
import { flatSurface, type FlatCache } from './flat-tools.js';
import { invoke } from './invoke.js';
import { listServers } from './list-servers.js';
import { listTools } from './list-tools.js';
import { toolError } from './results.js';
import { searchTools } from './search-tools.js';

export interface MetaCaller {
  context: MetaContext;
  /** The links the call's backends are reached through (a session's, or the request's own). */
  backends: SessionBackends;
  access: Access;
  /** The flat surface (`server__tool`) rather than the four meta-tools. */
  flat: boolean;
  flatCache: FlatCache;
}

export async function callMetaTool(
  caller: MetaCaller,
  params: CallToolRequest['params'],
  call: CallContext,
): Promise<CallToolResult> {
  const result = await dispatch(caller, params, call);
  // The flat surface's names are the backends' tools: counted by the forwarding, not as meta-tools.
  if (!caller.flat)
    caller.context.metrics?.metaToolCall(params.name, result.isError === true ? 'error' : 'ok');
  return result;
}

function dispatch(
  { context, backends, access, flat, flatCache }: MetaCaller,
  params: CallToolRequest['params'],
  call: CallContext,
): CallToolResult | Promise<CallToolResult> {
  if (flat) {
    const target = flatSurface(context, access, flatCache).targets.get(params.name);
    if (!target)
      return toolError(
        `unknown tool "${params.name}": tools/list lists this endpoint's tools as server__tool`,
      );
    const args = { server: target.server, tool: target.tool, arguments: params.arguments ?? {} };
    return invoke(context, backends, args, params._meta, call, access);
  }
  const args = (params.arguments ?? {}) as Record<string, unknown>;
  switch (params.name) {
    case 'gateway_list_servers':
      return listServers(context, access);
    case 'gateway_list_tools':
      return listTools(context, args, access);
    case 'gateway_search_tools':
      return searchTools(context, args, access);
    case 'gateway_invoke':
      return invoke(context, backends, args, params._meta, call, access);
    default:
      return toolError(
        `unknown meta-tool "${params.name}": this endpoint has ${META_TOOLS.map((t) => t.name).join(', ')}; ` +
          "a backend's tools are called through gateway_invoke",
      );
  }
}
