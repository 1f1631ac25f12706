/**
 * A real scrape, after traffic on both endpoints, passes `promtool check metrics` (Prometheus's own linter: names,
 * units, suffixes, help text), and examples/prometheus.yml passes `promtool check config`. promtool comes with
 * Debian's `prometheus` package; .ci/run installs it. Without it these tests are skipped locally and fail in CI.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { REPO_ROOT, connectClient, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { SKIP_WITHOUT_PROMTOOL, requirePromtool } from '../helpers/promtool.js';
import { scrape } from '../helpers/scrape.js';

let gw: RunningGateway;
const clients: Client[] = [];

beforeAll(async () => {
  gw = await startGateway(`
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
  idle:
    command: node dist/examples/backends/toolbox.js
`);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.close();
});

describe.skipIf(SKIP_WITHOUT_PROMTOOL)('promtool', () => {
  it('passes `promtool check metrics` on a scrape after traffic', async () => {
    requirePromtool();
    const passthrough = (await connectClient(`${gw.url}/mcp/toolbox`)).client;
    const meta = (await connectClient(`${gw.url}/mcp`)).client;
    clients.push(passthrough, meta);
    await until(() => gw.gateway.catalog.isIndexed('toolbox'), 'the toolbox catalog');
    await passthrough.callTool({ name: 'echo', arguments: { message: 'x' } });
    await passthrough.callTool({ name: 'not_a_tool', arguments: {} }).catch(() => {});
    await meta.callTool({ name: 'gateway_search_tools', arguments: { query: 'nothing-like-this' } });
    await meta.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'y' } },
    });
    await fetch(`${gw.url}/mcp/unknown`, { method: 'POST' });

    const { text, families } = await scrape(gw.url);
    // The scrape is about everything: gateway families with samples, and the process metrics.
    expect(families.get('mcp_gateway_request_duration_seconds')).toBe('histogram');
    expect(families.has('process_resident_memory_bytes')).toBe(true);
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it('passes `promtool check config` on examples/prometheus.yml', () => {
    requirePromtool();
    const result = spawnSync('promtool', ['check', 'config', resolve(REPO_ROOT, 'examples/prometheus.yml')], {
      encoding: 'utf8',
    });
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });
});
