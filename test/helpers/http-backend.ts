/**
 * @module http-backend helper: an MCP server over Streamable HTTP on 127.0.0.1, written with the SDK, for tests that
 * need a remote backend: a session per initialize, the tools the test registers, and a hook that may answer a
 * request itself first (to refuse, echo or misbehave the way a test needs).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface HttpBackend {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** Open sessions by id (a test may clear it to act as a restarted backend). */
  sessions: Map<string, StreamableHTTPServerTransport>;
  /** Requests received so far (any method). */
  readonly requests: number;
  close(): Promise<void>;
}

export interface HttpBackendOptions {
  name?: string;
  /** Registers the server's tools. */
  tools(server: McpServer): void;
  /** Sees each request with its body first; true when it answered it. */
  intercept?(req: IncomingMessage, res: ServerResponse, body: string): boolean;
  /** Answer a session id it does not know with 404, as a restarted server does (default: open a new session). */
  strictSessions?: boolean;
  /** A port chosen beforehand (a backend that comes up after the gateway); default any free one. */
  port?: number;
}

export async function startHttpBackend(options: HttpBackendOptions): Promise<HttpBackend> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let requests = 0;
  const server = createServer(async (req, res) => {
    requests++;
    const text = req.method === 'POST' ? await readBody(req) : '';
    if (options.intercept?.(req, res, text)) return;
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport && typeof id === 'string' && options.strictSessions) {
      const error = { jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null };
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(error));
      return;
    }
    if (!transport) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, created),
        onsessionclosed: (sessionId) => void sessions.delete(sessionId),
      });
      const mcp = new McpServer({ name: options.name ?? 'http-backend', version: '1.0.0' });
      options.tools(mcp);
      await mcp.connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, text ? JSON.parse(text) : undefined);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    sessions,
    get requests() {
      return requests;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}
