/**
 * Two gateways in this process sharing their state through a real redis-server: a legacy session opened on one is
 * continued on the other (re-attached on first use, same id), and ended on both by one DELETE; a session of a
 * `scope: session` backend is not moved (404); a backend added through the admin API on one serves on the other;
 * the catalog read by one is the other's without starting the backend.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { scrape } from '../helpers/scrape.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { z } from 'zod';
import { until } from '../helpers/processes.js';
import { hasRedisServer, startRedis, type RedisServer } from '../helpers/redis.js';
import { INITIALIZE, MCP_HEADERS } from '../helpers/raw-mcp.js';

const TOKEN = 'admin-token-0123456789abcdef';

describe.runIf(hasRedisServer())('replicas sharing their state in Redis', () => {
  let redis: RedisServer;
  let a: RunningGateway;
  let b: RunningGateway;
  let remote: HttpBackend;
  /** What the HTTP backend received: initialize requests, and the session id of each tools/call. */
  const initializes: string[] = [];
  const callSessions: Array<string | undefined> = [];

  beforeAll(async () => {
    redis = await startRedis();
    remote = await startHttpBackend({
      name: 'remote',
      tools(server) {
        server.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => ({
          content: [{ type: 'text', text: message }],
        }));
      },
      intercept(req, _res, body) {
        if (body.includes('"initialize"')) initializes.push(body);
        if (body.includes('"tools/call"'))
          callSessions.push(req.headers['mcp-session-id'] as string | undefined);
        return false;
      },
    });
    const yaml = `
admin:
  token: ${TOKEN}
  allow_stdio: true
state:
  store: redis
  url: ${redis.url}
  prefix: 'pair:'
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
    description: Offline utilities - time, arithmetic, echo
  private:
    command: node dist/examples/backends/toolbox.js
    description: One process per session
    scope: session
  remote:
    http_url: ${remote.url}
`;
    a = await startGateway(yaml, { discover: true });
    await until(() => a.gateway.catalog.isIndexed('toolbox'), 'a indexes toolbox', 15_000);
    b = await startGateway(yaml, { discover: true });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await remote?.close();
    await redis?.stop();
  });

  it("takes the other replica's catalog without starting the backend", async () => {
    await until(() => b.gateway.catalog.isIndexed('toolbox'), 'b has the catalog', 5_000);
    expect(b.gateway.catalog.get('toolbox')).toEqual(a.gateway.catalog.get('toolbox'));
    const toolbox = b.gateway.registry.status().find((s) => s.name === 'toolbox');
    expect(toolbox?.restart_count ?? 0).toBe(0);
    expect(toolbox?.pid ?? undefined).toBeUndefined();
  });

  it('continues a legacy session on the other replica, and one DELETE ends it on both', async () => {
    const { client, transport } = await connectClient(`${a.url}/mcp/toolbox`);
    const id = transport.sessionId!;
    // The same session, its requests sent to the other replica.
    const onB = new Client({ name: 'gateway-test', version: '1.0.0' });
    const moved = new StreamableHTTPClientTransport(new URL(`${b.url}/mcp/toolbox`), { sessionId: id });
    await onB.connect(moved);
    const result = await onB.callTool({ name: 'echo', arguments: { message: 'from b' } });
    expect(firstText(result)).toContain('from b');
    expect(b.gateway.sessions.has(id)).toBe(true);
    expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'from a' } }))).toContain(
      'from a',
    );
    await moved.terminateSession();
    await until(() => !a.gateway.sessions.has(id), 'ended on a too', 2_000);
    await expect(client.callTool({ name: 'echo', arguments: { message: 'late' } })).rejects.toThrow();
    await client.close();
    await onB.close();
  });

  it('ends a session on the replica that holds it by a DELETE sent to another, without opening it there', async () => {
    const { client, transport } = await connectClient(`${a.url}/mcp`);
    const id = transport.sessionId!;
    const ended = await fetch(`${b.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': id } });
    expect(ended.status).toBe(200);
    expect(b.gateway.sessions.has(id)).toBe(false);
    await until(() => !a.gateway.sessions.has(id), 'ended on a', 2_000);
    const again = await fetch(`${b.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': id } });
    expect(again.status).toBe(404);
    await client.close();
  });

  it("continues an HTTP backend's session on the other replica instead of opening a new one", async () => {
    const { client, transport } = await connectClient(`${a.url}/mcp/remote`);
    expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'on a' } }))).toBe('on a');
    const before = initializes.length;
    const onB = new Client({ name: 'gateway-test', version: '1.0.0' });
    await onB.connect(
      new StreamableHTTPClientTransport(new URL(`${b.url}/mcp/remote`), { sessionId: transport.sessionId! }),
    );
    expect(firstText(await onB.callTool({ name: 'echo', arguments: { message: 'on b' } }))).toBe('on b');
    expect(initializes.length).toBe(before);
    const [first, second] = callSessions.slice(-2);
    expect(second).toBe(first);
    await client.close();
    await onB.close();
  });

  it('does not move a session whose backend process belongs to it', async () => {
    const { client, transport } = await connectClient(`${a.url}/mcp/private`);
    const response = await fetch(`${b.url}/mcp/private`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId!,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(404);
    await client.close();
  });

  it('serves a backend added through the admin API on one replica on the other within a second', async () => {
    const added = await fetch(`${a.url}/api/v1/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'extra', command: 'node dist/examples/backends/toolbox.js' }),
    });
    expect(added.status).toBeLessThan(300);
    const started = Date.now();
    await until(() => b.gateway.registry.names().includes('extra'), 'b serves extra', 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    const { client } = await connectClient(`${b.url}/mcp/extra`);
    expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'x' } }))).toContain('x');
    await client.close();
  });

  it('does not run a shared stdio registration on a replica whose config does not allow stdio additions', async () => {
    const strict = await startGateway(
      `admin:\n  token: ${TOKEN}\nstate:\n  store: redis\n  url: ${redis.url}\n  prefix: 'pair:'\nbackends: {}\n`,
    );
    try {
      for (const body of [
        { name: 'spawned', command: 'node dist/examples/backends/toolbox.js' },
        { name: 'remote-added', http_url: remote.url },
      ]) {
        const added = await fetch(`${a.url}/api/v1/servers`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(added.status).toBeLessThan(300);
      }
      await until(
        () => strict.gateway.registry.names().includes('remote-added'),
        'strict serves remote-added',
        2_000,
      );
      await until(() => b.gateway.registry.names().includes('spawned'), 'b serves spawned', 2_000);
      expect(strict.gateway.registry.names()).not.toContain('spawned');
    } finally {
      await strict.close();
    }
  });

  it('shows the store in /health and /metrics: up, and how long its commands take', async () => {
    const health = (await (await fetch(`${a.url}/health`)).json()) as { status: string; state: unknown };
    expect(health.state).toMatchObject({ store: 'redis', up: true, latency_ms: expect.any(Number) });
    const metrics = await scrape(a.url);
    expect(metrics.value('mcp_gateway_state_store_up')).toBe(1);
    expect(metrics.value('mcp_gateway_state_store_command_seconds_count', { outcome: 'ok' })).toBeGreaterThan(
      0,
    );
  });
});

describe.runIf(hasRedisServer())('replicas starting together', () => {
  it('read a backend once: one takes the lock and reads it, the other waits for its result', async () => {
    const redis = await startRedis();
    const dir = mkdtempSync(join(tmpdir(), 'mcpgw-read-once-'));
    const starts = join(dir, 'starts');
    const yaml = `
state:
  store: redis
  url: ${redis.url}
backends:
  counted:
    command: sh
    args: ['-c', 'echo start >> ${starts}; exec node dist/examples/backends/toolbox.js']
`;
    const gateways: RunningGateway[] = [];
    try {
      gateways.push(...(await Promise.all([0, 1].map(() => startGateway(yaml, { discover: true })))));
      await until(
        () => gateways.every((g) => g.gateway.catalog.isIndexed('counted')),
        'both index counted',
        20_000,
      );
      expect(readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      await Promise.all(gateways.map((g) => g.close()));
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(hasRedisServer())('a session used on another replica', () => {
  it('keeps its copy on the replica that opened it while it is used elsewhere, and ends when no replica uses it', async () => {
    const redis = await startRedis();
    const yaml = `
session_idle_timeout: 3
state:
  store: redis
  url: ${redis.url}
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
`;
    const [a, b] = await Promise.all([startGateway(yaml), startGateway(yaml)]);
    try {
      // Opened with plain requests: an SDK client would hold a GET stream on a, which keeps a session by itself.
      const opened = await fetch(`${a.url}/mcp/toolbox`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify(INITIALIZE),
      });
      const id = opened.headers.get('mcp-session-id')!;
      await opened.text();
      const onB = new Client({ name: 'gateway-test', version: '1.0.0' });
      await onB.connect(
        new StreamableHTTPClientTransport(new URL(`${b.url}/mcp/toolbox`), { sessionId: id }),
      );
      // 7 s of use on b alone: more than twice a's idle timeout.
      const until7 = Date.now() + 7_000;
      while (Date.now() < until7) {
        await onB.callTool({ name: 'echo', arguments: { message: 'b' } });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(a.gateway.sessions.has(id)).toBe(true);
      await until(() => !a.gateway.sessions.has(id) && !b.gateway.sessions.has(id), 'swept on both', 15_000);
      await onB.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
      await redis.stop();
    }
  }, 40_000);
});
