/**
 * Pipelines against real backends (two stdio echo-nonce processes, the notes demo over HTTP), through a gateway on
 * a real port: a parallel group's wall time, a step that times out under `stop` and under `continue`, a reference to
 * an earlier step's structuredContent, progress per step, cancellation reaching the backend, the virtual backend in
 * listing, search and `/mcp/pipelines`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startNotesServer } from '../../examples/backends/notes-http.js';
import { connectClient, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const DELAY_MS = 700;
let notes: { url: string; close(): Promise<void> };
let gw: RunningGateway;
const clients: Client[] = [];

interface StepReport {
  id: string;
  status: string;
  error?: string;
  result?: CallToolResult;
}
interface PipelineResult {
  pipeline: string;
  status: string;
  stopped_at?: string;
  output: unknown;
  steps: StepReport[];
}

beforeAll(async () => {
  notes = await startNotesServer({ port: 0 });
  gw = await startGateway(
    `
backends:
  left:
    command: node dist/test/fixtures/echo-nonce-server.js
  right:
    command: node dist/test/fixtures/echo-nonce-server.js
  notes:
    http_url: ${notes.url}
pipelines:
  fan_out:
    description: Asks both echo servers at once, then files a note that quotes both answers.
    input: { type: object, properties: { nonce: { type: string } }, required: [nonce] }
    steps:
      - parallel:
          - { id: l, call: left/echo_nonce, arguments: { nonce: '{% input.nonce & "-l" %}', delay_ms: ${DELAY_MS} } }
          - { id: r, call: right/echo_nonce, arguments: { nonce: '{% input.nonce & "-r" %}', delay_ms: ${DELAY_MS} } }
      - id: note
        call: notes/add_note
        arguments:
          title: '{% "both: " & steps.l.structuredContent.nonce & " " & steps.r.structuredContent.nonce %}'
          body: fan-out
    output: '{% { "left": steps.l.structuredContent.nonce, "right": steps.r.structuredContent.nonce, "note": steps.note.structuredContent.note } %}'
  stop_on_timeout:
    description: A step that never answers within its timeout, then one that must not run.
    steps:
      - { id: slow, call: left/slow_nonce, arguments: { nonce: stop-slow }, timeout: 1 }
      - { id: after, call: right/echo_nonce, arguments: { nonce: stop-after } }
  continue_on_timeout:
    description: A step that never answers within its timeout, and the step after it that runs anyway.
    steps:
      - { id: slow, call: left/slow_nonce, arguments: { nonce: cont-slow }, timeout: 1, on_error: continue }
      - { id: after, call: right/echo_nonce, arguments: { nonce: '{% "after-" & steps.slow.status %}' } }
  hang:
    description: One step that waits until it is cancelled.
    input: { type: object, properties: { nonce: { type: string } }, required: [nonce] }
    steps:
      - { id: wait, call: left/slow_nonce, arguments: { nonce: '{% input.nonce %}' }, timeout: 30 }
  nested:
    description: Runs fan_out as a step of its own.
    steps:
      - { id: inner, call: pipelines/fan_out, arguments: { nonce: nested } }
    output: '{% steps.inner.structuredContent.output.left %}'
`,
  );
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.close();
  await notes?.close();
});

async function client(path = '/mcp'): Promise<Client> {
  const { client: c } = await connectClient(`${gw.url}${path}`);
  clients.push(c);
  return c;
}

function invoke(
  c: Client,
  tool: string,
  args: Record<string, unknown>,
  options: Parameters<Client['request']>[2] = {},
): Promise<CallToolResult> {
  return c.request(
    {
      method: 'tools/call',
      params: { name: 'gateway_invoke', arguments: { server: 'pipelines', tool, arguments: args } },
    },
    CallToolResultSchema,
    options,
  );
}

async function cancelledNonces(c: Client): Promise<string[]> {
  const result = await c.request(
    {
      method: 'tools/call',
      params: {
        name: 'gateway_invoke',
        arguments: { server: 'left', tool: 'cancelled_nonces', arguments: {} },
      },
    },
    CallToolResultSchema,
  );
  return (result.structuredContent as { nonces: string[] }).nonces;
}

describe('pipelines', () => {
  it('runs a parallel group in about the time of its slower step, and reads earlier steps’ structuredContent', async () => {
    const c = await client();
    // Once to start both backends: their start is not what this measures.
    await invoke(c, 'fan_out', { nonce: 'warm' });
    const started = performance.now();
    const result = await invoke(c, 'fan_out', { nonce: 'n7' });
    const elapsed = performance.now() - started;
    const run = result.structuredContent as unknown as PipelineResult;
    expect(result.isError).not.toBe(true);
    expect(run.status).toBe('ok');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['l', 'ok'],
      ['r', 'ok'],
      ['note', 'ok'],
    ]);
    expect(run.output).toMatchObject({
      left: 'n7-l',
      right: 'n7-r',
      note: expect.objectContaining({ title: 'both: n7-l n7-r' }),
    });
    // Sequential would be 2 × DELAY_MS and more; concurrent is one DELAY_MS and a little.
    expect(elapsed).toBeGreaterThanOrEqual(DELAY_MS);
    expect(elapsed).toBeLessThan(0.8 * 2 * DELAY_MS);
  });

  it('stops at a step that times out (on_error: stop), and the backend hears the call cancelled', async () => {
    const c = await client();
    const started = performance.now();
    const result = await invoke(c, 'stop_on_timeout', {});
    expect(performance.now() - started).toBeLessThan(5_000);
    const run = result.structuredContent as unknown as PipelineResult;
    expect(result.isError).toBe(true);
    expect(run).toMatchObject({ status: 'failed', stopped_at: 'slow', output: null });
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['slow', 'timeout'],
      ['after', 'skipped'],
    ]);
    expect(run.steps[0]!.error).toMatch(/timeout of 1 s/);
    await until(
      async () => (await cancelledNonces(c)).includes('stop-slow'),
      'the backend saw the cancellation',
    );
  });

  it('goes on after a step that times out (on_error: continue); later steps read how it ended', async () => {
    const c = await client();
    const result = await invoke(c, 'continue_on_timeout', {});
    const run = result.structuredContent as unknown as PipelineResult;
    expect(result.isError).not.toBe(true);
    expect(run.status).toBe('ok');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['slow', 'timeout'],
      ['after', 'ok'],
    ]);
    expect(run.output).toEqual({ after: { nonce: 'after-timeout' } });
  });

  it('reports each step as progress when the caller sent a progressToken', async () => {
    const c = await client();
    const messages: string[] = [];
    await invoke(c, 'fan_out', { nonce: 'p1' }, { onprogress: (p) => messages.push(String(p.message)) });
    expect(messages).toHaveLength(3);
    expect(messages.some((m) => m.startsWith('l (left/echo_nonce): ok'))).toBe(true);
    expect(messages.some((m) => m.startsWith('note (notes/add_note): ok'))).toBe(true);
  });

  it('cancels the steps in flight when the caller cancels the pipeline', async () => {
    const c = await client();
    const controller = new AbortController();
    const call = invoke(c, 'hang', { nonce: 'cancel-me' }, { signal: controller.signal });
    await until(async () => {
      const seen = await c.request(
        {
          method: 'tools/call',
          params: { name: 'gateway_invoke', arguments: { server: 'left', tool: 'seen_ids', arguments: {} } },
        },
        CallToolResultSchema,
      );
      return JSON.stringify(seen.structuredContent).includes('cancel-me');
    }, 'the step reached the backend');
    controller.abort('changed my mind');
    await expect(call).rejects.toThrow();
    await until(
      async () => (await cancelledNonces(c)).includes('cancel-me'),
      'the backend saw the cancellation',
    );
  });

  it('runs a pipeline as a step of another', async () => {
    const c = await client();
    const result = await invoke(c, 'nested', {});
    expect(result.isError).not.toBe(true);
    expect((result.structuredContent as unknown as PipelineResult).output).toBe('nested-l');
  });

  it('checks a pipeline’s arguments against its input schema before running anything', async () => {
    const c = await client();
    const result = await invoke(c, 'fan_out', { nonse: 'typo' });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/nonce/);
  });
});

describe('the virtual backend pipelines', () => {
  it('is listed by gateway_list_servers and its tools are found by gateway_search_tools', async () => {
    const c = await client();
    const servers = await c.request(
      { method: 'tools/call', params: { name: 'gateway_list_servers', arguments: {} } },
      CallToolResultSchema,
    );
    expect((servers.structuredContent as { servers: unknown[] }).servers).toContainEqual(
      expect.objectContaining({ name: 'pipelines', tools: 5, indexed: true, transport: 'pipeline' }),
    );
    const search = await c.request(
      {
        method: 'tools/call',
        params: {
          name: 'gateway_search_tools',
          arguments: { query: 'ask both echo servers and file a note' },
        },
      },
      CallToolResultSchema,
    );
    expect((search.structuredContent as { results: unknown[] }).results[0]).toMatchObject({
      server: 'pipelines',
      tool: 'fan_out',
    });
  });

  it('serves the pipelines as tools at /mcp/pipelines', async () => {
    const c = await client('/mcp/pipelines');
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'continue_on_timeout',
      'fan_out',
      'hang',
      'nested',
      'stop_on_timeout',
    ]);
    const result = (await c.callTool({ name: 'fan_out', arguments: { nonce: 'direct' } })) as CallToolResult;
    expect(result.isError).not.toBe(true);
    expect((result.structuredContent as unknown as PipelineResult).output).toMatchObject({
      left: 'direct-l',
    });
  });

  it('cancels a pipeline’s steps when a /mcp/pipelines caller cancels', async () => {
    const c = await client('/mcp/pipelines');
    const meta = await client();
    const controller = new AbortController();
    const call = c.callTool({ name: 'hang', arguments: { nonce: 'direct-cancel' } }, undefined, {
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort('no longer needed');
    await expect(call).rejects.toThrow();
    await until(
      async () => (await cancelledNonces(meta)).includes('direct-cancel'),
      'the backend saw the cancellation',
    );
  });
});
