/**
 * The optional semantic ranking (`search.embeddings`) against an embeddings endpoint written in the test: it finds a
 * tool in other words than the tool's own, each tool is embedded once per definition and kept in the state
 * directory, and when the endpoint is down or slow, search answers with the lexical ranking and a warning, never an
 * error.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { createEmbeddingsClient } from '../../src/catalog/embeddings-client.js';
import { SemanticSearch } from '../../src/catalog/semantic-search.js';
import { ToolVectors } from '../../src/catalog/tool-vectors.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import {
  connectClient,
  endSession,
  firstText,
  startGateway,
  type RunningGateway,
} from '../helpers/gateway.js';
import { startEmbeddingsServer, type EmbeddingsServer } from '../helpers/embeddings-server.js';
import { until } from '../helpers/processes.js';
import { startToolServer } from '../helpers/tool-server.js';

/** The words a user may say for the tool's own: only the semantic ranking knows them. */
const SYNONYMS = { quuxify: 'frobnicate', gadget: 'widget', gizmo: 'widget' };
const TOOLS = [
  { name: 'frobnicate_widget', description: 'Frobnicates a widget in place' },
  { name: 'list_widgets', description: 'Lists every widget of the workshop' },
  { name: 'brew_coffee', description: 'Brews a cup of coffee' },
];

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  // A step may have been taken by the test already (a gateway closed mid-test): the rest still run.
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
}, 20_000);

async function embeddings(): Promise<EmbeddingsServer> {
  const server = await startEmbeddingsServer(SYNONYMS);
  cleanups.push(() => server.close());
  return server;
}

async function search(client: Client, query: string) {
  const result = (await client.callTool({
    name: 'gateway_search_tools',
    arguments: { query },
  })) as CallToolResult;
  expect(result.isError).not.toBe(true);
  return JSON.parse(firstText(result)) as {
    results: Array<{ tool: string }>;
    warning?: string;
    hint?: string;
  };
}

