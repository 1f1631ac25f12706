/**
 * The meta-tools at /mcp with the SDK Client against real backends (the demos, stdio fixtures): a few hundred
 * tokens of tools/list that stay byte-identical, listing and search from the catalog without waking anyone,
 * invoke with self-correction, wake from hibernation, progress through invoke.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startNotesServer } from '../../examples/backends/notes-http.js';
import { startUnitsServer } from '../../examples/backends/units-sse.js';
import { connectClient, endSession, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { countTokens } from '../helpers/tokens.js';

let notes: { url: string; close(): Promise<void> };
let units: { url: string; close(): Promise<void> };
let gw: RunningGateway;
const stateDir = mkdtempSync(join(tmpdir(), 'mcp-gateway-meta-'));
const clients: Client[] = [];
let yaml: string;
/** /mcp's tools/list as first seen, to compare after a restart. */
let firstList = '';

beforeAll(async () => {
  notes = await startNotesServer({ port: 0 });
  units = await startUnitsServer({ port: 0 });
  yaml = `
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
    description: Offline utilities - time, arithmetic, echo
    idle_timeout: 1
  notes:
    http_url: ${notes.url}
    description: A shared notebook
  units:
    http_url: ${units.url}
    description: Unit conversions
  nonce:
    command: node dist/test/fixtures/echo-nonce-server.js
`;
  gw = await startGateway(yaml, { discover: true, stateDir });
  await until(
    () => ['toolbox', 'notes', 'units', 'nonce'].every((n) => gw.gateway.catalog.isIndexed(n)),
    'discovery',
    15_000,
  );
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.close();
  await notes?.close();
  await units?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function meta(url = gw.url): Promise<Client> {
  const { client } = await connectClient(`${url}/mcp`);
  clients.push(client);
  return client;
}

/**
 * Ends every /mcp session opened so far: a session that invoked a backend stays attached to it, and a backend is not
 * hibernated under an attached session.
 */
async function endSessions(): Promise<void> {
  await Promise.allSettled(clients.splice(0).map((c) => endSession(c)));
}

async function call(c: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return c.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema);
}

function structured<T>(result: CallToolResult): T {
  return result.structuredContent as T;
}

describe('/mcp meta-tools', () => {
  it('lists four meta-tools, byte-identical between calls, within 600 tokens', async () => {
    const c = await meta();
    const first = await c.listTools();
    const second = await c.listTools();
    expect(first.tools.map((t) => t.name)).toEqual([
      'gateway_invoke',
      'gateway_list_servers',
      'gateway_list_tools',
      'gateway_search_tools',
    ]);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    firstList = JSON.stringify(first);
    const metaTokens = countTokens(first);
    const backendTokens = ['toolbox', 'notes', 'units', 'nonce']
      .map((n) => countTokens({ tools: gw.gateway.catalog.get(n)!.tools.map((t) => t.tool) }))
      .reduce((a, b) => a + b, 0);
    console.log(
      `tools/list tokens (o200k_base): /mcp ${metaTokens}, the four demo backends' lists ${backendTokens}`,
    );
    expect(metaTokens).toBeLessThan(600);
    expect(backendTokens).toBeGreaterThan(metaTokens);
    expect(c.getServerVersion()?.name).toBe('mcp-gateway');
  });

  it('lists the servers with their state and tool counts', async () => {
    const c = await meta();
    const { servers } = structured<{ servers: Array<Record<string, unknown>> }>(
      await call(c, 'gateway_list_servers', {}),
    );
    expect(servers.map((s) => s.name)).toEqual(['nonce', 'notes', 'toolbox', 'units']);
    const toolbox = servers.find((s) => s.name === 'toolbox')!;
    expect(toolbox).toMatchObject({
      transport: 'stdio',
      indexed: true,
      tools: 5,
      description: expect.stringContaining('Offline'),
    });
  });

  it('lists one server’s tools with full input schemas', async () => {
    const c = await meta();
    const result = structured<{ tools: Array<{ name: string; inputSchema: { properties: object } }> }>(
      await call(c, 'gateway_list_tools', { server: 'units' }),
    );
    const length = result.tools.find((t) => t.name === 'convert_length')!;
    expect(Object.keys(length.inputSchema.properties)).toEqual(
      expect.arrayContaining(['value', 'from', 'to']),
    );
  });

  it('searches across servers by what the tool does', async () => {
    const c = await meta();
    const search = async (query: string) =>
      structured<{ results: Array<{ server: string; tool: string; inputSchema: object }> }>(
        await call(c, 'gateway_search_tools', { query }),
      ).results;
    expect((await search('convert miles to kilometers'))[0]).toMatchObject({
      server: 'units',
      tool: 'convert_length',
    });
    expect((await search('save a new note'))[0]).toMatchObject({ server: 'notes', tool: 'add_note' });
    expect((await search('evaluate an arithmetic expression'))[0]).toMatchObject({
      server: 'toolbox',
      tool: 'calculate',
    });
    const regex = structured<{ results: Array<{ tool: string }> }>(
      await call(c, 'gateway_search_tools', { query: '^convert_', regex: true, limit: 10 }),
    ).results;
    expect(regex.map((r) => r.tool).sort()).toEqual([
      'convert_data_size',
      'convert_length',
      'convert_mass',
      'convert_temperature',
    ]);
    const bad = await call(c, 'gateway_search_tools', { query: '(unclosed', regex: true });
    expect(bad.isError).toBe(true);
    // Nothing matches: the servers that might hold the tool and a hint, not a bare empty list.
    const none = structured<{ results: unknown[]; servers: Array<{ name: string }>; hint: string }>(
      await call(c, 'gateway_search_tools', { query: 'zebra quagga okapi' }),
    );
    expect(none.results).toEqual([]);
    expect(none.servers.map((s) => s.name)).toEqual(expect.arrayContaining(['notes', 'toolbox', 'units']));
    expect(none.hint).toMatch(/gateway_list_tools/);
  });

  it('invokes a tool and returns the backend result as it is', async () => {
    const c = await meta();
    const result = await call(c, 'gateway_invoke', {
      server: 'toolbox',
      tool: 'calculate',
      arguments: { expression: '6 * 7' },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ result: 42 });
  });

  it('forgives the usual slips: server__tool, nested arguments, a JSON string', async () => {
    const c = await meta();
    const qualified = await call(c, 'gateway_invoke', {
      tool: 'toolbox__calculate',
      arguments: { expression: '1+1' },
    });
    expect(qualified.structuredContent).toEqual({ result: 2 });
    const dotted = await call(c, 'gateway_invoke', {
      tool: 'toolbox.calculate',
      arguments: { expression: '2+2' },
    });
    expect(dotted.structuredContent).toEqual({ result: 4 });
    const nested = await call(c, 'gateway_invoke', {
      server: 'toolbox',
      tool: 'calculate',
      arguments: { arguments: { expression: '3+3' } },
    });
    expect(nested.structuredContent).toEqual({ result: 6 });
    const asString = await call(c, 'gateway_invoke', {
      server: 'toolbox',
      tool: 'calculate',
      arguments: '{"expression":"4+4"}',
    });
    expect(asString.structuredContent).toEqual({ result: 8 });
  });

  it('answers near misses with "did you mean", and wrong arguments with the schema, without waking anything', async () => {
    const c = await meta();
    const server = await call(c, 'gateway_invoke', { server: 'toolbx', tool: 'calculate', arguments: {} });
    expect(server.isError).toBe(true);
    expect(JSON.stringify(server.content)).toContain('did you mean \\"toolbox\\"');
    const tool = await call(c, 'gateway_invoke', { server: 'toolbox', tool: 'calculte', arguments: {} });
    expect(JSON.stringify(tool.content)).toContain('did you mean \\"calculate\\"');
    const elsewhere = await call(c, 'gateway_invoke', {
      server: 'toolbox',
      tool: 'convert_length',
      arguments: {},
    });
    expect(JSON.stringify(elsewhere.content)).toContain('is a tool of \\"units\\"');

    await endSessions();
    const fresh = await meta();
    await until(
      () => gw.gateway.registry.status().find((s) => s.name === 'toolbox')!.state === 'hibernated',
      'hibernation',
    );
    const wrong = await call(fresh, 'gateway_invoke', {
      server: 'toolbox',
      tool: 'calculate',
      arguments: { expr: '1' },
    });
    expect(wrong.isError).toBe(true);
    expect(JSON.stringify(wrong.content)).toMatch(
      /do not match the input schema of \\"calculate\\".*Expected:/,
    );
    expect(gw.gateway.registry.status().find((s) => s.name === 'toolbox')!.state).toBe('hibernated');
  });

  it('wakes a hibernated backend on invoke', async () => {
    await endSessions();
    await until(
      () => gw.gateway.registry.status().find((s) => s.name === 'toolbox')!.state === 'hibernated',
      'hibernation',
    );
    const c = await meta();
    const result = await call(c, 'gateway_invoke', {
      server: 'toolbox',
      tool: 'echo',
      arguments: { message: 'awake' },
    });
    expect(JSON.stringify(result.content)).toContain('awake');
    expect(gw.gateway.registry.status().find((s) => s.name === 'toolbox')!.state).toBe('running');
  });

  it('carries progress of an invoked call to the /mcp client, the last update included', async () => {
    const c = await meta();
    const updates: number[] = [];
    const result = await c.request(
      {
        method: 'tools/call',
        params: {
          name: 'gateway_invoke',
          arguments: { server: 'nonce', tool: 'progress_nonce', arguments: { nonce: 'n1', steps: 6 } },
        },
      },
      CallToolResultSchema,
      { onprogress: (p) => updates.push(p.progress) },
    );
    expect(result.isError).toBeFalsy();
    expect(updates).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a failing backend call is an isError result naming the backend', async () => {
    const c = await meta();
    await notes.close();
    const result = await call(c, 'gateway_invoke', { server: 'notes', tool: 'list_notes', arguments: {} });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/notes\/list_notes failed: backend \\"notes\\"/);
  });

  it('after a restart, lists and searches from the persisted catalog with every backend stopped', async () => {
    await gw.close();
    gw = await startGateway(yaml, { discover: true, stateDir });
    const c = await meta();
    expect(JSON.stringify(await c.listTools())).toBe(firstList);
    const { servers } = structured<{ servers: Array<{ name: string; indexed: boolean; state: string }> }>(
      await call(c, 'gateway_list_servers', {}),
    );
    expect(servers.every((s) => s.indexed && s.state === 'stopped')).toBe(true);
    const hits = structured<{ results: Array<{ tool: string }> }>(
      await call(c, 'gateway_search_tools', { query: 'temperature in fahrenheit' }),
    ).results;
    expect(hits[0]?.tool).toBe('convert_temperature');
    expect(gw.gateway.registry.status().every((s) => s.pids.length === 0 && s.state === 'stopped')).toBe(
      true,
    );
  });
});

describe('enable_meta_mcp: false', () => {
  it('turns /mcp off (404) and leaves /mcp/<backend>', async () => {
    const off = await startGateway(
      'enable_meta_mcp: false\nbackends:\n  toolbox:\n    command: node dist/examples/backends/toolbox.js\n',
    );
    try {
      const response = await fetch(`${off.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
      });
      expect(response.status).toBe(404);
      const { client } = await connectClient(`${off.url}/mcp/toolbox`);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await client.close();
    } finally {
      await off.close();
    }
  });
});
