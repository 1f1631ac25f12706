/**
 * Both protocol eras on /mcp and /mcp/flat: a 2026-07-28 client (SDK v2, `versionNegotiation: 'auto'`) discovers,
 * lists, searches and invokes with no session, beside an SDK v1 client on its session at the same URL; a modern
 * request lands on a second gateway that never saw the client; the modern lists carry cache hints and are
 * byte-identical across calls and a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { connectModernClient } from '../helpers/modern-client.js';
import {
  connectClient,
  endSession,
  firstText,
  startGateway,
  type RunningGateway,
} from '../helpers/gateway.js';
import { startHttpBackend } from '../helpers/http-backend.js';
import { until } from '../helpers/processes.js';
import { z } from 'zod';

const V = '2026-07-28';
const yaml = `
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
    description: Offline utilities - time, arithmetic, echo
`;
const stateDir = mkdtempSync(join(tmpdir(), 'mcp-gateway-dual-era-'));
const gateways: RunningGateway[] = [];
const modern: ModernClient[] = [];

async function gateway(dir = stateDir): Promise<RunningGateway> {
  const gw = await startGateway(yaml, { discover: true, stateDir: dir });
  gateways.push(gw);
  await until(() => gw.gateway.catalog.isIndexed('toolbox'), 'discovery', 15_000);
  return gw;
}

async function modernClient(url: string): Promise<ModernClient> {
  const client = await connectModernClient(url);
  modern.push(client);
  return client;
}

/** A modern request as the spec shapes it, sent with plain fetch so that its bytes can be compared. */
async function rawModern(url: string, method: string, params: Record<string, unknown> = {}, name?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': V,
      'mcp-method': method,
      ...(name !== undefined ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': V,
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  });
  return {
    status: response.status,
    session: response.headers.get('mcp-session-id'),
    text: await response.text(),
  };
}

let gw: RunningGateway;

beforeAll(async () => {
  gw = await gateway();
});

afterAll(async () => {
  await Promise.allSettled(modern.map((c) => c.close()));
  for (const g of gateways) await g.close().catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
});

describe('a 2026-07-28 client on /mcp', () => {
  it('discovers, lists, searches and invokes with no session', async () => {
    const client = await modernClient(`${gw.url}/mcp`);
    expect(client.getNegotiatedProtocolVersion()).toBe(V);
    expect(client.getServerVersion()?.name).toBe('mcp-gateway');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'gateway_invoke',
      'gateway_list_servers',
      'gateway_list_tools',
      'gateway_search_tools',
    ]);
    const found = await client.callTool({
      name: 'gateway_search_tools',
      arguments: { query: 'echo a message' },
    });
    expect(firstText(found)).toContain('"tool":"echo"');
    const echoed = await client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'hello modern' } },
    });
    expect(firstText(echoed)).toBe('hello modern');
    expect(gw.gateway.sessions.count()).toBe(0);
  });

  it('lists with ttlMs and cacheScope, byte-identical across calls, and never mints a session', async () => {
    const first = await rawModern(`${gw.url}/mcp`, 'tools/list');
    const second = await rawModern(`${gw.url}/mcp`, 'tools/list');
    expect(first.status).toBe(200);
    expect(first.session).toBeNull();
    expect(second.text).toBe(first.text);
    const { result } = JSON.parse(first.text) as { result: { ttlMs: number; cacheScope: string } };
    expect(result.ttlMs).toBeGreaterThan(0);
    expect(result.cacheScope).toBe('public');
    const discover = JSON.parse((await rawModern(`${gw.url}/mcp`, 'server/discover')).text) as {
      result: { supportedVersions: string[]; ttlMs: number; cacheScope: string };
    };
    expect(discover.result).toMatchObject({ supportedVersions: [V], cacheScope: 'public' });
  });

  it('refuses a header that disagrees with the body with -32020', async () => {
    const refused = await rawModern(
      `${gw.url}/mcp`,
      'tools/call',
      { name: 'gateway_invoke' },
      'gateway_list_tools',
    );
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({ id: 7, error: { code: -32020 } });
  });

  it('keeps an SDK v1 client on its session at the same URL, at the same time', async () => {
    const { client: legacy, transport } = await connectClient(`${gw.url}/mcp`);
    const client = await modernClient(`${gw.url}/mcp`);
    const [old, now] = await Promise.all([
      legacy.callTool({
        name: 'gateway_invoke',
        arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'legacy' } },
      }),
      client.callTool({
        name: 'gateway_invoke',
        arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'modern' } },
      }),
    ]);
    expect(firstText(old)).toBe('legacy');
    expect(firstText(now)).toBe('modern');
    expect(transport.sessionId).toBeDefined();
    expect(legacy.getServerVersion()?.name).toBe('mcp-gateway');
    expect((await legacy.listTools()).tools).toHaveLength(4);
    await endSession(legacy);
  });
});

