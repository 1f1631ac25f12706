/**
 * @module admin-server: `/mcp/admin`, the admin API as MCP tools for clients that manage servers over MCP: list,
 * register, remove and restart backends, and call a tool on a named backend. Behind the same token and the same rules
 * as /api/v1 (runtime.ts decides; this only translates).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolRequest,
  type CallToolResult,
  type ClientCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { RpcError } from '../errors.js';
import { isObject } from '../json-rpc.js';
import type { Logger } from '../log.js';
import { ok, toolError } from '../meta/results.js';
import type { Registry } from '../registry/registry.js';
import { SHARED_SCHEMA_VALIDATOR } from '../schema-validator.js';
import { createClientPeer, hasStandaloneStream } from '../session/client-peer.js';
import { sdkCallContext, type CallContext } from '../session/forward.js';
import type { OpenedSession } from '../session/opened-session.js';
import { SessionBackends } from '../session/session-backends.js';
import type { Outcome, Runtime } from './runtime.js';

const name = { type: 'string', description: 'Backend name.' } as const;

export const ADMIN_TOOLS: readonly Tool[] = [
  {
    name: 'admin_call_tool',
    description: 'Call a tool on a named backend and get its result as it is.',
    inputSchema: {
      type: 'object',
      properties: { server: name, tool: { type: 'string' }, arguments: { type: 'object' } },
      required: ['server', 'tool'],
    },
  },
  {
    name: 'admin_list_servers',
    description: 'Every backend with its state, transport and source (file or api).',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'admin_register_server',
    description:
      'Add a backend: { "name": "x", "http_url": "…" } with the keys of servers.yaml, or { "mcpServers": { … } } as ' +
      'client configs write them. Stdio backends only where the config allows it (admin.allow_stdio).',
    inputSchema: { type: 'object', properties: { name, mcpServers: { type: 'object' } } },
  },
  {
    name: 'admin_remove_server',
    description: 'Remove a backend added through the admin API.',
    inputSchema: { type: 'object', properties: { name }, required: ['name'] },
  },
  {
    name: 'admin_restart_server',
    description: "Stop a backend's processes and connections and clear its failures; its next use starts it.",
    inputSchema: { type: 'object', properties: { name }, required: ['name'] },
  },
];

export interface AdminContext {
  runtime: Runtime;
  registry: Registry;
  log: Logger;
  version: string;
  maxTotalMs: number;
}

export function createAdminSession(
  context: AdminContext,
  capabilities: ClientCapabilities,
  transport: Transport,
): OpenedSession {
  const server = new Server(
    { name: 'mcp-gateway-admin', version: context.version },
    { capabilities: { tools: {} }, jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR },
  );
  const backends = new SessionBackends(
    context.registry,
    capabilities,
    createClientPeer(server, () => hasStandaloneStream(transport), context.log),
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...ADMIN_TOOLS] }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    adminCall(context, backends, request.params, sdkCallContext(extra)),
  );
  return { server, close: () => backends.close() };
}

/** One admin tool call, whoever carries it (a session, or a stateless 2026-07-28 request). */
export async function adminCall(
  context: AdminContext,
  backends: SessionBackends,
  params: CallToolRequest['params'],
  call: CallContext,
): Promise<CallToolResult> {
  const { runtime } = context;
  const args = (params.arguments ?? {}) as Record<string, unknown>;
  const target = typeof args.name === 'string' ? args.name : '';
  switch (params.name) {
    case 'admin_list_servers':
      return ok({ servers: runtime.servers() });
    case 'admin_register_server':
      return result(await runtime.register(args));
    case 'admin_remove_server':
      return result(await runtime.unregister(target));
    case 'admin_restart_server':
      return result(await runtime.restart(target));
    case 'admin_call_tool':
      return callTool(backends, context, args, call);
    default:
      return toolError(`unknown tool "${params.name}": ${ADMIN_TOOLS.map((t) => t.name).join(', ')}`);
  }
}

async function callTool(
  backends: SessionBackends,
  context: AdminContext,
  args: Record<string, unknown>,
  call: CallContext,
): Promise<CallToolResult> {
  const { server, tool } = args;
  if (typeof server !== 'string' || typeof tool !== 'string')
    return toolError('"server" and "tool" are required');
  if (args.arguments !== undefined && !isObject(args.arguments))
    return toolError('"arguments" must be an object');
  try {
    const timeoutMs = context.registry.lookup(server).timeout * 1000;
    const params = { name: tool, arguments: args.arguments ?? {} };
    return (await backends.call({ method: 'tools/call', params }, call, {
      backend: server,
      timeoutMs,
      maxTotalMs: context.maxTotalMs,
      log: context.log.child({ backend: server }),
      route: '/mcp',
    })) as CallToolResult;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return toolError(
      `${server}/${tool} failed: ${message}`,
      error instanceof RpcError ? { code: error.code } : {},
    );
  }
}

function result<T extends object>(outcome: Outcome<T>): CallToolResult {
  if (!outcome.ok)
    return toolError(outcome.message, {
      code: outcome.code,
      ...(outcome.problems ? { problems: outcome.problems } : {}),
    });
  const { ok: _ok, ...rest } = outcome;
  return ok(rest as Record<string, unknown>);
}
