/**
 * tools/list on /mcp/<backend> for a shared backend comes from the catalog, but never a stale one: a client that
 * lists the moment it hears tools/list_changed gets the new list, and a backend whose list depends on its client
 * (a connection per client session) is always asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { scrape } from '../helpers/scrape.js';

let gw: RunningGateway;

beforeAll(async () => {
  gw = await startGateway(`
backends:
  fixture:
    command: node dist/test/fixtures/conformance-server.js stdio
`);
});
afterAll(() => gw?.close());

const fromCatalog = async () =>
  (await scrape(gw.url)).value('mcp_gateway_catalog_tool_lists_total', { backend: 'fixture' });

describe('tools/list on /mcp/<backend> from the catalog', () => {
  it('answers from the catalog once it knows the list, and follows list_changed without a stale answer', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/fixture`);
    try {
      await until(() => gw.gateway.catalog.isIndexed('fixture'), 'the fixture to be indexed');
      const before = await fromCatalog();
      const names = async () => (await client.listTools()).tools.map((t) => t.name);
      const listed = await names();
      expect(listed).toContain('test_simple_text');
      expect(listed).not.toContain('test_dynamic_tool_added');
      expect(await fromCatalog()).toBe(before + 1);

      // Lists the moment the notification arrives, before the gateway has read the new list.
      let afterChange: Promise<string[]> | undefined;
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        afterChange ??= names();
      });
      await client.callTool({ name: 'test_dynamic_tool', arguments: {} });
      await until(() => afterChange !== undefined, 'tools/list_changed at the client');
      expect(await afterChange).toContain('test_dynamic_tool_added');

      // Once read again, the catalog answers, with the new list.
      await until(
        () => gw.gateway.catalog.find('fixture', 'test_dynamic_tool_added') !== undefined,
        'the new tool in the catalog',
      );
      const counted = await fromCatalog();
      expect(await names()).toContain('test_dynamic_tool_added');
      expect(await fromCatalog()).toBe(counted + 1);
    } finally {
      await client.close();
    }
  });
});
