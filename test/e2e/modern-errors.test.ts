/**
 * Every 400 the gateway answers a 2026-07-28 request with, on every endpoint it serves itself, is a JSON-RPC error
 * with the code the revision gives the fault (-32020 header mismatch, -32022 unsupported version with
 * `data.supported`, -32602 a missing envelope field, -32600/-32700 no single JSON-RPC message), never a legacy
 * session answer; an `initialize` in the modern envelope is 404 -32601 (removed); and an SDK v2 client in `auto`
 * mode whose probe names a revision the gateway does not serve is corrected to 2026-07-28 instead of falling back to
 * `initialize`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const V = '2026-07-28';
const META_KEY = 'io.modelcontextprotocol/protocolVersion';
const CAPS_KEY = 'io.modelcontextprotocol/clientCapabilities';
const ADMIN = 'admin-token-0123456789abcdef';
const yaml = `
admin: { token: '${ADMIN}' }
pipelines:
  echo_once:
    description: Echoes once.
    steps:
      - { id: a, call: toolbox/echo, arguments: { message: x } }
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
    description: Offline utilities
`;
let gw: RunningGateway;
const modern: ModernClient[] = [];

beforeAll(async () => {
  gw = await startGateway(yaml, { discover: true });
  await until(() => gw.gateway.catalog.isIndexed('toolbox'), 'discovery', 15_000);
});

afterAll(async () => {
  await Promise.allSettled(modern.map((c) => c.close()));
  await gw.close();
});

interface Case {
  what: string;
  headers: Record<string, string>;
  body: string;
  code: number;
}

function cases(): Case[] {
  const request = (method: string, params: Record<string, unknown>, version = V) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id: 9,
      method,
      params: { ...params, _meta: { [META_KEY]: version, [CAPS_KEY]: {} } },
    });
  const modernHeaders = (method: string, name?: string) => ({
    'mcp-protocol-version': V,
    'mcp-method': method,
    ...(name !== undefined ? { 'mcp-name': name } : {}),
  });
  return [
    {
      what: 'no MCP-Protocol-Version header',
      headers: { 'mcp-method': 'tools/list' },
      body: request('tools/list', {}),
      code: -32020,
    },
    {
      what: 'MCP-Protocol-Version differs from the body',
      headers: { ...modernHeaders('tools/list'), 'mcp-protocol-version': '2025-11-25' },
      body: request('tools/list', {}),
      code: -32020,
    },
    {
      what: 'no Mcp-Method header',
      headers: { 'mcp-protocol-version': V },
      body: request('tools/list', {}),
      code: -32020,
    },
    {
      what: 'Mcp-Name differs from params.name',
      headers: modernHeaders('tools/call', 'other_tool'),
      body: request('tools/call', { name: 'some_tool', arguments: {} }),
      code: -32020,
    },
    {
      what: 'a revision the gateway does not serve',
      headers: { ...modernHeaders('tools/list'), 'mcp-protocol-version': '2099-01-01' },
      body: request('tools/list', {}, '2099-01-01'),
      code: -32022,
    },
    {
      what: 'a modern header on a body without the envelope',
      headers: modernHeaders('tools/list'),
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
      code: -32602,
    },
    {
      what: 'an envelope without the client capabilities',
      headers: modernHeaders('tools/list'),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/list',
        params: { _meta: { [META_KEY]: V } },
      }),
      code: -32602,
    },
    {
      what: 'a modern header on a batch',
      headers: modernHeaders('tools/list'),
      body: JSON.stringify([JSON.parse(request('tools/list', {}))]),
      code: -32600,
    },
    {
      what: 'a modern header on a body that does not parse',
      headers: modernHeaders('tools/list'),
      body: '{"jsonrpc":"2.0",',
      code: -32700,
    },
  ];
}

describe('400s to modern requests', () => {
  it('carry a modern JSON-RPC error on every endpoint the gateway serves itself', async () => {
    const endpoints: Array<[string, Record<string, string>]> = [
      ['/mcp', {}],
      ['/mcp/flat', {}],
      ['/mcp/pipelines', {}],
      ['/mcp/admin', { authorization: `Bearer ${ADMIN}` }],
    ];
    for (const [path, auth] of endpoints)
      for (const c of cases()) {
        const response = await fetch(`${gw.url}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...auth,
            ...c.headers,
          },
          body: c.body,
        });
        const label = `${path}: ${c.what}`;
        expect(response.status, label).toBe(400);
        expect(response.headers.get('mcp-session-id'), label).toBeNull();
        const body = (await response.json()) as { jsonrpc: string; error: { code: number; data?: unknown } };
        expect(body.jsonrpc, label).toBe('2.0');
        expect(body.error.code, label).toBe(c.code);
        if (c.code === -32022) expect(body.error.data, label).toMatchObject({ supported: [V] });
      }
    expect(gw.gateway.sessions.count()).toBe(0);
  });

  it('answers an initialize in the modern envelope 404 -32601, and a legacy initialize with a session', async () => {
    const init = (meta: Record<string, unknown> | undefined) =>
      fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(meta ? { 'mcp-protocol-version': V, 'mcp-method': 'initialize' } : {}),
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 5,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 't', version: '1' },
            ...(meta ? { _meta: meta } : {}),
          },
        }),
      });
    const removed = await init({ [META_KEY]: V, [CAPS_KEY]: {} });
    expect(removed.status).toBe(404);
    expect(await removed.json()).toMatchObject({ id: 5, error: { code: -32601 } });
    const legacy = await init(undefined);
    expect(legacy.status).toBe(200);
    const session = legacy.headers.get('mcp-session-id');
    expect(session).toBeTruthy();
    await fetch(`${gw.url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': session! } });
  });

  it('refuses a call without a name as a header mismatch (Mcp-Name mirrors a name that is not there)', async () => {
    const response = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': V,
        'mcp-method': 'tools/call',
        'mcp-name': '',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { _meta: { [META_KEY]: V, [CAPS_KEY]: {} } },
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ id: 2, error: { code: -32020 } });
  });
});

describe('an SDK v2 client in auto mode', () => {
  it('is corrected to 2026-07-28 by the -32022 answer to a probe of another revision, and never sends initialize', async () => {
    const methods: string[] = [];
    let rewrites = 0;
    // The first probe names a revision the gateway does not serve, as a newer client would.
    const fetchLike = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      let body = typeof init?.body === 'string' ? init.body : undefined;
      const headers = new Headers(init?.headers);
      if (body !== undefined) {
        const message = JSON.parse(body) as { method?: string };
        methods.push(message.method ?? '');
        if (message.method === 'server/discover' && rewrites++ === 0) {
          body = body.replace(`"${V}"`, '"2099-01-01"');
          headers.set('mcp-protocol-version', '2099-01-01');
        }
      }
      return fetch(url, { ...init, headers, ...(body !== undefined ? { body } : {}) });
    };
    const client = new ModernClient(
      { name: 'modern-errors-test', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    modern.push(client);
    await client.connect(new ModernTransport(new URL(`${gw.url}/mcp`), { fetch: fetchLike }));
    expect(rewrites).toBeGreaterThan(1);
    expect(client.getNegotiatedProtocolVersion()).toBe(V);
    const echoed = await client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'still modern' } },
    });
    expect(firstText(echoed)).toBe('still modern');
    expect(methods).not.toContain('initialize');
    expect(gw.gateway.sessions.count()).toBe(0);
  });
});
