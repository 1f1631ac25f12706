/**
 * A Connection to a Streamable HTTP backend through the gateway's own client (backends/http-client.ts), against an SDK
 * server on node:http written here, with no gateway: the session ended with DELETE on close, a backend that forgot
 * the session told apart (the request may be sent again), and a refusal reported with its status.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Connection } from '../../src/backends/connection.js';
import { connectBackend } from '../../src/backends/mcp-connection.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';

let server: Server;
let base: string;
const sessions = new Map<string, StreamableHTTPServerTransport>();
const deleted: string[] = [];
let refuseWith: number | undefined;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (refuseWith !== undefined) {
      res.writeHead(refuseWith, { 'content-type': 'text/plain' }).end('invalid token');
      return;
    }
    const text = req.method === 'POST' ? await readBody(req) : '';
    const id = req.headers['mcp-session-id'];
    if (req.method === 'DELETE' && typeof id === 'string') deleted.push(id);
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (typeof id === 'string' && !transport) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
      return;
    }
    if (!transport) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, created),
        onsessionclosed: (sessionId) => void sessions.delete(sessionId),
      });
      const mcp = new McpServer({ name: 'http-backend', version: '1.0.0' });
      mcp.registerTool('hello', { description: 'Says hello' }, () => ({
        content: [{ type: 'text', text: 'hello' }],
      }));
      await mcp.connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, text ? JSON.parse(text) : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  refuseWith = undefined;
  deleted.length = 0;
});

function connect(): Promise<Connection> {
  const { config } = parseConfig(`backends:\n  remote:\n    http_url: ${base}\n`, {
    path: '/tmp/servers.yaml',
    env: {},
  });
  return connectBackend(config.backends.remote!, {
    clientInfo: { name: 'test', version: '0' },
    capabilities: {},
    log: silentLogger(),
    connectTimeoutMs: 2_000,
  });
}

const LIMITS = { timeoutMs: 2_000, maxTotalMs: 2_000 };

describe('a Streamable HTTP connection', () => {
  it('calls a tool, and ends its backend session with DELETE on close', async () => {
    const connection = await connect();
    expect(connection.info.serverInfo.name).toBe('http-backend');
    await expect(
      connection.request('tools/call', { name: 'hello', arguments: {} }, LIMITS),
    ).resolves.toMatchObject({
      content: [{ type: 'text', text: 'hello' }],
    });
    expect(sessions.size).toBe(1);
    await connection.close();
    expect(deleted).toHaveLength(1);
    expect(sessions.size).toBe(0);
  });

  it('tells a forgotten session apart, so that the request can be sent again on a new one', async () => {
    const connection = await connect();
    sessions.clear(); // The backend restarted.
    await expect(
      connection.request('tools/call', { name: 'hello', arguments: {} }, LIMITS),
    ).rejects.toMatchObject({
      code: -32010,
      message: 'backend "remote" is unavailable: the backend no longer knows this session (it restarted?)',
    });
    expect(connection.sessionLost).toBe(true);
    expect(connection.closed).toBe(true);
    // No DELETE for a session the backend no longer has.
    expect(deleted).toHaveLength(0);
  });

  it('reports a refusal of its credentials with the status, not as a closed connection', async () => {
    refuseWith = 401;
    await expect(connect()).rejects.toThrow(/could not be started: .*invalid token \(HTTP 401\)/);
    refuseWith = 403;
    await expect(connect()).rejects.toThrow(/\(HTTP 403\)/);
  });
});
