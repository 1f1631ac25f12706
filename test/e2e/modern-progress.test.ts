/**
 * Progress and cancellation of a 2026-07-28 client's tools/call on /mcp and /mcp/flat: a call that carries a progress
 * token is answered as an event stream of its progress then its result; closing that stream (or the JSON response
 * of a call without one) cancels the call at the backend, which sees `notifications/cancelled`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client as ModernClient } from '@modelcontextprotocol/client';
import { connectModernClient } from '../helpers/modern-client.js';
import { firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const V = '2026-07-28';
const yaml = `
backends:
  nonce:
    command: node dist/test/fixtures/echo-nonce-server.js
    description: Echoes nonces, with progress, slowly
`;
let gw: RunningGateway;
const modern: ModernClient[] = [];

async function modernClient(url: string): Promise<ModernClient> {
  const client = await connectModernClient(url, { name: 'modern-progress-test' });
  modern.push(client);
  return client;
}

const invoke = (tool: string, args: Record<string, unknown>) => ({
  name: 'gateway_invoke',
  arguments: { server: 'nonce', tool, arguments: args },
});

async function cancelledNonces(client: ModernClient): Promise<string[]> {
  return JSON.parse(firstText(await client.callTool(invoke('cancelled_nonces', {})))) as string[];
}

beforeAll(async () => {
  gw = await startGateway(yaml, { discover: true });
  await until(() => gw.gateway.catalog.isIndexed('nonce'), 'discovery', 15_000);
});

afterAll(async () => {
  await Promise.allSettled(modern.map((c) => c.close()));
  await gw.close();
});

describe('progress', () => {
  it('streams the backend progress of gateway_invoke, then the result', async () => {
    const client = await modernClient(`${gw.url}/mcp`);
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    const result = await client.callTool(invoke('progress_nonce', { nonce: 'p1', steps: 3 }), {
      onprogress: (p) => seen.push(p),
    });
    expect(firstText(result)).toBe('p1');
    expect(seen.map((p) => p.message)).toEqual(['p1#1', 'p1#2', 'p1#3']);
    expect(seen.at(-1)).toMatchObject({ progress: 3, total: 3 });
  });

  it('streams progress on the flat surface, and answers in JSON when no token is given', async () => {
    const client = await modernClient(`${gw.url}/mcp/flat`);
    const seen: number[] = [];
    const result = await client.callTool(
      { name: 'nonce__progress_nonce', arguments: { nonce: 'f1', steps: 2 } },
      { onprogress: (p) => seen.push(p.progress) },
    );
    expect(firstText(result)).toBe('f1');
    expect(seen).toEqual([1, 2]);

    const body = (token?: string) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'nonce__progress_nonce',
          arguments: { nonce: 'raw', steps: 2 },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': V,
            'io.modelcontextprotocol/clientCapabilities': {},
            ...(token !== undefined ? { progressToken: token } : {}),
          },
        },
      });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': V,
      'mcp-method': 'tools/call',
      'mcp-name': 'nonce__progress_nonce',
    };
    const streamed = await fetch(`${gw.url}/mcp/flat`, { method: 'POST', headers, body: body('t') });
    expect(streamed.headers.get('content-type')).toBe('text/event-stream');
    const events = (await streamed.text()).split('\n\n').filter((e) => e.startsWith('event: message'));
    expect(events).toHaveLength(3);
    expect(events[0]).toContain('"method":"notifications/progress"');
    expect(events[0]).toContain('"progressToken":"t"');
    expect(events[2]).toContain('"resultType":"complete"');
    const plain = await fetch(`${gw.url}/mcp/flat`, { method: 'POST', headers, body: body() });
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('cancellation', () => {
  it('cancels the call at the backend when the client closes the progress stream', async () => {
    const client = await modernClient(`${gw.url}/mcp`);
    const abort = new AbortController();
    const call = client.callTool(invoke('slow_nonce', { nonce: 'c-stream' }), {
      onprogress: () => undefined,
      signal: abort.signal,
    });
    await until(() => gw.gateway.registry.callsInFlight > 0, 'the call reached the backend');
    abort.abort();
    await expect(call).rejects.toThrow();
    await until(
      async () => (await cancelledNonces(client)).includes('c-stream'),
      'the backend saw the cancellation',
      5_000,
    );
  });

  it('cancels a call answered in JSON when the client goes away', async () => {
    const client = await modernClient(`${gw.url}/mcp`);
    const abort = new AbortController();
    const call = client.callTool(invoke('slow_nonce', { nonce: 'c-json' }), { signal: abort.signal });
    await until(() => gw.gateway.registry.callsInFlight > 0, 'the call reached the backend');
    abort.abort();
    await expect(call).rejects.toThrow();
    await until(
      async () => (await cancelledNonces(client)).includes('c-json'),
      'the backend saw the cancellation',
      5_000,
    );
    await until(() => gw.gateway.registry.callsInFlight === 0, 'no call left in flight');
  });
});
