/**
 * Authentication and profiles over real HTTP, with the SDK client and real backends (the toolbox over stdio, the notes
 * server over Streamable HTTP): 401 with the MCP challenge on every endpoint, the open probes, admin rights, profiles
 * on the meta-tools, on passthrough and on the flat surface, /mcp/p/<profile>, sessions bound to route and client.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startNotesServer } from '../../examples/backends/notes-http.js';
import {
  connectClient,
  endSession,
  firstText,
  startGateway,
  type RunningGateway,
} from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { INITIALIZE, MCP_HEADERS } from '../helpers/raw-mcp.js';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef0123';
const OPS = 'ops-token-0123456789abcdef012345';
const ADMIN = 'admin-token-0123456789abcdef';

let notes: { url: string; close(): Promise<void> };
let gw: RunningGateway;
const clients: Client[] = [];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: JSON.stringify(body),
  });
}

async function connect(path: string, token: string): Promise<Client> {
  const { client } = await connectClient(`${gw.url}${path}`, {}, bearer(token));
  clients.push(client);
  return client;
}

function structured(result: unknown): Record<string, unknown> {
  return (result as CallToolResult).structuredContent as Record<string, unknown>;
}

beforeAll(async () => {
  notes = await startNotesServer({ port: 0 });
  const bobHash = createHash('sha256').update(BOB).digest('hex');
  gw = await startGateway(
    `
admin: { token: '${ADMIN}' }
auth:
  clients:
    alice: { token: '\${ALICE_TOKEN}', profile: dev }
    bob: { token_sha256: '${bobHash}', profiles: [notes-flat] }
    ops: { token: '${OPS}', profiles: [dev, all, piped], admin: true }
  public: [health]
profiles:
  dev:
    backends: [toolbox, notes]
    tools: { allow: ['toolbox/*', 'notes/*'], deny: ['toolbox/random_*', 'notes/delete_*'] }
  notes-flat: { backends: [notes], surface: flat }
  all: {}
  piped: { backends: [pipelines], tools: { allow: ['pipelines/echo_twice'] } }
pipelines:
  echo_twice:
    description: Echoes its text twice.
    input: { type: object, properties: { text: { type: string } }, required: [text] }
    steps:
      - { id: a, call: toolbox/echo, arguments: { message: '{% input.text %}' } }
  hidden_one:
    description: Echoes once.
    steps:
      - { id: a, call: toolbox/echo, arguments: { message: x } }
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
    description: Offline utilities
  notes:
    http_url: ${notes.url}
    description: A shared notebook
`,
    { discover: true, env: { ...process.env, ALICE_TOKEN: ALICE } },
  );
  await until(() => ['toolbox', 'notes'].every((n) => gw.gateway.catalog.isIndexed(n)), 'discovery', 15_000);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => endSession(c)));
  await gw?.close();
  await notes?.close();
});

describe('authentication', () => {
  it('answers 401 with the MCP challenge and a JSON-RPC error on every endpoint', async () => {
    for (const path of ['/mcp', '/mcp/toolbox', '/mcp/flat', '/mcp/p/dev', '/mcp/admin']) {
      const res = await post(path, INITIALIZE);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer resource_metadata="${gw.url}/.well-known/oauth-protected-resource"`,
      );
      const body = (await res.json()) as { jsonrpc: string; error: { message: string } };
      expect(body.jsonrpc).toBe('2.0');
      expect(body.error.message).toMatch(/Unauthorized/);
    }
    const wrong = await post('/mcp', INITIALIZE, bearer('not-a-token-of-this-gateway'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(
      /^Bearer error="invalid_token", resource_metadata=/,
    );
    for (const path of ['/api/v1/servers', '/metrics', '/']) {
      expect((await fetch(`${gw.url}${path}`)).status, path).toBe(401);
    }
  });

  it('leaves the probes, the public endpoints and the resource metadata open', async () => {
    for (const path of ['/livez', '/readyz', '/health', '/health/toolbox'])
      expect((await fetch(`${gw.url}${path}`)).status, path).toBe(200);
    const metadata = await fetch(`${gw.url}/.well-known/oauth-protected-resource`);
    expect(await metadata.json()).toMatchObject({
      resource: `${gw.url}/mcp`,
      bearer_methods_supported: ['header'],
    });
    expect((await fetch(`${gw.url}/metrics`, { headers: bearer(ALICE) })).status).toBe(200);
  });

  it('gives the admin surface to admin clients and the admin token only', async () => {
    // Reading the servers is every client's (filtered by its profile); changing them is the admin's.
    const reload = (token: string) =>
      fetch(`${gw.url}/api/v1/reload`, { method: 'POST', headers: bearer(token) });
    expect((await reload(ALICE)).status).toBe(403);
    expect((await reload(OPS)).status).not.toBe(403);
    expect((await reload(ADMIN)).status).not.toBe(403);
    expect((await fetch(`${gw.url}/api/v1/servers`, { headers: bearer(ALICE) })).status).toBe(200);
    expect((await post('/mcp/admin', INITIALIZE, bearer(ALICE))).status).toBe(403);
    const admin = await connect('/mcp/admin', OPS);
    expect((await admin.listTools()).tools.length).toBeGreaterThan(0);
  });
});

describe('profiles', () => {
  it('filters list_servers, list_tools, search and invoke on /mcp', async () => {
    const client = await connect('/mcp', ALICE);
    const servers = structured(await client.callTool({ name: 'gateway_list_servers', arguments: {} }));
    expect((servers.servers as Array<{ name: string; tools: number }>).map((s) => [s.name, s.tools])).toEqual(
      [
        ['notes', 4],
        ['toolbox', 4],
      ],
    );
    const tools = structured(
      await client.callTool({ name: 'gateway_list_tools', arguments: { server: 'toolbox' } }),
    );
    expect((tools.tools as Array<{ name: string }>).map((t) => t.name)).not.toContain('random_uuid');

    const search = structured(
      await client.callTool({ name: 'gateway_search_tools', arguments: { query: 'random uuid', limit: 50 } }),
    );
    expect(JSON.stringify(search.results)).not.toContain('random_uuid');

    const forbidden = (await client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'toolbox', tool: 'random_uuid', arguments: {} },
    })) as CallToolResult;
    const missing = (await client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'toolbox', tool: 'no_such_tool', arguments: {} },
    })) as CallToolResult;
    expect(forbidden.isError).toBe(true);
    expect(firstText(forbidden)).toMatch(/has no tool "random_uuid"/);
    expect(firstText(missing)).toMatch(/has no tool "no_such_tool"/);

    const echoed = (await client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'hi' } },
    })) as CallToolResult;
    expect(echoed.isError).toBeFalsy();
  });

  it('refuses a backend outside the profile with 403, filters tools/list and refuses a forbidden tools/call', async () => {
    const outside = await post('/mcp/toolbox', INITIALIZE, bearer(BOB));
    expect(outside.status).toBe(403);

    const client = await connect('/mcp/notes', ALICE);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('add_note');
    expect(names).not.toContain('delete_note');
    await expect(client.callTool({ name: 'delete_note', arguments: { id: 1 } })).rejects.toThrow(
      /Unknown tool/,
    );
  });

  it('serves a profile by URL to the clients whose credential lists it', async () => {
    expect((await post('/mcp/p/all', INITIALIZE, bearer(ALICE))).status).toBe(403);
    const unknown = await post('/mcp/p/nope', INITIALIZE, bearer(OPS));
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(await unknown.json())).toContain('profiles: all, dev');

    const all = await connect('/mcp/p/all', OPS);
    const tools = structured(
      await all.callTool({ name: 'gateway_list_tools', arguments: { server: 'toolbox' } }),
    );
    expect((tools.tools as Array<{ name: string }>).map((t) => t.name)).toContain('random_uuid');
  });
});

describe('pipelines under a profile', () => {
  it('are 403 outside it, and filtered and refused by tool within it', async () => {
    expect((await post('/mcp/pipelines', INITIALIZE, bearer(ALICE))).status).toBe(403);
    const client = await connect('/mcp/p/piped', OPS);
    const servers = structured(await client.callTool({ name: 'gateway_list_servers', arguments: {} }));
    expect(servers.servers).toMatchObject([{ name: 'pipelines', tools: 1 }]);
    const hidden = (await client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'pipelines', tool: 'hidden_one', arguments: {} },
    })) as CallToolResult;
    expect(hidden.isError).toBe(true);
  });
});

describe('the flat surface', () => {
  it('lists allowed tools as server__tool from the catalog, byte-stable, and calls them by the prefix', async () => {
    const client = await connect('/mcp/flat', ALICE);
    const first = await client.listTools();
    const names = first.tools.map((t) => t.name);
    expect(names).toEqual([
      'notes__add_note',
      'notes__get_note',
      'notes__list_notes',
      'notes__search_notes',
      'toolbox__base64',
      'toolbox__calculate',
      'toolbox__current_time',
      'toolbox__echo',
    ]);
    expect(first.tools.every((t) => t.name.length <= 64 && t.description!.startsWith('['))).toBe(true);
    expect(JSON.stringify((await client.listTools()).tools)).toBe(JSON.stringify(first.tools));

    const echoed = (await client.callTool({
      name: 'toolbox__echo',
      arguments: { message: 'flat' },
    })) as CallToolResult;
    expect(firstText(echoed)).toContain('flat');
    const hidden = (await client.callTool({ name: 'toolbox__random_uuid', arguments: {} })) as CallToolResult;
    expect(hidden.isError).toBe(true);
  });

  it('serves /mcp flat for a client whose profile says surface: flat', async () => {
    const client = await connect('/mcp', BOB);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual([
      'notes__add_note',
      'notes__delete_note',
      'notes__get_note',
      'notes__list_notes',
      'notes__search_notes',
    ]);
  });
});

describe('sessions bound to what opened them', () => {
  it('does not know a session id on another backend, another endpoint or for another client', async () => {
    const opened = await post('/mcp/notes', INITIALIZE, bearer(ALICE));
    expect(opened.status).toBe(200);
    const id = opened.headers.get('mcp-session-id')!;
    await post(
      '/mcp/notes',
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      {
        ...bearer(ALICE),
        'mcp-session-id': id,
      },
    );
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const headers = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' };

    expect((await post('/mcp/notes', list, { ...bearer(ALICE), ...headers })).status).toBe(200);
    expect((await post('/mcp/toolbox', list, { ...bearer(OPS), ...headers })).status).toBe(404);
    expect((await post('/mcp', list, { ...bearer(ALICE), ...headers })).status).toBe(404);
    expect((await post('/mcp/notes', list, { ...bearer(OPS), ...headers })).status).toBe(404);
    expect((await post('/mcp/notes', list, headers)).status).toBe(401);
    await fetch(`${gw.url}/mcp/notes`, {
      method: 'DELETE',
      headers: { ...bearer(ALICE), 'mcp-session-id': id },
    });
  });
});
