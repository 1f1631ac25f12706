/**
 * @module bench/echo-server: the benchmark's backend, a tiny SDK McpServer with one `echo` tool (returns its `text`
 * argument as text). The same server runs over stdio (the gateway or the load client spawns it) or over stateful
 * Streamable HTTP in a process of its own (one SDK transport and server per session, as SDK-based servers do).
 *
 *   node dist/bench/echo-server.js --stdio
 *   node dist/bench/echo-server.js --http [--port N]    # prints {"url": "..."} on stdout once listening
 *   node dist/bench/echo-server.js --raw --stdio | --raw --http
 *
 * `--raw` answers the same JSON-RPC without the SDK (every request gets an echo of `arguments.text`, or `{}`): the
 * floor of what one hop over that transport costs on this machine, to read the other figures against.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** `echo`, and `reverse` so that tools/list has more than one entry to serialize. */
function createEchoServer(): McpServer {
  const mcp = new McpServer({ name: 'bench-echo', version: '1.0.0' });
  mcp.registerTool(
    'echo',
    { description: 'Returns its text argument unchanged.', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  mcp.registerTool(
    'reverse',
    { description: 'Returns its text argument reversed.', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text: [...text].reverse().join('') }] }),
  );
  return mcp;
}

async function serveStdio(): Promise<void> {
  await createEchoServer().connect(new StdioServerTransport());
  // The parent ends the session by closing stdin.
  process.stdin.on('end', () => process.exit(0));
}

/** Sessions are never expired: the benchmark's processes are short-lived and stopped by whoever started them. */
async function serveHttp(port: number): Promise<void> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const transport = sessions.get(id);
      if (!transport) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
        return;
      }
      await transport.handleRequest(req, res);
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (sid) => void sessions.set(sid, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await createEchoServer().connect(transport);
    await transport.handleRequest(req, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`echo-server: ${String(error)}\n`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${bound}/mcp` })}\n`);
  const stop = () => {
    for (const transport of sessions.values()) void transport.close();
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

interface RawRequest {
  id?: number | string;
  method?: string;
  params?: { arguments?: { text?: unknown } };
}

/** The answer of the raw servers to one message; undefined for a notification. */
function rawAnswer(line: string): string | undefined {
  const message = JSON.parse(line) as RawRequest;
  if (message.id === undefined) return undefined;
  const text = message.params?.arguments?.text;
  const result =
    message.method === 'tools/call' && typeof text === 'string' ? { content: [{ type: 'text', text }] } : {};
  return JSON.stringify({ jsonrpc: '2.0', id: message.id, result });
}

function serveRawStdio(): void {
  let buffer = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const answer = line.trim() ? rawAnswer(line) : undefined;
      if (answer !== undefined) process.stdout.write(`${answer}\n`);
    }
  });
  process.stdin.on('end', () => process.exit(0));
}

async function serveRawHttp(port: number): Promise<void> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(200).end();
      const answer = rawAnswer(body);
      if (answer === undefined) return void res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'raw' }).end(answer);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${bound}/mcp` })}\n`);
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

const args = process.argv.slice(2);
const at = args.indexOf('--port');
const port = at >= 0 ? Number(args[at + 1]) : 0;
const raw = args.includes('--raw');
if (args.includes('--http')) await (raw ? serveRawHttp(port) : serveHttp(port));
else if (raw) serveRawStdio();
else await serveStdio();
