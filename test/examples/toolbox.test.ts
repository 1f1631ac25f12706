import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOLBOX = 'dist/examples/backends/toolbox.js';

const text = (r: CallToolResult): string => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('toolbox demo over stdio', () => {
  let client: Client;
  let transport: StdioClientTransport;
  const stderr: string[] = [];
  const protocolErrors: Error[] = [];

  beforeAll(async () => {
    if (!existsSync(`${REPO_ROOT}${TOOLBOX}`))
      throw new Error(`${TOOLBOX} is missing: run \`npm run build\` first`);
    transport = new StdioClientTransport({
      command: process.execPath,
      args: [TOOLBOX],
      cwd: REPO_ROOT,
      env: { TZ: 'UTC' }, // keeps the default zone predictable; the SDK adds PATH, HOME and friends
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    client = new Client({ name: 'toolbox-test', version: '0.0.0' });
    // Any non-protocol line on the server's stdout surfaces here as a parse error.
    client.onerror = (err) => protocolErrors.push(err);
    await client.connect(transport);
  });

  afterAll(async () => {
    await client?.close();
  });

  const call = (name: string, args: Record<string, unknown> = {}) =>
    client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

  it('introduces itself and lists its tools with descriptions and annotations', async () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'toolbox' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'base64',
      'calculate',
      'current_time',
      'echo',
      'random_uuid',
    ]);
    for (const tool of tools) {
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.description?.length, tool.name).toBeGreaterThan(20);
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
    }
    const calc = tools.find((t) => t.name === 'calculate')!;
    expect(calc.inputSchema.properties?.expression).toMatchObject({
      type: 'string',
      description: expect.any(String),
    });
    expect(calc.outputSchema?.properties).toHaveProperty('result');
  });

  it('calculate returns structured results and explains errors', async () => {
    const r = await call('calculate', { expression: '(1.5 + 2) * -3 ^ 2 / 7' });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ result: -4.5 });
    expect(text(r)).toBe('-4.5');

    const bad = await call('calculate', { expression: '1 / (2 - 2)' });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/Division by zero/);
    expect(text(await call('calculate', { expression: 'process.exit(1)' }))).toMatch(
      /Unexpected character 'p'/,
    );
  });

  it('current_time answers in the requested zone and rejects unknown zones', async () => {
    const r = await call('current_time', { timezone: 'Asia/Tokyo' });
    expect(r.structuredContent).toMatchObject({ timezone: 'Asia/Tokyo', utc_offset: '+09:00' });
    const { iso, utc } = r.structuredContent as { iso: string; utc: string };
    expect(Date.parse(iso)).toBe(Date.parse(utc));
    expect(Math.abs(Date.parse(utc) - Date.now())).toBeLessThan(10_000);

    const local = await call('current_time');
    expect(local.structuredContent).toMatchObject({ timezone: 'UTC', utc_offset: '+00:00' });

    const bad = await call('current_time', { timezone: 'Not/AZone' });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toMatch(/Unknown time zone 'Not\/AZone'/);
  });

  it('echo, random_uuid and base64 work', async () => {
    expect(text(await call('echo', { message: 'hi there ✓' }))).toBe('hi there ✓');

    const one = await call('random_uuid');
    const [uuid] = (one.structuredContent as { uuids: string[] }).uuids;
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const many = (await call('random_uuid', { count: 5 })).structuredContent as { uuids: string[] };
    expect(new Set(many.uuids).size).toBe(5);

    const enc = await call('base64', { mode: 'encode', text: 'Grüße' });
    expect(enc.structuredContent).toEqual({ result: 'R3LDvMOfZQ==' });
    const dec = await call('base64', { mode: 'decode', text: 'R3LDvMOfZQ==' });
    expect(dec.structuredContent).toEqual({ result: 'Grüße' });
    const bad = await call('base64', { mode: 'decode', text: '***' });
    expect(bad.isError).toBe(true);
  });

  it('reports invalid arguments as tool errors', async () => {
    const r = await call('base64', { mode: 'rot13', text: 'x' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/mode/);
  });

  it('writes nothing but protocol to stdout', () => {
    expect(protocolErrors).toEqual([]);
    expect(stderr.join('')).toBe('');
  });
});
