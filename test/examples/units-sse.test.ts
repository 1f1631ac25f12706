import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startUnitsServer } from '../../examples/backends/units-sse.js';

const text = (r: CallToolResult): string => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('units demo over legacy HTTP+SSE', () => {
  let server: Awaited<ReturnType<typeof startUnitsServer>>;
  let client: Client | undefined;

  async function connect(url = server.url): Promise<Client> {
    const c = new Client({ name: 'units-test', version: '0.0.0' });
    await c.connect(new SSEClientTransport(new URL(url)));
    return c;
  }
  const call = (name: string, args: Record<string, unknown>) =>
    client!.callTool({ name, arguments: args }) as Promise<CallToolResult>;

  beforeAll(async () => {
    server = await startUnitsServer({ port: 0 });
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('binds loopback on an ephemeral port and lists its tools', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sse$/);
    client = await connect();
    expect(client.getServerVersion()).toMatchObject({ name: 'units' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'convert_data_size',
      'convert_length',
      'convert_mass',
      'convert_temperature',
      'list_units',
    ]);
    const length = tools.find((t) => t.name === 'convert_length')!;
    expect(length.annotations).toMatchObject({ readOnlyHint: true });
    expect(length.description).toMatch(/mi = mile/);
    expect(length.inputSchema.properties?.from).toMatchObject({
      enum: expect.arrayContaining(['m', 'ft', 'nmi']),
    });
  });

  it('converts every quantity with exact factors', async () => {
    client = await connect();
    const length = await call('convert_length', { value: 26.2, from: 'mi', to: 'km' });
    expect(length.structuredContent).toEqual({ value: 26.2, from: 'mi', to: 'km', result: 42.1648128 });
    expect(text(length)).toBe('26.2 mi = 42.1648128 km');
    expect((await call('convert_mass', { value: 1, from: 'lb', to: 'g' })).structuredContent).toMatchObject({
      result: 453.59237,
    });
    expect(
      (await call('convert_temperature', { value: 98.6, from: 'F', to: 'C' })).structuredContent,
    ).toMatchObject({ result: 37 });
    expect(
      (await call('convert_data_size', { value: 4, from: 'GiB', to: 'MB' })).structuredContent,
    ).toMatchObject({
      result: 4294.967296,
    });
  });

  it('reports impossible values and unknown units as tool errors', async () => {
    client = await connect();
    const cold = await call('convert_temperature', { value: -500, from: 'F', to: 'K' });
    expect(cold.isError).toBe(true);
    expect(text(cold)).toMatch(/below absolute zero/);
    const unknown = await call('convert_length', { value: 1, from: 'parsec', to: 'm' });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/from/);
  });

  it('lists units, all or by quantity', async () => {
    client = await connect();
    const all = (await call('list_units', {})).structuredContent as Record<string, { symbol: string }[]>;
    expect(Object.keys(all).sort()).toEqual(['data_size', 'length', 'mass', 'temperature']);
    const temps = await call('list_units', { quantity: 'temperature' });
    expect(temps.structuredContent).toEqual({
      temperature: [
        { symbol: 'C', name: 'degree Celsius' },
        { symbol: 'F', name: 'degree Fahrenheit' },
        { symbol: 'K', name: 'kelvin' },
        { symbol: 'R', name: 'degree Rankine' },
      ],
    });
    expect(text(temps)).toMatch(/^temperature: C \(degree Celsius\)/);
  });

  it('answers a foreign Origin with 403 on both endpoints', async () => {
    const evil = await fetch(server.url, { headers: { origin: 'http://evil.example' } });
    expect(evil.status).toBe(403);
    const post = await fetch(server.url.replace('/sse', '/messages?sessionId=x'), {
      method: 'POST',
      headers: { origin: 'https://attacker.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(post.status).toBe(403);
  });

  it('gives 404 for an unknown session and cleans up closed ones', async () => {
    const res = await fetch(server.url.replace('/sse', '/messages?sessionId=nope'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(res.status).toBe(404);

    // Read the endpoint event by hand to learn a session id, hang up, and check the id is forgotten.
    const abort = new AbortController();
    const stream = await fetch(server.url, { signal: abort.signal });
    const reader = stream.body!.getReader();
    let buffered = '';
    while (!buffered.includes('\n\n')) buffered += new TextDecoder().decode((await reader.read()).value);
    const endpoint = /data: (\S+)/.exec(buffered)![1]!;
    abort.abort();
    await new Promise((r) => setTimeout(r, 100));
    const late = await fetch(new URL(endpoint, server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(late.status).toBe(404);
  });

  it('close() ends open SSE streams so the process can exit', async () => {
    const other = await startUnitsServer({ port: 0 });
    const c = await connect(other.url);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await other.close(); // idempotent
    // The SSE client would quietly reconnect (EventSource does), so check that nothing listens any more.
    await expect(fetch(other.url)).rejects.toThrow();
    await c.close();
  });
});
