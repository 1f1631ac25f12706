/**
 * A backend that asks its client something (elicitation, sampling) during a 2026-07-28 client's gateway_invoke: the
 * call is answered at once with `-32021` and `data.requiredCapabilities` when the client did not declare the
 * capability, with `-32603` naming the missing bridge when it did, and never waits for an answer that cannot come.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client as ModernClient, type ClientCapabilities } from '@modelcontextprotocol/client';
import { connectModernClient } from '../helpers/modern-client.js';
import { firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const V = '2026-07-28';
const yaml = `
backends:
  conf:
    command: node dist/test/fixtures/conformance-server.js stdio
    description: Asks its client things
`;
let gw: RunningGateway;
const modern: ModernClient[] = [];

async function modernClient(capabilities: ClientCapabilities = {}): Promise<ModernClient> {
  const client = await connectModernClient(`${gw.url}/mcp`, { name: 'modern-requests-test', capabilities });
  modern.push(client);
  return client;
}

const invoke = (tool: string, args: Record<string, unknown> = {}) => ({
  name: 'gateway_invoke',
  arguments: { server: 'conf', tool, arguments: args },
});

async function refusal(call: Promise<unknown>): Promise<{ code: number; message: string; data?: unknown }> {
  try {
    await call;
  } catch (error) {
    return error as { code: number; message: string; data?: unknown };
  }
  throw new Error('the call was answered with a result');
}

beforeAll(async () => {
  gw = await startGateway(yaml, { discover: true });
  await until(() => gw.gateway.catalog.isIndexed('conf'), 'discovery', 15_000);
});

afterAll(async () => {
  await Promise.allSettled(modern.map((c) => c.close()));
  await gw.close();
});

describe("a backend's request during a modern call", () => {
  it('is -32021 with requiredCapabilities when the client did not declare the capability', async () => {
    const client = await modernClient({ elicitation: {}, sampling: {} });
    // The backend asks whatever it was told at its initialize (a shared process); this request declared nothing.
    const bare = await modernClient();
    const started = Date.now();
    const error = await refusal(bare.callTool(invoke('test_elicitation', { message: 'who?' })));
    expect(error.code).toBe(-32021);
    expect(error.data).toMatchObject({ requiredCapabilities: { elicitation: {} } });
    expect(Date.now() - started).toBeLessThan(5_000);
    // The raw answer: HTTP 400 with the modern body, so that no client takes it for a legacy server.
    const response = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': V,
        'mcp-method': 'tools/call',
        'mcp-name': 'gateway_invoke',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: {
          ...invoke('test_sampling', { prompt: 'hi' }),
          _meta: {
            'io.modelcontextprotocol/protocolVersion': V,
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      id: 3,
      error: { code: -32021, data: { requiredCapabilities: { sampling: {} } } },
    });
    expect(client).toBeDefined();
  });

  it('is -32603 naming the missing bridge when the client declared it', async () => {
    const client = await modernClient({ elicitation: {}, sampling: {} });
    const error = await refusal(client.callTool(invoke('test_sampling', { prompt: 'hi' })));
    expect(error.code).toBe(-32603);
    expect(error.message).toMatch(/sampling\/createMessage.*input_required/);
    const elicited = await refusal(client.callTool(invoke('test_elicitation', { message: 'who?' })));
    expect(elicited.code).toBe(-32603);
  });

  it('leaves a call that asks nothing as it was', async () => {
    const client = await modernClient();
    expect(firstText(await client.callTool(invoke('test_simple_text')))).toBeTruthy();
    expect(gw.gateway.registry.callsInFlight).toBe(0);
  });
});
