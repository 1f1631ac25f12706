/**
 * What flows through gateway_invoke besides the result, and how the catalog follows a backend: the backend's
 * sampling request answered by the /mcp client, its log messages, a cancellation reaching the backend, a tool list
 * that changes (list_changed, debounced), and honest answers about backends not indexed yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

let gw: RunningGateway;
const clients: Client[] = [];

beforeAll(async () => {
  gw = await startGateway(`
backends:
  fixture:
    command: node dist/test/fixtures/conformance-server.js stdio
  faulty:
    command: node dist/test/fixtures/faulty-server.js
  later:
    command: node dist/examples/backends/toolbox.js
`);
});
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.close();
});

async function meta(capabilities = {}): Promise<Client> {
  const { client } = await connectClient(`${gw.url}/mcp`, capabilities);
  clients.push(client);
  return client;
}

function invoke(
  c: Client,
  server: string,
  tool: string,
  args: Record<string, unknown> = {},
  signal?: AbortSignal,
) {
  return c.request(
    {
      method: 'tools/call',
      params: { name: 'gateway_invoke', arguments: { server, tool, arguments: args } },
    },
    CallToolResultSchema,
    signal ? { signal } : undefined,
  );
}

describe('through gateway_invoke', () => {
  it('says plainly that a backend is not indexed yet, instead of looking empty', async () => {
    const c = await meta();
    const listed = await c.callTool({ name: 'gateway_list_tools', arguments: { server: 'later' } });
    expect(listed.structuredContent).toMatchObject({
      server: 'later',
      indexed: false,
      note: expect.stringContaining('not indexed yet'),
    });
    const searched = await c.callTool({ name: 'gateway_search_tools', arguments: { query: 'calculate' } });
    expect(searched.structuredContent).toMatchObject({ not_indexed: expect.arrayContaining(['later']) });
    expect(gw.gateway.registry.status().find((s) => s.name === 'later')!.state).toBe('stopped');
  });

  it('the backend’s sampling request is answered by the /mcp client', async () => {
    const c = await meta({ sampling: {} });
    c.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `sampled: ${JSON.stringify(request.params.messages[0]?.content)}` },
    }));
    const result = (await invoke(c, 'fixture', 'test_sampling', {
      prompt: 'hello gateway',
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(firstText(result)).toContain('sampled');
    expect(firstText(result)).toContain('hello gateway');
  });

  it('the backend’s log messages reach the /mcp client', async () => {
    const c = await meta();
    const messages: unknown[] = [];
    c.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void messages.push(n.params.data));
    await invoke(c, 'fixture', 'test_tool_with_logging');
    await until(() => messages.length >= 3, 'three log messages');
    expect(messages.map(String)).toEqual(
      expect.arrayContaining(['Tool execution started', 'Tool processing data']),
    );
  });

  it('cancelling the invoke cancels the backend call', async () => {
    const c = await meta();
    // Started and indexed first, so that the only call in flight below is the hang.
    await invoke(c, 'faulty', 'cancellations');
    await until(
      () => gw.gateway.catalog.isIndexed('faulty') && gw.gateway.registry.callsInFlight === 0,
      'the catalog read',
    );
    const abort = new AbortController();
    const pending = invoke(c, 'faulty', 'hang', { tag: 'via-meta' }, abort.signal).catch((e: unknown) => e);
    await until(() => gw.gateway.registry.callsInFlight > 0, 'the call to reach the backend');
    abort.abort('user pressed stop');
    expect(await pending).toBeInstanceOf(McpError);
    await until(
      async () => JSON.parse(firstText(await invoke(c, 'faulty', 'cancellations'))).includes('via-meta'),
      'the backend to see the cancellation',
    );
  });

  it('a backend’s changed tool list reaches the catalog (list_changed, debounced)', async () => {
    const c = await meta();
    await invoke(c, 'fixture', 'test_simple_text');
    await until(() => gw.gateway.catalog.isIndexed('fixture'), 'the fixture to be indexed');
    expect(gw.gateway.catalog.find('fixture', 'test_dynamic_tool_added')).toBeUndefined();
    await invoke(c, 'fixture', 'test_dynamic_tool');
    await until(
      () => gw.gateway.catalog.find('fixture', 'test_dynamic_tool_added') !== undefined,
      'the new tool in the catalog',
    );
    const found = await c.callTool({
      name: 'gateway_search_tools',
      arguments: { query: 'dynamically added tool' },
    });
    expect(JSON.stringify(found.structuredContent)).toContain('test_dynamic_tool_added');
    await invoke(c, 'fixture', 'test_dynamic_tool');
    await until(
      () => gw.gateway.catalog.find('fixture', 'test_dynamic_tool_added') === undefined,
      'the tool to leave the catalog',
    );
  });
});
