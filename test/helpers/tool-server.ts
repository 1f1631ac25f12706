/**
 * @module tool-server helper: a Streamable HTTP MCP backend written in-test with the SDK, serving the tools it is
 * given, on a port that may be chosen before it listens (a backend that comes up after the gateway).
 */
import { randomUUID } from 'node:crypto';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';

export interface ToolServer {
  url: string;
  /** Requests received so far (any method). */
  requests: number;
  close(): Promise<void>;
}

export async function startToolServer(
  tools: ReadonlyArray<{ name: string; description: string }>,
  port = 0,
): Promise<ToolServer> {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const state = { requests: 0 };
  const app = new Hono();
  app.all('/mcp', async (c) => {
    state.requests++;
    const id = c.req.header('mcp-session-id');
    if (id) {
      const transport = sessions.get(id);
      if (!transport)
        return c.json(
          { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null },
          404,
        );
      return transport.handleRequest(c.req.raw);
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sid) => void sessions.set(sid, transport),
      onsessionclosed: (sid) => void sessions.delete(sid),
    });
    const server = new McpServer({ name: 'tool-server', version: '1.0.0' });
    for (const tool of tools)
      server.registerTool(tool.name, { description: tool.description, inputSchema: {} }, () => ({
        content: [{ type: 'text', text: tool.name }],
      }));
    await server.connect(transport);
    return transport.handleRequest(c.req.raw);
  });
  let listening: ServerType | undefined;
  const actual = await new Promise<number>((resolve) => {
    listening = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve(info.port),
    );
  });
  return {
    url: `http://127.0.0.1:${actual}/mcp`,
    get requests() {
      return state.requests;
    },
    async close() {
      await Promise.allSettled([...sessions.values()].map((t) => t.close()));
      await new Promise<void>((resolve) => {
        listening?.close(() => resolve());
        if (listening && 'closeAllConnections' in listening) listening.closeAllConnections();
      });
    },
  };
}

/** A loopback port free now (nothing listens on it until a test starts a server there). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
