/**
 * The frame end to end: the gateway over real HTTP, with the SDK Client, in front of the three demo backends (a
 * stdio child process, a Streamable HTTP server and a legacy SSE server), each listed and called through
 * /mcp/<name>.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { startNotesServer } from '../../examples/backends/notes-http.js';
import { startUnitsServer } from '../../examples/backends/units-sse.js';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';

let notes: { url: string; close(): Promise<void> };
let units: { url: string; close(): Promise<void> };
let gw: RunningGateway;
const clients: Client[] = [];

beforeAll(async () => {
  notes = await startNotesServer({ port: 0 });
  units = await startUnitsServer({ port: 0 });
  gw = await startGateway(`
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
  notes:
    http_url: ${notes.url}
  units:
    http_url: ${units.url}
`);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.close();
  await notes?.close();
  await units?.close();
});

async function client(backend: string): Promise<Client> {
  const { client } = await connectClient(`${gw.url}/mcp/${backend}`);
  clients.push(client);
  return client;
}

describe('passthrough to the demo backends', () => {
  it('stdio: lists and calls the toolbox tools', async () => {
    const c = await client('toolbox');
    expect(c.getServerVersion()?.name).toBe('toolbox');
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['calculate', 'echo', 'current_time']));
    const result = await c.callTool({ name: 'calculate', arguments: { expression: '(2 + 3) * 4' } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ result: 20 });
    const echo = await c.callTool({ name: 'echo', arguments: { message: 'héllo through the gateway' } });
    expect(firstText(echo)).toContain('héllo through the gateway');
  });

  it('Streamable HTTP: adds a note and finds it again', async () => {
    const c = await client('notes');
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['add_note', 'search_notes']));
    await c.callTool({ name: 'add_note', arguments: { title: 'gateway', body: 'one port for all' } });
    const found = await c.callTool({ name: 'search_notes', arguments: { query: 'one port' } });
    expect(JSON.stringify(found.content)).toContain('gateway');
  });

  it('legacy SSE: converts units', async () => {
    const c = await client('units');
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toContain('convert_length');
    const result = await c.callTool({
      name: 'convert_length',
      arguments: { value: 1, from: 'mi', to: 'km' },
    });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result)).toContain('1.609344');
  });

  it('shares one toolbox process between client sessions', async () => {
    const a = await client('toolbox');
    const b = await client('toolbox');
    const [ra, rb] = await Promise.all([
      a.callTool({ name: 'echo', arguments: { message: 'from a' } }),
      b.callTool({ name: 'echo', arguments: { message: 'from b' } }),
    ]);
    expect(firstText(ra)).toContain('from a');
    expect(firstText(rb)).toContain('from b');
    const toolbox = gw.gateway.registry.status().find((s) => s.name === 'toolbox');
    expect(toolbox?.connections).toBe(1);
    expect(toolbox?.pid).toBeGreaterThan(0);
  });

  it('passes tool errors and JSON-RPC errors from the backend as the backend sent them', async () => {
    const c = await client('toolbox');
    const bad = await c.callTool({ name: 'calculate', arguments: { expression: '1 / 0' } });
    expect(bad.isError).toBe(true);
    const unknown = await c.callTool({ name: 'no_such_tool', arguments: {} });
    expect(unknown).toEqual({
      content: [{ type: 'text', text: 'MCP error -32602: Tool no_such_tool not found' }],
      isError: true,
    });
    // The toolbox has no resources: the backend's own -32601, with its message once, not prefixed twice.
    const error = await c
      .request({ method: 'resources/list', params: {} }, ResultSchema)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32601);
    expect((error as McpError).message).toBe('MCP error -32601: Method not found');
  });
});
