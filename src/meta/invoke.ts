/**
 * @module invoke: `gateway_invoke({ server, tool, arguments })`. The target and arguments are settled from the
 * catalog before anything is woken; then the call goes to the backend like a passthrough call (progress,
 * cancellation and the backend's own requests flow to the /mcp client) and its result comes back as it is. A tool of
 * `pipelines` runs there, its steps on this session's links to the backends.
 */
import type { CallToolResult, ProgressToken } from '@modelcontextprotocol/sdk/types.js';
import { RpcError } from '../errors.js';
import { PIPELINES_BACKEND } from '../pipelines/pipelines.js';
import type { CallContext } from '../session/forward.js';
import type { SessionBackends } from '../session/session-backends.js';
import type { Access } from '../auth/access.js';
import { catalogView, enabledServers, type MetaContext } from './context.js';
import { toolError } from './results.js';
import { findTool } from './target.js';

export async function invoke(
  context: MetaContext,
  backends: SessionBackends,
  args: Record<string, unknown>,
  meta: Record<string, unknown> | undefined,
  call: CallContext,
  access?: Access,
): Promise<CallToolResult> {
  const target = findTool(
    args.server,
    args.tool,
    enabledServers(context, access),
    catalogView(context, access),
  );
  if (!target.ok) return toolError(target.message);
  // Not indexed yet, the backend judges the name; the profile still does first, with the answer a missing tool gets.
  if (access && !access.tool(target.server, target.tool))
    return toolError(
      `server "${target.server}" has no tool "${target.tool}" (gateway_list_tools lists them)`,
    );
  const prepared = context.checker.prepare(args.arguments, target.entry);
  if (!prepared.ok) return toolError(prepared.message, { server: target.server, tool: target.tool });

  if (target.server === PIPELINES_BACKEND && context.pipelines) {
    const progressToken = meta?.progressToken as ProgressToken | undefined;
    return context.pipelines.run(target.tool, prepared.arguments, {
      backends,
      call,
      progressToken,
      route: '/mcp',
    });
  }

  const params = { name: target.tool, arguments: prepared.arguments, ...(meta ? { _meta: meta } : {}) };
  try {
    const result = await backends.call({ method: 'tools/call', params }, call, {
      timeoutMs: context.registry.lookup(target.server).timeout * 1000,
      maxTotalMs: context.maxTotalMs,
      log: context.log.child({ backend: target.server }),
      route: '/mcp',
      backend: target.server,
      metrics: context.metrics,
    });
    return result as CallToolResult;
  } catch (error) {
    // A failure of the call itself is a result the model can read and act on, not a protocol error.
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof RpcError ? error.code : undefined;
    return toolError(`${target.server}/${target.tool} failed: ${message}`, {
      server: target.server,
      tool: target.tool,
      ...(code !== undefined ? { code } : {}),
      ...(error instanceof RpcError && error.data !== undefined ? { data: error.data } : {}),
    });
  }
}
