/**
 * tools/list on /mcp/<backend> answered by the gateway, never stale: from the catalog for a shared backend, from the
 * session's own last answer for a backend with a connection per session (its list may depend on the client); a
 * client that lists the moment it hears tools/list_changed gets the new list either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startListening, until, type ListeningChild } from '../helpers/processes.js';
import { scrape } from '../helpers/scrape.js';

const FIXTURE = 'dist/test/fixtures/conformance-server.js';
let gw: RunningGateway;
let http: ListeningChild;

beforeAll(async () => {
  http = await startListening(FIXTURE, ['http', '--port', '0']);
  gw = await startGateway(`
backends:
  fixture:
    command: node ${FIXTURE} stdio
  fixture-http:
    http_url: ${http.url}
`);
});
afterAll(async () => {
  await gw?.close();
  await http?.stop();
});

const cached = async (backend: string) =>
  (await scrape(gw.url)).value('mcp_gateway_cached_tool_lists_total', { backend });
const fromCatalog = () => cached('fixture');

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

  it("keeps a per-session backend's answer for that session only, and drops it on list_changed", async () => {
    const a = await connectClient(`${gw.url}/mcp/fixture-http`);
    const b = await connectClient(`${gw.url}/mcp/fixture-http`);
    try {
      const names = async (c: typeof a) => (await c.client.listTools()).tools.map((t) => t.name);
      const before = await cached('fixture-http');
      expect(await names(a)).not.toContain('test_dynamic_tool_added'); // asked
      expect(await names(a)).not.toContain('test_dynamic_tool_added'); // from a's cache
      expect(await names(b)).not.toContain('test_dynamic_tool_added'); // b asks for its own
      expect(await cached('fixture-http')).toBe(before + 1);

      let afterChange: Promise<string[]> | undefined;
      a.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        afterChange ??= names(a);
      });
      await a.client.callTool({ name: 'test_dynamic_tool', arguments: {} });
      await until(() => afterChange !== undefined, 'tools/list_changed at the client');
      expect(await afterChange).toContain('test_dynamic_tool_added');
      expect(await cached('fixture-http')).toBe(before + 1); // asked again, not served stale
      expect(await names(a)).toContain('test_dynamic_tool_added');
      expect(await cached('fixture-http')).toBe(before + 2);
    } finally {
      await Promise.all([a.client.close(), b.client.close()]);
    }
  });
});
