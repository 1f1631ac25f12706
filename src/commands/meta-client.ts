/**
 * @module commands/meta-client: one call of a meta-tool of the running gateway's `/mcp`, as any MCP client makes it
 * (the SDK's Client over Streamable HTTP), then the session is ended so that it does not wait for its idle timeout.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { VERSION } from '../version.js';
import { unreachable } from './daemon-request.js';

export type MetaCallResult = { ok: true; result: CallToolResult } | { ok: false; message: string };

/** What gateway_invoke allows a call in all (a backend's progress keeps it alive until then). */
const CALL_LIMIT_MS = 10 * 60_000;

export async function callMetaTool(
  base: string,
  tool: string,
  args: Record<string, unknown>,
): Promise<MetaCallResult> {
  const client = new Client({ name: 'mcp-gateway-cli', version: VERSION });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`));
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    const message =
      unreachable(error, base) ??
      (error instanceof StreamableHTTPError && error.code === 404
        ? `the gateway at ${base} serves no meta-tools at /mcp (enable_meta_mcp is false)`
        : `cannot open an MCP session at ${base}/mcp: ${(error as Error).message}`);
    return { ok: false, message };
  }
  try {
    // A request rather than client.callTool(): that one checks results against output schemas, and a gateway's
    // answer is to be shown as it is.
    const result = await client.request(
      { method: 'tools/call', params: { name: tool, arguments: args } },
      CallToolResultSchema,
      { timeout: CALL_LIMIT_MS, resetTimeoutOnProgress: true, maxTotalTimeout: CALL_LIMIT_MS },
    );
    return { ok: true, result };
  } catch (error) {
    return { ok: false, message: unreachable(error, base) ?? `${tool} failed: ${(error as Error).message}` };
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  }
}
