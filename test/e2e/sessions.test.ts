/**
 * Client sessions on /mcp/<backend>: how they start, end, expire, and what happens to the backend side of each:
 * DELETE releases it, an abandoned session expires, a restarted backend is re-initialized, `scope: session` gives
 * each client its own process, and a backend that never answers times out with a cancellation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { isAlive, until } from '../helpers/processes.js';

let backend: CountingServer;
let gw: RunningGateway;
const open: Client[] = [];

beforeAll(async () => {
  backend = await startCountingServer();
  gw = await startGateway(`
session_idle_timeout: 1
backends:
  counting:
    http_url: ${backend.url}
  toolbox:
    command: node dist/examples/backends/toolbox.js
    scope: session
  faulty:
    command: node dist/test/fixtures/faulty-server.js
    timeout: 1
`);
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await gw?.close();
  await backend?.close();
});

async function connect(name: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const connection = await connectClient(`${gw.url}/mcp/${name}`);
  open.push(connection.client);
  return connection;
}

describe('client sessions', () => {
  it('DELETE ends the session (then 404) and ends its backend session', async () => {
    const { client, transport } = await connect('counting');
    await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    // The catalog reads the tools through a connection of its own, closed once read; then only the session's is open.
    await until(
      () => gw.gateway.catalog.isIndexed('counting') && backend.open() === 1,
      "the catalog's read to end",
    );
    const deleted = backend.deleted();
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    await until(() => backend.open() === 0, 'the backend session to end');
    expect(backend.deleted()).toBe(deleted + 1);
    const after = await fetch(`${gw.url}/mcp/counting`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
  });

  it('a session id is only valid on its own backend route', async () => {
    const { transport } = await connect('counting');
    const response = await fetch(`${gw.url}/mcp/toolbox`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId!,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(404);
  });

  it('an unsupported MCP-Protocol-Version is refused with 400', async () => {
    const { transport } = await connect('counting');
    const response = await fetch(`${gw.url}/mcp/counting`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': '1999-01-01',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Unsupported protocol version/);
  });

  it('an abandoned session expires after session_idle_timeout and releases its backend session', async () => {
    const { client, transport } = await connect('counting');
    await client.callTool({ name: 'echo', arguments: { message: 'then silence' } });
    const id = transport.sessionId!;
    const before = backend.deleted();
    expect(gw.gateway.sessions.has(id)).toBe(true);
    // Gone without DELETE, as many clients leave: the GET stream drops, the session lingers until it expires.
    await client.close();
    await until(() => !gw.gateway.sessions.has(id), 'the session to expire', 6_000);
    await until(() => backend.deleted() > before, 'the backend session to be deleted');
  });

  it('a session with an open GET stream does not expire while its client is connected', async () => {
    const { client } = await connect('counting');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'alive' } }))).toBe('alive');
  });

  it('re-initializes a backend that restarted and lost the session, and the call still succeeds', async () => {
    const { client } = await connect('counting');
    const first = firstText(await client.callTool({ name: 'session', arguments: {} }));
    await backend.restart();
    expect(backend.open()).toBe(0);
    const second = firstText(await client.callTool({ name: 'session', arguments: {} }));
    expect(second).not.toBe(first);
    expect(backend.open()).toBe(1);
  });

  it('scope: session gives each client session its own process, stopped when the session ends', async () => {
    const a = await connect('toolbox');
    const b = await connect('toolbox');
    const status = () => gw.gateway.registry.status().find((s) => s.name === 'toolbox')!;
    // The catalog reads the tools through a process of its own (the sessions' advertise their clients'
    // capabilities), stopped once read: then one process per session remains.
    await until(
      () => gw.gateway.catalog.isIndexed('toolbox') && status().pids.length === 2,
      "the catalog's read to end",
    );
    const [pidA, pidB] = status().pids as [number, number];
    expect(pidA).not.toBe(pidB);
    await a.transport.terminateSession();
    await until(() => status().pids.length === 1, 'one process to remain');
    const gone = pidA === status().pids[0] ? pidB : pidA;
    await until(() => !isAlive(gone), `process ${gone} to exit`);
    expect(
      firstText(await b.client.callTool({ name: 'echo', arguments: { message: 'still mine' } })),
    ).toContain('still mine');
  });

  it('a backend that never answers: timeout error at its configured time, and the backend is told to cancel', async () => {
    const { client } = await connect('faulty');
    const error = await client.callTool({ name: 'hang', arguments: { tag: 't1' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32001);
    expect((error as McpError).message).toMatch(/backend "faulty" did not answer within 1 s/);
    const cancelled = await client.callTool({ name: 'cancellations', arguments: {} });
    expect(JSON.parse(firstText(cancelled))).toEqual(['t1']);
  });
});
