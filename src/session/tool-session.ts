/**
 * @module tool-session: a client session whose tools the gateway answers itself (the meta-tools, the pipelines):
 * `tools/list` from a function, `tools/call` through the SDK Server or, for a well-formed single call, past it on
 * the direct lane. The caller builds the Server (its identity, capabilities, instructions) and says what it holds.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolRequest,
  type CallToolResult,
  type JSONRPCRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { isObject } from '../json-rpc.js';
import { DirectLane } from './direct-lane.js';
import { sdkCallContext, type CallContext } from './forward.js';
import type { OpenedSession } from './opened-session.js';

export interface ToolSession {
  server: Server;
  tools(): Tool[];
  call(params: CallToolRequest['params'], call: CallContext): Promise<CallToolResult>;
  /** Releases what the session holds (its links to backends). */
  close(): Promise<void>;
}

export function openToolSession(session: ToolSession): OpenedSession {
  const { server } = session;
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: session.tools() }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    session.call(request.params, sdkCallContext(extra)),
  );
  // tools/call (nearly all of such a session's traffic) also past the Server; the rest is the Server's.
  const direct = new DirectLane(
    (request, call) => session.call(request.params as CallToolRequest['params'], call),
    isToolCall,
  );
  return {
    server,
    direct,
    async close() {
      direct.close();
      await session.close();
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
    (args === undefined || isObject(args))
  );
}
