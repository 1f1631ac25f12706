/**
 * The catalog of a remote backend is read with one fixed capability set, whatever the clients advertise. The reference
 * server-everything lists more tools to a client that can answer sampling, elicitation and roots; a client session
 * without them must not shrink the catalog (search would then miss tools), and one with them must not grow it: every
 * read of the same backend gives the same list, the one a SHARED_CLIENT_CAPABILITIES client gets straight from it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { SHARED_CLIENT_CAPABILITIES } from '../../src/registry/supervisor.js';
import {
  connectClient,
  endSession,
  REPO_ROOT,
  startGateway,
  type RunningGateway,
} from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { freePort } from '../helpers/tool-server.js';

const ENTRY = resolve(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const children: ChildProcess[] = [];
let gw: RunningGateway;
const urls: Record<'http' | 'sse', string> = { http: '', sse: '' };

beforeAll(async () => {
  const [httpPort, ssePort] = [await freePort(), await freePort()];
  urls.http = `http://127.0.0.1:${httpPort}/mcp`;
  urls.sse = `http://127.0.0.1:${ssePort}/sse`;
  for (const [mode, port] of [
    ['streamableHttp', httpPort],
    ['sse', ssePort],
  ] as const) {
    children.push(
      spawn(process.execPath, [ENTRY, mode], {
        env: { ...process.env, PORT: String(port) },
        stdio: ['ignore', 'ignore', 'ignore'],
      }),
    );
  }
  // Discovery off: the catalog is filled only by what the client sessions below cause.
  gw = await startGateway(`
backends:
  everything-http:
    http_url: ${urls.http}
  everything-sse:
    http_url: ${urls.sse}
`);
  await Promise.all([reachable('http'), reachable('sse')]);
}, 20_000);

afterAll(async () => {
  await gw?.close();
  for (const child of children) {
    if (child.pid === undefined || child.exitCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, sleep(2_000).then(() => child.pid && process.kill(child.pid, 'SIGKILL'))]);
  }
}, 20_000);

describe.each(['http', 'sse'] as const)('server-everything over %s', (mode) => {
  const backend = `everything-${mode}`;

  it('is indexed with the full tool list whatever the capabilities of the session that connected', async () => {
    const full = await directToolNames(mode, SHARED_CLIENT_CAPABILITIES);
    const bare = await directToolNames(mode, {});
    // The premise: this backend lists tools by its client's capabilities.
    expect(bare.length).toBeLessThan(full.length);

    // A session with no capabilities connects first: it sees its shorter list, the catalog the full one.
    const { client } = await connectClient(`${gw.url}/mcp/${backend}`, {});
    const seen = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(seen).toEqual(bare);
    await until(() => gw.gateway.catalog.isIndexed(backend), 'the catalog read', 10_000);
    expect(catalogNames(backend)).toEqual(full);

    // Read again after a session with every capability, and after one with none: the same list each time.
    const rich = await connectClient(`${gw.url}/mcp/${backend}`, SHARED_CLIENT_CAPABILITIES);
    await rich.client.listTools();
    for (const capabilities of [SHARED_CLIENT_CAPABILITIES, {}]) {
      const { client: again } = await connectClient(`${gw.url}/mcp/${backend}`, capabilities);
      const at = gw.gateway.catalog.get(backend)!.indexed_at;
      await sleep(5);
      // Makes the entry old enough to be read again on the next connection.
      gw.gateway.catalog.get(backend)!.indexed_at = new Date(0).toISOString();
      const { client: trigger } = await connectClient(`${gw.url}/mcp/${backend}`, capabilities);
      await until(
        () => gw.gateway.catalog.get(backend)!.indexed_at !== new Date(0).toISOString(),
        'a re-read',
        10_000,
      );
      expect(gw.gateway.catalog.get(backend)!.indexed_at).not.toBe(at);
      expect(catalogNames(backend)).toEqual(full);
      await endSession(trigger);
      await endSession(again);
    }
    await endSession(rich.client);
    await endSession(client);

    // What search offers, a client with those capabilities can call.
    const { client: searcher } = await connectClient(`${gw.url}/mcp`, SHARED_CLIENT_CAPABILITIES);
    const found = await searcher.callTool({
      name: 'gateway_search_tools',
      arguments: { query: 'sampling request', server: backend },
    });
    expect(JSON.stringify(found)).toContain('trigger-sampling-request');
    await endSession(searcher);
  }, 40_000);
});

function catalogNames(backend: string): string[] {
  return (gw.gateway.catalog.currentTools(backend) ?? []).map((t) => t.name).sort();
}

async function directToolNames(mode: 'http' | 'sse', capabilities: ClientCapabilities): Promise<string[]> {
  const client = new Client({ name: 'direct', version: '1.0.0' }, { capabilities });
  const url = new URL(urls[mode]);
  await client.connect(
    mode === 'http' ? new StreamableHTTPClientTransport(url) : new SSEClientTransport(url),
  );
  try {
    return (await client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await client.close();
  }
}

async function reachable(mode: 'http' | 'sse'): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await directToolNames(mode, {});
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}
