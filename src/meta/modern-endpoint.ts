/**
 * @module modern-endpoint: what an endpoint the gateway serves itself (the meta-tools, the flat surface, the
 * pipelines, the admin tools) answers to a 2026-07-28 request with no session: its discover and list results as
 * rendered bytes, and one tool call on links of the request's own.
 */
import type { ClientCapabilities as ModernClientCapabilities } from '@modelcontextprotocol/server';
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Access } from '../auth/access.js';
import type { CallContext } from '../session/forward.js';

export interface ModernCaller {
  access: Access;
  /** Serve the flat surface whatever the profile says (`/mcp/flat`); meaningless elsewhere. */
  flat: boolean;
  /** From the request's `_meta`: advertised on the request's own backend links. */
  capabilities: ModernClientCapabilities | undefined;
  authorization: string | undefined;
}

export interface ModernEndpoint {
  /** The `server/discover` result, as JSON text. */
  discover(caller: Pick<ModernCaller, 'access' | 'flat'>): string;
  /** The `tools/list` result, as JSON text. */
  listTools(caller: Pick<ModernCaller, 'access' | 'flat'>): string;
  callTool(
    caller: ModernCaller,
    params: CallToolRequest['params'],
    call: CallContext,
  ): Promise<CallToolResult>;
  /**
   * Present on an endpoint that announces changes on `subscriptions/listen`: what the caller's tools depend on, as
   * bytes that change when they change.
   */
  catalogView?(access: Access): string;
}
