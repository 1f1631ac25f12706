/**
 * @module counting-server helper: a Streamable HTTP MCP backend written in-test with the SDK, that counts the
 * sessions it has open and can be stopped and started again on the same port (a backend restart).
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { z } from 'zod';

export interface CountingServer {
  url: string;
  /** Sessions currently open at the backend. */
  open(): number;
  /** Sessions ended by a DELETE from the client (the gateway). */
  deleted(): number;
  /** Every distinct Authorization header the backend has received ('(none)' for requests without one). */
  authorizations(): string[];
  /** Stops listening and forgets every session, as a crashed-and-restarted server would. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startCountingServer(port = 0): Promise<CountingServer> {
  let sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  let deleted = 0;
  const authorizations = new Set<string>();

  const app = new Hono();
  app.all('/mcp', async (c) => {
    authorizations.add(c.req.header('authorization') ?? '(none)');
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
      onsessionclosed: (sid) => {
        deleted++;
        sessions.delete(sid);
      },
    });
    const server = new McpServer({ name: 'counting', version: '1.0.0' });
    server.registerTool(
      'session',
      { description: 'This backend session', inputSchema: {} },
      (_args, extra) => ({
        content: [{ type: 'text', text: extra.sessionId ?? '' }],
      }),
    );
    server.registerTool(
      'echo',
      { description: 'Echo', inputSchema: { message: z.string() } },
      ({ message }) => ({
        content: [{ type: 'text', text: message }],
      }),
    );
    await server.connect(transport);
    return transport.handleRequest(c.req.raw);
  });

  let listening: ServerType;
  const listen = (p: number) =>
    new Promise<number>((resolve) => {
      listening = serve({ fetch: app.fetch, port: p, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        resolve(info.port),
      );
    });
  const stop = async () => {
    await Promise.allSettled([...sessions.values()].map((t) => t.close()));
    sessions = new Map();
    await new Promise<void>((resolve) => {
      listening.close(() => resolve());
      if ('closeAllConnections' in listening) listening.closeAllConnections();
    });
  };
  const actualPort = await listen(port);

  return {
    url: `http://127.0.0.1:${actualPort}/mcp`,
    open: () => sessions.size,
    deleted: () => deleted,
    authorizations: () => [...authorizations],
    async restart() {
      await stop();
      await listen(actualPort);
    },
    close: stop,
  };
}
