/**
 * @module bench/calls: the calls a closed loop sends (tools/call echo, gateway_invoke, tools/list,
 * gateway_search_tools), each checking its answer, and opening and closing many client sessions in batches.
 */
import type { Call } from './loop.js';
import { HttpMcpSession, createAgent, type RpcClient } from './mcp-client.js';

interface ToolResult {
  content?: Array<{ type?: string; text?: string }>;
  isError?: boolean;
}

export function checkText(result: unknown, expected: string): void {
  const r = result as ToolResult;
  if (r.isError || r.content?.[0]?.text !== expected) {
    throw new Error(`unexpected result: ${JSON.stringify(result).slice(0, 200)}`);
  }
}

/** tools/call echo on client `w` (per-worker) or the only client (shared); the reply must carry our own text. */
export function echoCall(clients: RpcClient[], tool = 'echo'): Call {
  return async (w, seq) => {
    const text = `w${w}-${seq}`;
    checkText(
      await clients[w % clients.length]!.request('tools/call', { name: tool, arguments: { text } }),
      text,
    );
  };
}

export function invokeCall(clients: RpcClient[], server: string): Call {
  return async (w, seq) => {
    const text = `w${w}-${seq}`;
    const result = await clients[w % clients.length]!.request('tools/call', {
      name: 'gateway_invoke',
      arguments: { server, tool: 'echo', arguments: { text } },
    });
    checkText(result, text);
  };
}

export function listCall(clients: RpcClient[], minimum: number): Call {
  return async (w) => {
    const result = (await clients[w % clients.length]!.request('tools/list')) as { tools?: unknown[] };
    if (!Array.isArray(result.tools) || result.tools.length < minimum)
      throw new Error('tools/list came back short');
  };
}

export function searchCall(session: RpcClient, queries: string[]): Call {
  return async (_w, seq) => {
    const result = (await session.request('tools/call', {
      name: 'gateway_search_tools',
      arguments: { query: queries[seq % queries.length]! },
    })) as ToolResult;
    if (result.isError || !result.content?.[0]?.text?.includes('"results"')) {
      throw new Error(`search failed: ${JSON.stringify(result).slice(0, 200)}`);
    }
  };
}

export async function openSessions(agentMax: number, url: string, count: number): Promise<HttpMcpSession[]> {
  const agent = createAgent(agentMax);
  const sessions: HttpMcpSession[] = [];
  const batch = 16;
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    sessions.push(...(await Promise.all(Array.from({ length: n }, () => HttpMcpSession.open(agent, url)))));
  }
  return sessions;
}

export async function closeAll(clients: RpcClient[]): Promise<void> {
  for (let i = 0; i < clients.length; i += 16)
    await Promise.all(clients.slice(i, i + 16).map((c) => c.close()));
}
