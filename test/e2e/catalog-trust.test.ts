/**
 * A catalog an agent can trust, on real backends: a backend that comes up after the gateway is indexed without any
 * client touching it; a backend redefined under the same name between two runs on one state directory is indexed
 * again (and no secret of its definition is written); a warm backend stays running after discovery; /health and
 * gateway_list_servers say which backends are indexed, pending or failed, and whether the catalog is complete.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { DEFAULT_RESTART_POLICY } from '../../src/registry/backoff.js';
import {
  connectClient,
  endSession,
  firstText,
  REPO_ROOT,
  startGateway,
  type RunningGateway,
} from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { freePort, startToolServer, type ToolServer } from '../helpers/tool-server.js';

const EVERYTHING = resolve(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
/** Retries a few tens of ms apart, so that a backend coming up late is seen at once. */
const FAST = { policy: { ...DEFAULT_RESTART_POLICY, floorMs: 50, capMs: 200 } };

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 20_000);

async function gateway(
  yaml: string,
  options: Parameters<typeof startGateway>[1] = {},
): Promise<RunningGateway> {
  const gw = await startGateway(yaml, { discover: true, supervision: FAST, ...options });
  cleanups.push(() => gw.close());
  return gw;
}

async function server(tools: Array<{ name: string; description: string }>, port = 0): Promise<ToolServer> {
  const s = await startToolServer(tools, port);
  cleanups.push(() => s.close());
  return s;
}

async function meta(gw: RunningGateway): Promise<Client> {
  const { client } = await connectClient(`${gw.url}/mcp`);
  cleanups.push(() => endSession(client));
  return client;
}

async function callJson(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return JSON.parse(firstText(result)) as Record<string, unknown> & {
    servers?: Array<Record<string, unknown>>;
    results?: Array<{ server: string; tool: string }>;
  };
}

async function health(gw: RunningGateway) {
  const response = await fetch(`${gw.url}/health`);
  return (await response.json()) as {
    status: string;
    catalog_complete: boolean;
    backends: Record<string, { state: string; catalog: string; pid: number | null; tools_cached: number }>;
  };
}

describe('a backend that is down when the gateway starts', () => {
  it('is indexed once it comes up, without any client asking for it, and health tells meanwhile', async () => {
    const port = await freePort();
    const gw = await gateway(`
backends:
  late:
    http_url: http://127.0.0.1:${port}/mcp
    description: comes up after the gateway
`);
    await until(() => gw.gateway.catalog.indexState('late') === 'failed', 'a failed first read', 5_000);
    const before = await health(gw);
    expect(before.status).toBe('degraded');
    expect(before.catalog_complete).toBe(false);
    expect(before.backends.late!.catalog).toBe('failed');
    const client = await meta(gw);
    const listed = await callJson(client, 'gateway_list_servers');
    expect(listed.catalog_complete).toBe(false);
    expect(listed.servers).toEqual([
      expect.objectContaining({ name: 'late', indexed: false, catalog: 'failed' }),
    ]);

    await server([{ name: 'brew_coffee', description: 'Brews a cup of coffee' }], port);
    await until(() => gw.gateway.catalog.isIndexed('late'), 'the late backend indexed', 5_000);
    const after = await callJson(client, 'gateway_list_servers');
    expect(after.catalog_complete).toBe(true);
    expect(after.servers).toEqual([
      expect.objectContaining({ name: 'late', indexed: true, catalog: 'indexed' }),
    ]);
    const found = await callJson(client, 'gateway_search_tools', { query: 'brew coffee' });
    expect(found.results?.[0]).toMatchObject({ server: 'late', tool: 'brew_coffee' });
    const healthy = await health(gw);
    expect(healthy).toMatchObject({ status: 'healthy', catalog_complete: true });
    expect(healthy.backends.late!.catalog).toBe('indexed');
  }, 20_000);

  it('stops retrying when the gateway closes', async () => {
    const port = await freePort();
    const gw = await gateway(`
backends:
  never:
    http_url: http://127.0.0.1:${port}/mcp
`);
    await until(() => gw.gateway.catalog.indexState('never') === 'failed', 'a failed first read', 5_000);
    await gw.close();
    // Nothing is dialled after the close: a server that comes up now is never asked.
    const s = await server([{ name: 'x', description: 'x' }], port);
    await sleep(600);
    expect(s.requests).toBe(0);
  }, 20_000);
});

describe('a backend redefined between two runs on one state directory', () => {
  it('is indexed again: search offers the new tools, not the old ones, and no secret is written', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'gw-fingerprint-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const old = await server([
      { name: 'old_forecast', description: 'Weather forecast from the old service' },
    ]);
    const next = await server([
      { name: 'new_forecast', description: 'Weather forecast from the new service' },
    ]);
    const secret = 'Bearer s3cr3t-token-value';
    const yaml = (url: string) => `
backends:
  weather:
    http_url: ${url}
    headers:
      Authorization: ${secret}
`;
    const first = await gateway(yaml(old.url), { stateDir });
    await until(() => first.gateway.catalog.isIndexed('weather'), 'the first run indexed', 5_000);
    await first.close();
    const file = readFileSync(join(stateDir, 'catalog.json'), 'utf8');
    expect(file).toContain('old_forecast');
    expect(file).not.toContain('s3cr3t');

    // The same definition again: the entry is kept as it is (nothing re-read at start).
    const same = await gateway(yaml(old.url), { stateDir, discover: false });
    expect(same.gateway.catalog.currentTools('weather')?.map((t) => t.name)).toEqual(['old_forecast']);
    await same.close();

    const second = await gateway(yaml(next.url), { stateDir });
    const client = await meta(second);
    await until(() => second.gateway.catalog.isIndexed('weather'), 'the second run indexed', 5_000);
    const found = await callJson(client, 'gateway_search_tools', { query: 'weather forecast', limit: 10 });
    expect(found.results?.map((r) => r.tool)).toEqual(['new_forecast']);
  }, 20_000);
});

describe('a warm stdio backend on a fresh state directory', () => {
  it('stays running after discovery has read its tools', async () => {
    const gw = await gateway(`
backends:
  everything:
    command: ${process.execPath} ${EVERYTHING} stdio
    warm: true
`);
    await until(() => gw.gateway.catalog.isIndexed('everything'), 'the warm backend indexed', 15_000);
    await sleep(300);
    const status = (await health(gw)).backends.everything!;
    expect(status.state).toBe('running');
    expect(status.catalog).toBe('indexed');
    expect(status.pid).toBeTypeOf('number');
  }, 30_000);
});
