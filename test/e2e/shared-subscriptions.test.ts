/**
 * Resource subscriptions on a shared stdio backend: the backend keeps one subscription per URI for its single
 * connection, so the gateway counts subscribers: updates reach only the sessions that subscribed, and the backend
 * is unsubscribed when the last subscriber unsubscribes or leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';

let gw: RunningGateway;

beforeAll(async () => {
  gw = await startGateway(`
backends:
  resources:
    command: node dist/test/fixtures/resource-server.js
`);
});
afterAll(() => gw?.close());

interface Subscriber {
  client: Client;
  transport: StreamableHTTPClientTransport;
  updates: string[];
}

async function subscriber(): Promise<Subscriber> {
  const { client, transport } = await connectClient(`${gw.url}/mcp/resources`);
  const updates: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
  return { client, transport, updates };
}

async function backendSubscriptions(via: Client): Promise<string[]> {
  return JSON.parse(firstText(await via.callTool({ name: 'subscriptions', arguments: {} }))) as string[];
}

/** Touches a resource through `via` and waits until everyone expected has seen the update. */
async function touch(via: Client, uri: string, expected: Subscriber[]): Promise<void> {
  const before = expected.map((s) => s.updates.length);
  await via.callTool({ name: 'touch', arguments: { uri } });
  const deadline = Date.now() + 5_000;
  while (expected.some((s, i) => s.updates.length === before[i])) {
    if (Date.now() > deadline) throw new Error('update not delivered');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('resource subscriptions on a shared backend', () => {
  it('counts subscribers per URI and routes updates to subscribers only', async () => {
    const [a, b, bystander] = [await subscriber(), await subscriber(), await subscriber()];
    await a.client.subscribeResource({ uri: 'test://r1' });
    await b.client.subscribeResource({ uri: 'test://r1' });
    expect(await backendSubscriptions(a.client)).toEqual(['test://r1']);

    await touch(bystander.client, 'test://r1', [a, b]);
    expect(a.updates).toEqual(['test://r1']);
    expect(b.updates).toEqual(['test://r1']);

    // A leaves the subscription; B still holds it, so the backend must still be subscribed.
    await a.client.unsubscribeResource({ uri: 'test://r1' });
    expect(await backendSubscriptions(a.client)).toEqual(['test://r1']);
    await touch(bystander.client, 'test://r1', [b]);
    expect(b.updates).toEqual(['test://r1', 'test://r1']);

    // B's session ends without unsubscribing: the last subscriber is gone, so the backend is unsubscribed.
    await b.transport.terminateSession();
    const deadline = Date.now() + 5_000;
    while ((await backendSubscriptions(a.client)).length > 0) {
      if (Date.now() > deadline) throw new Error('backend still subscribed after the last subscriber left');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(a.updates).toEqual(['test://r1']);
    expect(bystander.updates).toEqual([]);
    await Promise.all([a.client.close(), b.client.close(), bystander.client.close()]);
  });
});
