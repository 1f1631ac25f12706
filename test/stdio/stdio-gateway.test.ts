/**
 * `mcp-gateway stdio`, the built executable started by the SDK's StdioClientTransport as a desktop client would:
 * the meta-tools over a stdio backend and an HTTP backend, nothing but JSON-RPC on stdout, and no process left once
 * stdin closes. Then `stdio --url`, bridging to a daemon started here: the same meta-tools, a backend's passthrough
 * with progress and a sampling request coming back through the bridge, the bearer token, an unreachable daemon.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { startNotesServer } from '../../examples/backends/notes-http.js';
import { startConformanceHttp } from '../fixtures/conformance-server.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { firstText, REPO_ROOT, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { descendantsOf, isAlive, until } from '../helpers/processes.js';

const EXECUTABLE = join(REPO_ROOT, 'dist/mcp-gateway.js');
const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-stdio-'));
let notes: { url: string; close(): Promise<void> };
const clients: Client[] = [];

beforeAll(async () => {
  notes = await startNotesServer({ port: 0 });
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await notes?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** The executable as a stdio server of an SDK Client; `stderr` collects what it logs. */
async function start(args: string[], env: Record<string, string> = {}, capabilities = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [EXECUTABLE, ...args],
    env: { PATH: process.env.PATH ?? '', HOME: scratch, ...env },
    cwd: scratch,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'stdio-test', version: '1.0.0' }, { capabilities });
  clients.push(client);
  await client.connect(transport);
  // The SDK keeps the child to itself; closing its stdin alone is what a client going away does.
  const child = (transport as unknown as { _process: ChildProcess })._process;
  return { client, transport, child, stderr: () => stderr };
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema);
}

function structured<T>(result: CallToolResult): T {
  return result.structuredContent as T;
}

async function closeStdin(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit');
  child.stdin!.end();
  const [code] = (await exited) as [number | null];
  return code;
}

