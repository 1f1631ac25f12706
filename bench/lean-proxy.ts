/**
 * @module bench/lean-proxy: NOT the gateway. A ~100-line prototype of a lean passthrough, measured next to the gateway
 * to show what forwarding costs on this machine when no SDK, Hono or WHATWG stream is on the hot path: node:http in,
 * the request re-sent to the backend (a shared stdio child with rewritten ids, or a keep-alive HTTP session per
 * client session), the answer written back as one application/json response. It checks nothing a real gateway must
 * (Origin, body limit, progress, cancellation, server→client requests), so it is a floor, not a design.
 *
 *   node dist/bench/lean-proxy.js --http-backend <url>    # prints {"url": "..."}; serves /mcp/echo-stdio, /mcp/echo-http
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpMcpSession, RpcFailure, StdioMcpConnection, createAgent, type RpcClient } from './mcp-client.js';
import { ECHO_SERVER } from './processes.js';

interface Message {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
}

const args = process.argv.slice(2);
const httpBackend = args[args.indexOf('--http-backend') + 1];
if (!args.includes('--http-backend') || !httpBackend) {
  process.stderr.write('usage: lean-proxy --http-backend <url>\n');
  process.exit(2);
}
const stdio = await StdioMcpConnection.spawn(process.execPath, [ECHO_SERVER, '--stdio']);
const agent = createAgent(256);
const sessions = new Map<string, { backend: string; upstream: RpcClient }>();

function reply(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function handle(backend: string, sessionId: string | undefined, message: Message, res: ServerResponse) {
  if (sessionId === undefined) {
    if (message.method !== 'initialize')
      return reply(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'no session' } });
    const upstream = backend === 'echo-stdio' ? stdio : await HttpMcpSession.open(agent, httpBackend!);
    const id = randomUUID();
    sessions.set(id, { backend, upstream });
    const result = {
      protocolVersion: (message.params?.protocolVersion as string | undefined) ?? '2025-06-18',
      capabilities: { tools: {} },
      serverInfo: { name: 'lean-proxy', version: '0.0.0' },
    };
    return reply(res, 200, { jsonrpc: '2.0', id: message.id, result }, { 'mcp-session-id': id });
  }
  const session = sessions.get(sessionId);
  if (!session || session.backend !== backend)
    return reply(res, 404, {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32001, message: 'Session not found' },
    });
  if (message.id === undefined) return reply(res, 202);
  try {
    const result = await session.upstream.request(message.method ?? '', message.params ?? {});
    reply(res, 200, { jsonrpc: '2.0', id: message.id, result });
  } catch (error) {
    const code = error instanceof RpcFailure ? error.code : -32603;
    reply(res, 200, { jsonrpc: '2.0', id: message.id, error: { code, message: String(error) } });
  }
}

const server = createServer((req, res) => {
  const backend = /^\/mcp\/([a-z0-9_-]+)$/.exec(req.url ?? '')?.[1];
  if (!backend || (backend !== 'echo-stdio' && backend !== 'echo-http')) return reply(res, 404);
  const sessionId = req.headers['mcp-session-id'] as string | undefined;
  if (req.method === 'DELETE') {
    const session = sessionId === undefined ? undefined : sessions.get(sessionId);
    if (session && session.upstream !== stdio) void session.upstream.close();
    if (sessionId !== undefined) sessions.delete(sessionId);
    return reply(res, 200);
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    let message: Message;
    try {
      message = JSON.parse(body) as Message;
    } catch {
      return reply(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    }
    handle(backend, sessionId, message, res).catch((error: unknown) =>
      reply(res, 500, { error: String(error) }),
    );
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
);
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  agent.destroy();
  void stdio.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
});