describe('a 2026-07-28 client on /mcp/flat', () => {
  it('lists and calls server__tool with no session', async () => {
    const client = await modernClient(`${gw.url}/mcp/flat`);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('toolbox__echo');
    const echoed = await client.callTool({ name: 'toolbox__echo', arguments: { message: 'flat' } });
    expect(firstText(echoed)).toBe('flat');
    const a = await rawModern(`${gw.url}/mcp/flat`, 'tools/list');
    const b = await rawModern(`${gw.url}/mcp/flat`, 'tools/list');
    expect(b.text).toBe(a.text);
    expect(JSON.parse(a.text)).toMatchObject({ result: { cacheScope: 'public' } });
  });
});

describe('limits', () => {
  it('counts a session-less call against max_sessions while it runs; lists need no place', async () => {
    const capped = await startGateway(`
max_sessions: 1
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
`);
    gateways.push(capped);
    // An SDK v1 client holds a GET stream open: a busy session, never evicted.
    const { client: legacy } = await connectClient(`${capped.url}/mcp`);
    await until(() => capped.gateway.sessions.count() === 1, 'one session');
    const args = { server: 'toolbox', tool: 'echo', arguments: { message: 'x' } };
    const refused = await rawModern(
      `${capped.url}/mcp`,
      'tools/call',
      { name: 'gateway_invoke', arguments: args },
      'gateway_invoke',
    );
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text)).toMatchObject({ id: 7, error: { data: { retry_after_s: 1 } } });
    expect((await rawModern(`${capped.url}/mcp`, 'tools/list')).status).toBe(200);
    await endSession(legacy);
    const served = await rawModern(
      `${capped.url}/mcp`,
      'tools/call',
      { name: 'gateway_invoke', arguments: args },
      'gateway_invoke',
    );
    expect(served.status).toBe(200);
    expect(served.text).toContain('"text":"x"');
  });
});

describe('a modern client of a Streamable HTTP backend through /mcp', () => {
  it('reaches it on a connection held between its calls, not a handshake per call', async () => {
    let initializes = 0;
    const backend = await startHttpBackend({
      tools(server) {
        server.registerTool('echo', { inputSchema: { message: z.string() } }, ({ message }) => ({
          content: [{ type: 'text', text: message }],
        }));
      },
      intercept(_req, _res, body) {
        if (body.includes('"method":"initialize"')) initializes++;
        return false;
      },
    });
    try {
      const gw = await startGateway(`backends:\n  remote:\n    http_url: ${backend.url}\n    era: legacy\n`, {
        discover: true,
      });
      gateways.push(gw);
      await until(() => gw.gateway.catalog.isIndexed('remote'), 'discovery', 15_000);
      const before = initializes;
      for (let i = 0; i < 5; i++) {
        const args = { server: 'remote', tool: 'echo', arguments: { message: `held ${i}` } };
        const answer = await rawModern(
          `${gw.url}/mcp`,
          'tools/call',
          { name: 'gateway_invoke', arguments: args },
          'gateway_invoke',
        );
        expect(answer.text).toContain(`held ${i}`);
      }
      // One handshake for the five calls (the catalog's own connection was opened before `before`).
      expect(initializes - before).toBe(1);
    } finally {
      await backend.close();
    }
  });
});

describe('/mcp/<backend>', () => {
  // The four era combinations are test/e2e/passthrough-eras.test.ts's.
  it('serves a modern client of a legacy stdio backend statelessly', async () => {
    const client = await modernClient(`${gw.url}/mcp/toolbox`);
    expect(client.getNegotiatedProtocolVersion()).toBe(V);
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'passthrough' } });
    expect(firstText(echoed)).toBe('passthrough');
  });
});

describe('any process', () => {
  it('answers a modern request on a gateway that never saw the client, and lists the same bytes after a restart', async () => {
    const client = await modernClient(`${gw.url}/mcp`);
    const discover = await client.discover();
    const before = await rawModern(`${gw.url}/mcp`, 'tools/list');
    const flatBefore = await rawModern(`${gw.url}/mcp/flat`, 'tools/list');

    const otherDir = mkdtempSync(join(tmpdir(), 'mcp-gateway-dual-era-b-'));
    try {
      const other = await gateway(otherDir);
      // The verdict from the first gateway, adopted with no round trip: the second one sees only the call.
      const elsewhere = new ModernClient({ name: 'modern-test', version: '1.0.0' });
      await elsewhere.connect(new ModernTransport(new URL(`${other.url}/mcp`)), {
        prior: { kind: 'modern', discover },
      });
      modern.push(elsewhere);
      const echoed = await elsewhere.callTool({
        name: 'gateway_invoke',
        arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'elsewhere' } },
      });
      expect(firstText(echoed)).toBe('elsewhere');
      expect((await rawModern(`${other.url}/mcp`, 'tools/list')).text).toBe(before.text);
      expect((await rawModern(`${other.url}/mcp/flat`, 'tools/list')).text).toBe(flatBefore.text);
      await other.close();
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }

    await gw.close();
    gw = await gateway();
    expect((await rawModern(`${gw.url}/mcp`, 'tools/list')).text).toBe(before.text);
    expect((await rawModern(`${gw.url}/mcp/flat`, 'tools/list')).text).toBe(flatBefore.text);
  });
});