describe('search.embeddings through the gateway', () => {
  it('finds tools in other words, embeds each tool once across restarts, and falls back when the endpoint goes', async () => {
    const endpoint = await embeddings();
    const backend = await startToolServer(TOOLS);
    cleanups.push(() => backend.close());
    const stateDir = mkdtempSync(join(tmpdir(), 'gw-embeddings-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const yaml = `
search:
  embeddings:
    url: ${endpoint.url}
    model: bag-of-words
    api_key: \${EMBEDDINGS_KEY}
backends:
  workshop:
    http_url: ${backend.url}
`;
    const env = { ...process.env, EMBEDDINGS_KEY: 'sk-test-embeddings-key' };
    const run = async (): Promise<{ gw: RunningGateway; client: Client }> => {
      const gw = await startGateway(yaml, { env, discover: true, stateDir });
      cleanups.push(() => gw.close());
      const { client } = await connectClient(`${gw.url}/mcp`);
      cleanups.push(() => endSession(client));
      await until(() => gw.gateway.catalog.isIndexed('workshop'), 'the backend indexed', 10_000);
      return { gw, client };
    };

    const first = await run();
    await until(
      () => TOOLS.every((t) => endpoint.inputs.some((i) => i.startsWith(t.name.replace('_', ' ')))),
      'every tool embedded',
      10_000,
    );
    const found = await search(first.client, 'quuxify the gadget');
    expect(found.warning).toBeUndefined();
    expect(found.results[0]?.tool).toBe('frobnicate_widget');
    expect(endpoint.authorizations.every((a) => a === 'Bearer sk-test-embeddings-key')).toBe(true);
    // Lexical and semantic agree: the plain words still find the tool first.
    expect((await search(first.client, 'frobnicate widget')).results[0]?.tool).toBe('frobnicate_widget');
    await first.gw.close();
    expect(existsSync(join(stateDir, 'tool-vectors.json'))).toBe(true);

    // A second run on the same state directory embeds queries only: the tools' vectors were kept.
    const embeddedBefore = endpoint.inputs.length;
    const second = await run();
    expect((await search(second.client, 'quuxify gizmo')).results[0]?.tool).toBe('frobnicate_widget');
    expect(endpoint.inputs.slice(embeddedBefore)).toEqual(['quuxify gizmo']);

    // The endpoint goes away: lexical results and a warning, not an error.
    await endpoint.close();
    const fallback = await search(second.client, 'list widgets');
    expect(fallback.results[0]?.tool).toBe('list_widgets');
    expect(fallback.warning).toMatch(/semantic ranking unavailable/);
    const nothing = await search(second.client, 'quuxify gadget');
    expect(nothing.results).toEqual([]);
    expect(nothing.warning).toMatch(/semantic ranking unavailable/);
  }, 30_000);
});

describe('SemanticSearch', () => {
  const tool = (name: string, description: string): Tool => ({
    name,
    description,
    inputSchema: { type: 'object' },
  });

  async function setUp(endpoint: EmbeddingsServer, cooldownMs = 0) {
    const catalog = new Catalog(undefined, new Map([['workshop', 'tools of the workshop']]));
    catalog.set(
      'workshop',
      TOOLS.map((t) => tool(t.name, t.description)),
    );
    const semantic = new SemanticSearch({
      catalog,
      embedder: createEmbeddingsClient({
        url: `${endpoint.url}/embeddings`,
        model: 'bag-of-words',
        api_key: undefined,
      }),
      vectors: new ToolVectors(undefined, 'bag-of-words'),
      log: silentLogger(),
      queryTimeoutMs: 200,
      cooldownMs,
    });
    semantic.start();
    await semantic.fill();
    return semantic;
  }

  it('answers lexically, with a warning, when the endpoint is slower than its timeout', async () => {
    const endpoint = await embeddings();
    const semantic = await setUp(endpoint);
    endpoint.delayMs = 1_000;
    const started = Date.now();
    const answer = await semantic.search('list widgets', {});
    expect(Date.now() - started).toBeLessThan(900);
    expect(answer.warning).toMatch(/did not answer within 200 ms/);
    expect(answer.result.ok && answer.result.hits[0]?.tool).toBe('list_widgets');
    endpoint.delayMs = 0;
    const back = await semantic.search('quuxify gadget', {});
    expect(back.warning).toBeUndefined();
    expect(back.result.ok && back.result.hits[0]?.tool).toBe('frobnicate_widget');
  });

  it('leaves a failed endpoint alone for its cool-down: searches answer at once', async () => {
    const endpoint = await embeddings();
    const semantic = await setUp(endpoint, 60_000);
    endpoint.delayMs = 1_000;
    await semantic.search('list widgets', {});
    const asked = endpoint.inputs.length;
    const answer = await semantic.search('brew coffee', {});
    expect(answer.warning).toMatch(/semantic ranking unavailable/);
    expect(answer.result.ok && answer.result.hits[0]?.tool).toBe('brew_coffee');
    expect(endpoint.inputs.length).toBe(asked);
  });

  it('keeps a tool that only the semantic ranking finds, and "nothing matched" for an unrelated query', async () => {
    const endpoint = await embeddings();
    const semantic = await setUp(endpoint);
    const unrelated = await semantic.search('zzzz', {});
    expect(unrelated.result.ok && unrelated.result.hits).toEqual([]);
    // No tool says "gizmo": the lexical ranking finds nothing, the semantic one the tools about widgets.
    const other = await semantic.search('gizmo', { server: 'workshop', limit: 2 });
    expect(other.result.ok && other.result.hits.map((h) => h.tool)).toEqual([
      'frobnicate_widget',
      'list_widgets',
    ]);
  });
});

describe('the search.embeddings key', () => {
  it('reads the api key from the environment and treats it as a secret', () => {
    const { config, secrets, redacted } = parseConfig(
      `
search:
  embeddings:
    url: http://127.0.0.1:1/v1/embeddings
    model: m
    api_key: \${KEY}
`,
      { path: '/tmp/servers.yaml', env: { KEY: 'sk-very-secret-value' } },
    );
    expect(config.search?.embeddings).toEqual({
      url: 'http://127.0.0.1:1/v1/embeddings',
      model: 'm',
      api_key: 'sk-very-secret-value',
    });
    expect(secrets).toContain('sk-very-secret-value');
    expect(JSON.stringify(redacted)).not.toContain('sk-very-secret-value');
  });

  it('is off when absent', () => {
    const { config } = parseConfig('backends: {}\n', { path: '/tmp/servers.yaml', env: {} });
    expect(config.search?.embeddings).toBeUndefined();
  });
});