describe('mcp-gateway stdio -c FILE', () => {
  it('serves the meta-tools over a stdio and an HTTP backend, and leaves nothing running once stdin closes', async () => {
    const config = join(scratch, 'servers.yaml');
    writeFileSync(
      config,
      [
        `state_dir: ${join(scratch, 'state')}`,
        'backends:',
        '  toolbox:',
        `    command: node ${join(REPO_ROOT, 'dist/examples/backends/toolbox.js')}`,
        '    description: Offline utilities',
        '  notes:',
        `    http_url: ${notes.url}`,
        '    description: A shared notebook',
        '',
      ].join('\n'),
    );
    const { client, child, stderr } = await start(['stdio', '-c', config]);

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'gateway_invoke',
      'gateway_list_servers',
      'gateway_list_tools',
      'gateway_search_tools',
    ]);
    // Discovery reads both backends' tools into the catalog on a first start.
    await until(
      async () => {
        const { servers } = structured<{ servers: Array<{ indexed: boolean }> }>(
          await call(client, 'gateway_list_servers', {}),
        );
        return servers.length === 2 && servers.every((s) => s.indexed);
      },
      'both backends indexed',
      15_000,
    );
    const { results } = structured<{ results: Array<{ server: string; tool: string }> }>(
      await call(client, 'gateway_search_tools', { query: 'save a new note' }),
    );
    expect(results[0]).toMatchObject({ server: 'notes', tool: 'add_note' });

    const echoed = await call(client, 'gateway_invoke', {
      server: 'toolbox',
      tool: 'echo',
      arguments: { message: 'over stdio' },
    });
    expect(firstText(echoed)).toContain('over stdio');
    const added = await call(client, 'gateway_invoke', {
      server: 'notes',
      tool: 'add_note',
      arguments: { title: 'from stdio', body: 'written through mcp-gateway stdio' },
    });
    expect(added.isError).not.toBe(true);

    // The toolbox process (and anything it started) belongs to the gateway process.
    const descendants = descendantsOf(child.pid!);
    expect(descendants.length).toBeGreaterThan(0);
    expect(await closeStdin(child)).toBe(0);
    await until(() => descendants.every((pid) => !isAlive(pid)), 'no process left', 5_000);
    // Logs went to stderr, as JSON lines; stdout carried only the protocol (the SDK parsed every line of it).
    const lines = stderr().trim().split('\n');
    expect(lines.every((line) => line.startsWith('{'))).toBe(true);
    expect(stderr()).toContain('"msg":"gateway stopped"');
  });

  it('serves the flat surface, or what a profile allows, with --surface and --profile', async () => {
    const config = join(scratch, 'profiles.yaml');
    writeFileSync(
      config,
      `state_dir: ${join(scratch, 'state-profiles')}\n` +
        `backends:\n  toolbox:\n    command: node ${join(REPO_ROOT, 'dist/examples/backends/toolbox.js')}\n` +
        `profiles:\n  echo-only:\n    backends: [toolbox]\n    tools: { allow: ['toolbox/echo'] }\n`,
    );
    const flat = await start(['stdio', '-c', config, '--surface', 'flat']);
    await until(
      async () => (await flat.client.listTools()).tools.some((t) => t.name === 'toolbox__echo'),
      'the flat list to hold the toolbox',
      15_000,
    );
    const names = (await flat.client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('toolbox__calculate');
    expect(firstText(await call(flat.client, 'toolbox__echo', { message: 'flat over stdio' }))).toContain(
      'flat over stdio',
    );
    expect(await closeStdin(flat.child)).toBe(0);

    const limited = await start(['stdio', '-c', config, '--profile', 'echo-only', '--surface', 'flat']);
    const allowed = (await limited.client.listTools()).tools.map((t) => t.name);
    expect(allowed).toEqual(['toolbox__echo']);
    const refused = await call(limited.client, 'toolbox__calculate', { expression: '1+1' });
    expect(refused.isError).toBe(true);
    expect(await closeStdin(limited.child)).toBe(0);

    const meta = await start(['stdio', '-c', config, '--profile', 'echo-only']);
    const invoked = await call(meta.client, 'gateway_invoke', {
      server: 'toolbox',
      tool: 'calculate',
      arguments: { expression: '1+1' },
    });
    expect(invoked.isError).toBe(true);
    expect(await closeStdin(meta.child)).toBe(0);
  });

  it('refuses an unknown profile or surface with a usage error that names the valid ones', async () => {
    const config = join(scratch, 'profiles.yaml');
    for (const [args, message] of [
      [['stdio', '-c', config, '--surface', 'tree'], /--surface is meta .* or flat/],
      [['stdio', '-c', config, '--profile', 'nobody'], /no profile "nobody" in .*\(echo-only\)/],
    ] as const) {
      const child = spawn(process.execPath, [EXECUTABLE, ...args], {
        cwd: scratch,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    }
  });
});

describe('mcp-gateway stdio --url', () => {
  let gw: RunningGateway;
  let conformance: { url: string; close(): Promise<void> };
  let counting: CountingServer;

  beforeAll(async () => {
    conformance = await startConformanceHttp();
    counting = await startCountingServer();
    gw = await startGateway(
      `
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
    description: Offline utilities
  notes:
    http_url: ${notes.url}
  nonce:
    command: node dist/test/fixtures/echo-nonce-server.js
  conf:
    http_url: ${conformance.url}
`,
      { discover: true },
    );
    await until(
      () => ['toolbox', 'notes'].every((n) => gw.gateway.catalog.isIndexed(n)),
      'discovery',
      15_000,
    );
  });

  afterAll(async () => {
    await gw?.close();
    await conformance?.close();
    await counting?.close();
  });

  it('bridges a client to the meta-tools of a running gateway, and ends its session when stdin closes', async () => {
    const { client, child } = await start(['stdio', '--url', `${gw.url}/mcp`]);
    expect((await client.listTools()).tools).toHaveLength(4);
    const { results } = structured<{ results: Array<{ server: string; tool: string }> }>(
      await call(client, 'gateway_search_tools', { query: 'evaluate an arithmetic expression' }),
    );
    expect(results[0]).toMatchObject({ server: 'toolbox', tool: 'calculate' });
    const echoed = await call(client, 'gateway_invoke', {
      server: 'toolbox',
      tool: 'echo',
      arguments: { message: 'through the bridge' },
    });
    expect(firstText(echoed)).toContain('through the bridge');
    expect(gw.gateway.sessions.count()).toBe(1);
    expect(await closeStdin(child)).toBe(0);
    // The bridge ended the gateway's session on its way out.
    await until(() => gw.gateway.sessions.count() === 0, 'the session ended');
  });

  it('carries progress and a backend request to the client (passthrough of one backend)', async () => {
    const progress = await start(['stdio', '--url', `${gw.url}/mcp/conf`]);
    const seen: string[] = [];
    const result = await progress.client.callTool(
      { name: 'test_tool_with_progress', arguments: {} },
      undefined,
      { onprogress: (p) => seen.push(String(p.message)) },
    );
    expect(firstText(result)).toContain('executed successfully');
    // The last one comes right before the answer, and the SDK Client drops a notification it reads in the same chunk
    // as the answer (it handles notifications a tick later): the two before it are what this can assert.
    expect(seen.slice(0, 2)).toEqual(['0% done', '50% done']);

    const sampling = await start(['stdio', '--url', `${gw.url}/mcp/conf`], {}, { sampling: {} });
    sampling.client.setRequestHandler(CreateMessageRequestSchema, () => ({
      role: 'assistant',
      content: { type: 'text', text: 'sampled here' },
      model: 'test-model',
    }));
    const sampled = await sampling.client.callTool({ name: 'test_sampling', arguments: { prompt: 'hello' } });
    expect(firstText(sampled)).toBe('LLM response: sampled here');
    expect(await closeStdin(progress.child)).toBe(0);
    expect(await closeStdin(sampling.child)).toBe(0);
  });

  it('sends MCP_GATEWAY_TOKEN as a bearer token', async () => {
    const { client, child } = await start(['stdio', '--url', counting.url], {
      MCP_GATEWAY_TOKEN: 'tok-5e1f',
    });
    await client.callTool({ name: 'session', arguments: {} });
    expect(counting.authorizations()).toContain('Bearer tok-5e1f');
    expect(await closeStdin(child)).toBe(0);
  });

  it('says so on stderr and exits 1 when no gateway answers', async () => {
    const port = await closedPort();
    const child = spawn(process.execPath, [EXECUTABLE, 'stdio', '--url', `http://127.0.0.1:${port}/mcp`], {
      cwd: scratch,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+\/mcp: ECONNREFUSED/);
    expect(stdout).toBe('');
  });
});

/** A loopback port nobody listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
