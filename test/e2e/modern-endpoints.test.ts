/**
 * 2026-07-28 clients (SDK v2, `versionNegotiation: 'auto'`) on the gateway's other own endpoints, with no session:
 * `/mcp/p/<profile>` (the profile's view; a filtered list is `private`; listen announces only changes of that view),
 * `/mcp/pipelines` (the pipelines the profile allows) and `/mcp/admin` (behind the admin token as always).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client as ModernClient } from '@modelcontextprotocol/client';
import { connectModernClient } from '../helpers/modern-client.js';
import { firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const V = '2026-07-28';
const OPS = 'ops-token-0123456789abcdef012345';
const PIPER = 'piper-token-0123456789abcdef0123';
const ADMIN = 'admin-token-0123456789abcdef';

const yaml = `
admin: { token: '${ADMIN}', allow_stdio: true }
auth:
  clients:
    ops: { token: '${OPS}', profiles: [dev, devflat, all] }
    piper: { token: '${PIPER}', profile: piped }
profiles:
  dev:
    backends: [toolbox]
    tools: { deny: ['toolbox/random_*'] }
  devflat: { backends: [toolbox], tools: { deny: ['toolbox/random_*'] }, surface: flat }
  all: {}
  piped: { backends: [pipelines, toolbox], tools: { allow: ['pipelines/echo_twice', 'toolbox/*'] } }
pipelines:
  echo_twice:
    description: Echoes its text twice.
    input: { type: object, properties: { text: { type: string } }, required: [text] }
    steps:
      - { id: a, call: toolbox/echo, arguments: { message: '{% input.text %}' } }
      - { id: b, call: toolbox/echo, arguments: { message: '{% steps.a.text & " " & input.text %}' } }
  hidden_one:
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

async function modernClient(path: string, token: string): Promise<ModernClient> {
  const client = await connectModernClient(`${gw.url}${path}`, {
    name: 'modern-endpoints-test',
    headers: { authorization: `Bearer ${token}` },
  });
  modern.push(client);
  return client;
}

async function rawList(
  path: string,
  token: string,
): Promise<{ cacheScope: string; ttlMs: number; text: string }> {
  const response = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-protocol-version': V,
      'mcp-method': 'tools/list',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': V,
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  const { result } = JSON.parse(text) as { result: { cacheScope: string; ttlMs: number } };
  return { ...result, text };
}

beforeAll(async () => {
  gw = await startGateway(yaml, { discover: true });
  await until(() => gw.gateway.catalog.isIndexed('toolbox'), 'discovery', 15_000);
});

afterAll(async () => {
  await Promise.allSettled(modern.map((c) => c.close()));
  await gw.close();
});

describe('/mcp/p/<profile>', () => {
  it("serves the meta-tools over the profile's view, with no session", async () => {
    const client = await modernClient('/mcp/p/dev', OPS);
    expect((await client.listTools()).tools).toHaveLength(4);
    const listed = await client.callTool({ name: 'gateway_list_tools', arguments: { server: 'toolbox' } });
    const names = (listed.structuredContent as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
    expect(names).toContain('echo');
    expect(names.some((n) => n.startsWith('random_'))).toBe(false);
    const echoed = await client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'by profile' } },
    });
    expect(firstText(echoed)).toBe('by profile');
    const hidden = await client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'toolbox', tool: 'random_uuid', arguments: {} },
    });
    expect(hidden.isError).toBe(true);
    expect(gw.gateway.sessions.count()).toBe(0);
  });

  it('lists a filtered flat view as private, byte-stable, and the whole one as public', async () => {
    const client = await modernClient('/mcp/p/devflat', OPS);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('toolbox__echo');
    expect(names.some((n) => n.startsWith('toolbox__random_'))).toBe(false);
    const first = await rawList('/mcp/p/devflat', OPS);
    expect(first.cacheScope).toBe('private');
    expect((await rawList('/mcp/p/devflat', OPS)).text).toBe(first.text);
    // The meta-tools are the same four for every caller, profile or not.
    expect((await rawList('/mcp/p/dev', OPS)).cacheScope).toBe('public');
  });

  it('announces a change on listen only to the profiles whose view changed', async () => {
    const dev = await modernClient('/mcp/p/devflat', OPS);
    const all = await modernClient('/mcp/p/all', OPS);
    let devChanges = 0;
    let allChanges = 0;
    dev.setNotificationHandler('notifications/tools/list_changed', () => void devChanges++);
    all.setNotificationHandler('notifications/tools/list_changed', () => void allChanges++);
    const subscriptions = [
      await dev.listen({ toolsListChanged: true }),
      await all.listen({ toolsListChanged: true }),
    ];
    const added = await gw.gateway.runtime.register({
      name: 'nonce',
      command: 'node dist/test/fixtures/echo-nonce-server.js',
    });
    expect(added.ok).toBe(true);
    await until(() => allChanges === 1, 'list_changed on /mcp/p/all', 15_000);
    // The change is announced to every stream in one pass: had devflat's view changed, it would have been told too.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(devChanges).toBe(0);
    await Promise.all(subscriptions.map((s) => s.close()));
    expect((await gw.gateway.runtime.unregister('nonce')).ok).toBe(true);
  });
});

describe('/mcp/pipelines', () => {
  it('lists the pipelines the profile allows (private) and runs one, with no session', async () => {
    const client = await modernClient('/mcp/pipelines', PIPER);
    expect(client.getServerVersion()?.name).toBe('mcp-gateway/pipelines');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo_twice']);
    expect((await rawList('/mcp/pipelines', PIPER)).cacheScope).toBe('private');
    const ran = await client.callTool({ name: 'echo_twice', arguments: { text: 'hi' } });
    expect(ran.isError).toBeFalsy();
    expect(JSON.stringify(ran.content)).toContain('hi hi');
    const hidden = await client.callTool({ name: 'hidden_one', arguments: {} });
    expect(hidden.isError).toBe(true);
    expect(gw.gateway.sessions.count()).toBe(0);
  });
});

describe('/mcp/admin', () => {
  it('serves the admin tools to the admin token only', async () => {
    const refused = await fetch(`${gw.url}/mcp/admin`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${OPS}`,
        'mcp-protocol-version': V,
        'mcp-method': 'tools/list',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': V,
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    expect([401, 403]).toContain(refused.status);

    const client = await modernClient('/mcp/admin', ADMIN);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('admin_list_servers');
    expect((await rawList('/mcp/admin', ADMIN)).cacheScope).toBe('private');
    const servers = await client.callTool({ name: 'admin_list_servers', arguments: {} });
    expect(JSON.stringify(servers.structuredContent)).toContain('toolbox');
    const called = await client.callTool({
      name: 'admin_call_tool',
      arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'admin' } },
    });
    expect(firstText(called)).toBe('admin');
    expect(gw.gateway.sessions.count()).toBe(0);
  });
});
