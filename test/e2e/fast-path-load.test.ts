/**
 * The fast path's bookkeeping under a bounded load on 127.0.0.1: 300 calls, 30 at a time, from ten clients on both
 * endpoints, a third of them cancelled soon after they are sent. Every call ends (answered or cancelled), nothing
 * stays in flight (a cancellation may overtake its request on another connection: that request is then never
 * started), and what reaches the backend is each cancelled call's cancellation, at most once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const CALLS = 300;
const CONCURRENCY = 30;

let gw: RunningGateway;
const clients: Array<{ client: Client; meta: boolean }> = [];

beforeAll(async () => {
  gw = await startGateway(`
backends:
  faulty:
    command: node dist/test/fixtures/faulty-server.js
`);
  for (let i = 0; i < 10; i++) {
    const meta = i % 2 === 0;
    const { client } = await connectClient(`${gw.url}${meta ? '/mcp' : '/mcp/faulty'}`);
    clients.push({ client, meta });
  }
});
afterAll(async () => {
  await Promise.allSettled(clients.map(({ client }) => client.close()));
  await gw?.close();
});

async function one(i: number): Promise<'ok' | 'cancelled'> {
  const { client, meta } = clients[i % clients.length]!;
  const hang = i % 3 === 0;
  const tool = hang ? 'hang' : 'echo';
  const args = hang ? { tag: `load-${i}` } : { message: `m${i}` };
  const params = meta
    ? { name: 'gateway_invoke', arguments: { server: 'faulty', tool, arguments: args } }
    : { name: tool, arguments: args };
  const controller = new AbortController();
  const request = client.request({ method: 'tools/call', params }, CallToolResultSchema, {
    signal: controller.signal,
  });
  if (!hang) {
    expect(firstText(await request)).toBe(`m${i}`);
    return 'ok';
  }
  // Cancelled once the backend is working on it, so that the cancellation has somewhere to go.
  await until(() => gw.gateway.registry.callsInFlight > 0, 'a call at the backend');
  controller.abort('load test');
  await expect(request).rejects.toThrow();
  return 'cancelled';
}

describe('the fast path under load', () => {
  it('ends every call, passes every cancellation on once, and leaves nothing in flight', async () => {
    const ended = { ok: 0, cancelled: 0 };
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CALLS) ended[await one(next++)]++;
      }),
    );
    expect(ended).toEqual({ ok: 200, cancelled: 100 });

    await until(() => gw.gateway.registry.callsInFlight === 0, 'no call in flight');
    const probe = clients.find((c) => !c.meta)!.client;
    const atBackend = JSON.parse(
      firstText(await probe.callTool({ name: 'cancellations', arguments: {} })),
    ) as string[];
    expect(new Set(atBackend).size).toBe(atBackend.length);
    expect(atBackend.every((tag) => /^load-\d+$/.test(tag) && Number(tag.slice(5)) % 3 === 0)).toBe(true);
    expect(atBackend.length).toBeGreaterThan(0);
    expect(atBackend.length).toBeLessThanOrEqual(100);
  });
});
