import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startNotesServer } from '../../examples/backends/notes-http.js';
import { MCP_HEADERS } from '../helpers/raw-mcp.js';

const text = (r: CallToolResult): string => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};

/** node:http, because fetch will not let us forge a Host header. */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...MCP_HEADERS, host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(JSON.stringify(INIT));
  });
}

describe('notes demo over Streamable HTTP', () => {
  let server: Awaited<ReturnType<typeof startNotesServer>>;
  const clients: Client[] = [];

  async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(new URL(server.url));
    const client = new Client({ name: 'notes-test', version: '0.0.0' });
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  }

  beforeAll(async () => {
    server = await startNotesServer({ port: 0 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('binds loopback on an ephemeral port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(server.url).not.toMatch(/:0\//);
  });

  it('lists its five tools with annotations', async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'add_note',
      'delete_note',
      'get_note',
      'list_notes',
      'search_notes',
    ]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.delete_note!.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    expect(byName.search_notes!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.add_note!.inputSchema.required).toEqual(['title', 'body']);
  });

  it('adds, lists, gets, searches and deletes notes', async () => {
    const { client } = await connect();
    const call = (name: string, args: Record<string, unknown>) =>
      client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

    const added = await call('add_note', {
      title: 'Trip plan',
      body: 'Book the train to Lyon',
      tags: ['Travel', 'todo'],
    });
    const note = (added.structuredContent as { note: { id: string; tags: string[] } }).note;
    expect(note.tags).toEqual(['travel', 'todo']);
    expect(text(added)).toBe(`Saved note ${note.id}: Trip plan`);

    const listed = await call('list_notes', { tag: 'TRAVEL' });
    expect(listed.structuredContent).toMatchObject({
      count: 1,
      notes: [{ id: note.id, title: 'Trip plan' }],
    });
    const all = (await call('list_notes', {})).structuredContent as {
      count: number;
      notes: { id: string }[];
    };
    expect(all.notes[0]!.id).toBe(note.id); // newest first; the welcome note is older
    expect(all.notes.map((n) => n.id)).toContain('n1');

    const got = await call('get_note', { id: note.id });
    expect(got.structuredContent).toMatchObject({ id: note.id, body: 'Book the train to Lyon' });
    expect(text(got)).toMatch(/^# Trip plan/);

    const found = await call('search_notes', { query: 'lyon train' });
    expect(found.structuredContent).toMatchObject({ count: 1, notes: [{ id: note.id }] });
    expect((await call('search_notes', { query: 'zeppelin' })).structuredContent).toEqual({
      count: 0,
      notes: [],
    });

    const deleted = await call('delete_note', { id: note.id });
    expect(deleted.structuredContent).toEqual({ deleted: note.id, title: 'Trip plan' });
    const missing = await call('get_note', { id: note.id });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/No note with id/);
    expect((await call('delete_note', { id: note.id })).isError).toBe(true);
  });

  it('exposes notes as resources and shares them across sessions', async () => {
    const a = await connect();
    const b = await connect();
    expect(a.transport.sessionId).not.toBe(b.transport.sessionId);
    const added = await a.client.callTool({
      name: 'add_note',
      arguments: { title: 'Shared', body: 'seen by b' },
    });
    const id = (added.structuredContent as { note: { id: string } }).note.id;

    const { resources } = await b.client.listResources();
    expect(resources).toContainEqual(
      expect.objectContaining({ uri: `notes://${id}`, name: 'Shared', mimeType: 'text/markdown' }),
    );
    const { resourceTemplates } = await b.client.listResourceTemplates();
    expect(resourceTemplates[0]?.uriTemplate).toBe('notes://{id}');
    const read = await b.client.readResource({ uri: `notes://${id}` });
    expect(read.contents[0]).toMatchObject({
      uri: `notes://${id}`,
      text: expect.stringContaining('seen by b'),
    });
    await expect(b.client.readResource({ uri: 'notes://n999' })).rejects.toThrow(/No note at notes:\/\/n999/);
  });

  it('ends a session on DELETE; its id then gets 404', async () => {
    const { transport } = await connect();
    const sid = transport.sessionId!;
    await transport.terminateSession();
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: -32001 } });
  });

  it('refuses requests without a session that are not initialize', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(res.status).toBe(400);
    expect((await fetch(server.url)).status).toBe(400);
    expect((await fetch(server.url.replace('/mcp', '/other'))).status).toBe(404);
  });

  it('answers a foreign Origin or Host with 403', async () => {
    const evil = await fetch(server.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, origin: 'http://evil.example' },
      body: JSON.stringify(INIT),
    });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { message: expect.stringMatching(/Forbidden/) },
    });
    expect(await statusWithHost(server.url, 'evil.example')).toBe(403);
    const port = new URL(server.url).port;
    const local = await fetch(server.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, origin: `http://localhost:${port}` },
      body: JSON.stringify(INIT),
    });
    expect(local.status).toBe(200);
    await local.body?.cancel();
  });

  it('refuses bodies over the limit with 413', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ ...INIT, params: { ...INIT.params, pad: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(res.status).toBe(413);
  });

  it('close() ends open streams so the process can exit', async () => {
    const other = await startNotesServer({ port: 0 });
    const transport = new StreamableHTTPClientTransport(new URL(other.url));
    const client = new Client({ name: 'close-test', version: '0.0.0' });
    await client.connect(transport); // also opens the standalone GET stream
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await other.close(); // idempotent
    await client.close();
  });
});
