/**
 * `subscriptions/listen` for 2026-07-28 clients on /mcp and /mcp/flat, with the SDK v2 client's own listen(): the
 * stream is acknowledged with the honoured filter, announces `notifications/tools/list_changed` when a backend is
 * added (once indexed) or removed, is bounded by max_sessions (counted apart from the sessions), and is ended
 * gracefully when the gateway shuts down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client as ModernClient, type McpSubscription } from '@modelcontextprotocol/client';
import { connectModernClient } from '../helpers/modern-client.js';
import { connectClient, endSession, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const yaml = (extra = '') => `
${extra}
admin:
  token: listen-test-admin-token
  allow_stdio: true
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
    description: Offline utilities - time, arithmetic, echo
`;
const gateways: RunningGateway[] = [];
const modern: ModernClient[] = [];

async function gateway(extra = ''): Promise<RunningGateway> {
  const gw = await startGateway(yaml(extra), { discover: true });
  gateways.push(gw);
  await until(() => gw.gateway.catalog.isIndexed('toolbox'), 'discovery', 15_000);
  return gw;
}

async function modernClient(url: string): Promise<{ client: ModernClient; changes: () => number }> {
  let changes = 0;
  const client = await connectModernClient(url, {
    name: 'modern-listen-test',
    setup: (c) =>
      c.setNotificationHandler('notifications/tools/list_changed', () => {
        changes++;
      }),
  });
  modern.push(client);
  return { client, changes: () => changes };
}

let gw: RunningGateway;

beforeAll(async () => {
  gw = await gateway();
});

afterAll(async () => {
  await Promise.allSettled(modern.map((c) => c.close()));
  for (const g of gateways) await g.close().catch(() => undefined);
});

describe('subscriptions/listen on /mcp/flat', () => {
  it('announces a backend added and one removed, and the list follows', async () => {
    const { client, changes } = await modernClient(`${gw.url}/mcp/flat`);
    const discover = await client.discover();
    expect(discover.capabilities.tools?.listChanged).toBe(true);
    const subscription = await client.listen({ toolsListChanged: true, promptsListChanged: true });
    expect(subscription.honoredFilter).toEqual({ toolsListChanged: true });
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('nonce__add');

    const added = await gw.gateway.runtime.register({
      name: 'nonce',
      command: 'node dist/test/fixtures/echo-nonce-server.js',
    });
    expect(added.ok).toBe(true);
    await until(() => changes() >= 1, 'list_changed after the backend was indexed', 15_000);
    const names = (await client.listTools({}, { cacheMode: 'refresh' })).tools.map((t) => t.name);
    expect(names.some((n) => n.startsWith('nonce__'))).toBe(true);

    expect((await gw.gateway.runtime.unregister('nonce')).ok).toBe(true);
    await until(() => changes() >= 2, 'list_changed after the backend was removed', 5_000);
    const after = (await client.listTools({}, { cacheMode: 'refresh' })).tools.map((t) => t.name);
    expect(after.some((n) => n.startsWith('nonce__'))).toBe(false);
    await subscription.close();
    expect(await subscription.closed).toBe('local');
    await until(() => gw.gateway.listens.count === 0, 'the stream closed at the gateway');
  });

  it('acknowledges a filter with nothing the gateway announces, then ends the stream gracefully', async () => {
    const { client } = await modernClient(`${gw.url}/mcp`);
    const subscription = await client.listen({ promptsListChanged: true });
    expect(subscription.honoredFilter).toEqual({});
    expect(await subscription.closed).toBe('graceful');
  });
});

describe('subscriptions/listen on /mcp', () => {
  it('announces a change of the catalog behind the meta-tools, and nothing when a re-read finds the same tools', async () => {
    const { client, changes } = await modernClient(`${gw.url}/mcp`);
    const subscription: McpSubscription = await client.listen({ toolsListChanged: true });
    // The same tools read again: no change to announce.
    const same = gw.gateway.catalog.get('toolbox')!.tools.map((t) => t.tool);
    gw.gateway.catalog.set('toolbox', same);
    expect((await gw.gateway.runtime.setEnabled('toolbox', false)).ok).toBe(true);
    await until(() => changes() === 1, 'list_changed after toolbox was disabled', 15_000);
    expect((await gw.gateway.runtime.setEnabled('toolbox', true)).ok).toBe(true);
    await until(() => changes() === 2, 'list_changed after toolbox was enabled again', 15_000);
    await subscription.close();
  });
});

describe('bounds and shutdown', () => {
  it('counts listen streams apart from sessions, up to max_sessions, and ends them gracefully at shutdown', async () => {
    const capped = await gateway('max_sessions: 1');
    const { client: legacy } = await connectClient(`${capped.url}/mcp`);
    const { client } = await modernClient(`${capped.url}/mcp`);
    const first = await client.listen({ toolsListChanged: true });
    expect(capped.gateway.listens.count).toBe(1);
    await expect(client.listen({ toolsListChanged: true })).rejects.toThrow(/Subscription limit/);
    await endSession(legacy);
    await capped.close();
    expect(await first.closed).toBe('graceful');
  });
});
