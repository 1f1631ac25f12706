/**
 * The gateway's client side of Streamable HTTP (backends/http-client.ts) against an SDK server written here: a
 * backend mounted behind a same-origin redirect (as Starlette-based servers answer `/mcp` → `/mcp/`) that
 * acknowledges notifications with 204, a call whose
 * stream the backend closes early and the client resumes from the last event id (the 2025-11-25 polling pattern),
 * and a stream that ends without its answer, which fails the call at once.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

let backend: Server;
let gw: RunningGateway;
/** What the backend saw: GET requests resuming a stream, by their Last-Event-ID. */
const resumedFrom: string[] = [];
/** Answer streams of `stall` calls the gateway still holds open. */
let openStalls = 0;

function mcpServer(): McpServer {
  const server = new McpServer({ name: 'poller', version: '1.0.0' });
  server.registerTool(
    'poll',
    { description: 'Closes its stream, then answers a little later' },
    async (extra) => {
      extra.closeSSEStream?.();
      await new Promise((resolve) => setTimeout(resolve, 150));
      return { content: [{ type: 'text', text: 'after the break' }] };
    },
  );
  server.registerTool('vanish', { description: 'Its stream ends without an answer' }, () => ({
    content: [],
  }));
  server.registerTool(
    'stall',
    { description: 'Never answers, and ignores cancellation' },
    () => new Promise<never>(() => {}),
  );
  return server;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

beforeAll(async () => {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  backend = createServer(async (req, res) => {
    if (req.url === '/mcp') {
      res.writeHead(307, { location: '/mcp/' }).end();
      return;
    }
    const lastEventId = req.headers['last-event-id'];
    if (req.method === 'GET' && typeof lastEventId === 'string') resumedFrom.push(lastEventId);
    const text = req.method === 'POST' ? await readBody(req) : '';
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (text.includes('"name":"stall"')) {
      openStalls++;
      res.once('close', () => openStalls--);
    }
    if (text.includes('"name":"vanish"')) {
      // An answer stream that ends at once, with no event id to resume from.
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end();
      return;
    }
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        eventStore: new InMemoryEventStore(),
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, created),
      });
      await mcpServer().connect(created);
      transport = created;
    }
    // Notifications are acknowledged with 204, as some servers do, rather than the 202 of the spec.
    const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => typeof res;
    res.writeHead = ((status: number, ...rest: unknown[]) =>
      writeHead(status === 202 ? 204 : status, ...rest)) as typeof res.writeHead;
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const { port } = backend.address() as AddressInfo;
  gw = await startGateway(`
backends:
  poller:
    http_url: http://127.0.0.1:${port}/mcp
    timeout: 3
`);
});

afterAll(async () => {
  await gw?.close();
  backend?.closeAllConnections();
  await new Promise((resolve) => backend?.close(resolve));
});

describe('the Streamable HTTP client', () => {
  it('follows a same-origin redirect and resumes a stream the backend closed before answering', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/poller`);
    try {
      const result = await client.callTool({ name: 'poll', arguments: {} });
      expect(firstText(result)).toBe('after the break');
      expect(resumedFrom).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('fails a call at once when its stream ends without the answer and cannot be resumed', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/poller`);
    try {
      const started = Date.now();
      const error = await client.callTool({ name: 'vanish', arguments: {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(-32010);
      expect((error as McpError).message).toMatch(/ended the stream of request .* without answering it/);
      expect(Date.now() - started).toBeLessThan(5_000);
      // The connection is still good for the next call.
      expect(firstText(await client.callTool({ name: 'poll', arguments: {} }))).toBe('after the break');
    } finally {
      await client.close();
    }
  });

  it('lets go of the answer streams of calls it gave up on (timed out, cancelled), while the session stays open', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/poller`);
    try {
      const calls = Array.from({ length: 3 }, () =>
        client.callTool({ name: 'stall', arguments: {} }).catch((e: unknown) => e),
      );
      await until(() => openStalls === 3, 'the three calls at the backend');
      for (const error of await Promise.all(calls)) expect((error as McpError).code).toBe(-32001);
      await until(() => openStalls === 0, 'the backend to see the three answer streams closed');

      // The same when the client cancels the call.
      const abort = new AbortController();
      const cancelled = client
        .callTool({ name: 'stall', arguments: {} }, undefined, { signal: abort.signal })
        .catch((e: unknown) => e);
      await until(() => openStalls === 1, 'the call at the backend');
      abort.abort('changed my mind');
      expect((await cancelled) as McpError).toMatchObject({
        message: expect.stringMatching(/changed my mind/),
      });
      await until(() => openStalls === 0, 'the backend to see the stream of the cancelled call closed');
      expect(firstText(await client.callTool({ name: 'poll', arguments: {} }))).toBe('after the break');
    } finally {
      await client.close();
    }
  });
});
