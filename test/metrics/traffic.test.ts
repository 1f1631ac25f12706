/**
 * Metrics and logs under real traffic: SDK clients call a stdio backend through /mcp/<backend> and through the
 * meta-tools at /mcp, then /metrics must show exactly what happened (counts, a histogram observation, bounded tool
 * labels, sessions, HTTP codes), every response must carry an x-request-id, and the log lines about the backend call
 * must carry it too, with no argument value in any line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createLogger } from '../../src/log.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { scrape } from '../helpers/scrape.js';

const SECRET_ARGUMENT = 'argument-value-that-must-not-be-logged';
const lines: string[] = [];
let gw: RunningGateway;
const clients: Client[] = [];

beforeAll(async () => {
  gw = await startGateway(
    `
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
  spare:
    command: node dist/examples/backends/toolbox.js
`,
    {
      log: createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } }),
    },
  );
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.close();
});

async function connect(path: string, requestId?: string) {
  const client = new Client({ name: 'metrics-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}${path}`), {
    ...(requestId ? { requestInit: { headers: { 'x-request-id': requestId } } } : {}),
  });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema);
}

function logged(): Array<Record<string, unknown>> {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

const PASS = { route: '/mcp/:backend', backend: 'toolbox' };

describe('metrics under traffic', () => {
  it('starts with every backend stopped and no traffic counted', async () => {
    const before = await scrape(gw.url);
    for (const backend of ['toolbox', 'spare']) {
      expect(before.value('mcp_gateway_backend_state', { backend, state: 'stopped' })).toBe(1);
      expect(before.value('mcp_gateway_backend_up', { backend })).toBe(0);
      expect(before.value('mcp_gateway_client_sessions', { endpoint: `/mcp/${backend}` })).toBe(0);
    }
    expect(before.value('mcp_gateway_requests_total')).toBe(0);
    expect(before.value('mcp_gateway_client_sessions', { endpoint: '/mcp' })).toBe(0);
    expect(before.value('mcp_gateway_build_info')).toBe(1);
    // The Node process metrics are on the gateway's own registry.
    expect(before.has('process_cpu_user_seconds_total')).toBe(true);
  });

  it('counts passthrough calls by method, tool and outcome, and times them', async () => {
    const { client, transport } = await connect('/mcp/toolbox', 'trace-passthrough-1');
    // Tool names become labels only once the catalog knows them (it reads them when the backend connects).
    await until(() => gw.gateway.catalog.isIndexed('toolbox'), 'the toolbox catalog');
    for (let i = 0; i < 3; i++) await call(client, 'echo', { message: SECRET_ARGUMENT });
    await client.listTools();
    const unknown = await call(client, 'no_such_tool', { x: 1 }).then(
      (r) => r,
      (e: unknown) => e,
    );
    expect(unknown).toBeDefined();

    const after = await scrape(gw.url);
    const calls = { ...PASS, method: 'tools/call' };
    expect(after.value('mcp_gateway_requests_total', { ...calls, outcome: 'ok' })).toBe(3);
    // The shared toolbox's list comes from the catalog: counted as cached, not as a request to the backend.
    expect(after.value('mcp_gateway_cached_tool_lists_total', { backend: 'toolbox' })).toBe(1);
    expect(after.value('mcp_gateway_requests_total', { ...PASS, method: 'tools/list', outcome: 'ok' })).toBe(
      0,
    );
    expect(after.value('mcp_gateway_requests_total', calls)).toBe(4);
    expect(
      after.value('mcp_gateway_tool_calls_total', { backend: 'toolbox', tool: 'echo', outcome: 'ok' }),
    ).toBe(3);
    // A name the catalog does not know is counted, but never becomes a label value of its own.
    expect(after.value('mcp_gateway_tool_calls_total', { backend: 'toolbox', tool: 'other' })).toBe(1);
    expect(after.text).not.toContain('no_such_tool');

    const histogram = { backend: 'toolbox', method: 'tools/call' };
    expect(after.value('mcp_gateway_request_duration_seconds_count', histogram)).toBe(4);
    expect(after.value('mcp_gateway_request_duration_seconds_bucket', { ...histogram, le: '+Inf' })).toBe(4);
    expect(after.value('mcp_gateway_request_duration_seconds_sum', histogram)).toBeGreaterThan(0);
    // The first call also waited for nothing slower than a local echo: it lands below 10 s.
    expect(after.value('mcp_gateway_request_duration_seconds_bucket', { ...histogram, le: '10' })).toBe(4);

    expect(after.value('mcp_gateway_backend_state', { backend: 'toolbox', state: 'running' })).toBe(1);
    expect(after.value('mcp_gateway_backend_state', { backend: 'toolbox', state: 'stopped' })).toBe(0);
    expect(after.value('mcp_gateway_backend_up', { backend: 'toolbox' })).toBe(1);
    expect(after.value('mcp_gateway_backend_starts_total', { backend: 'toolbox', outcome: 'ok' })).toBe(1);
    expect(after.value('mcp_gateway_backend_start_duration_seconds_count', { backend: 'toolbox' })).toBe(1);
    expect(after.value('mcp_gateway_catalog_tools', { backend: 'toolbox' })).toBe(5);
    expect(after.value('mcp_gateway_catalog_tools', { backend: 'spare' })).toBe(0);
    expect(after.value('mcp_gateway_client_sessions', { endpoint: '/mcp/toolbox' })).toBe(1);
    // Untouched: the other backend was not started by any of this.
    expect(after.value('mcp_gateway_backend_state', { backend: 'spare', state: 'stopped' })).toBe(1);

    await transport.terminateSession();
    const ended = await scrape(gw.url);
    expect(ended.value('mcp_gateway_client_sessions', { endpoint: '/mcp/toolbox' })).toBe(0);
  });

  it('counts meta-tool calls, searches, misses and invoked calls under route /mcp', async () => {
    const { client } = await connect('/mcp');
    const hits = await call(client, 'gateway_search_tools', { query: 'echo a message' });
    expect((hits.structuredContent as { results: unknown[] }).results.length).toBeGreaterThan(0);
    const misses = await call(client, 'gateway_search_tools', { query: 'xyzzyplugh' });
    expect((misses.structuredContent as { results: unknown[] }).results).toEqual([]);
    const invoked = await call(client, 'gateway_invoke', {
      server: 'toolbox',
      tool: 'echo',
      arguments: { message: SECRET_ARGUMENT },
    });
    expect(invoked.isError).toBeFalsy();
    const refused = await call(client, 'gateway_invoke', { server: 'nowhere', tool: 'echo' });
    expect(refused.isError).toBe(true);

    const after = await scrape(gw.url);
    expect(after.value('mcp_gateway_search_queries_total')).toBe(2);
    expect(after.value('mcp_gateway_search_zero_results_total')).toBe(1);
    expect(
      after.value('mcp_gateway_meta_tool_calls_total', { tool: 'gateway_search_tools', outcome: 'ok' }),
    ).toBe(2);
    expect(after.value('mcp_gateway_meta_tool_calls_total', { tool: 'gateway_invoke', outcome: 'ok' })).toBe(
      1,
    );
    expect(
      after.value('mcp_gateway_meta_tool_calls_total', { tool: 'gateway_invoke', outcome: 'error' }),
    ).toBe(1);
    const viaMeta = { route: '/mcp', backend: 'toolbox', method: 'tools/call', outcome: 'ok' };
    expect(after.value('mcp_gateway_requests_total', viaMeta)).toBe(1);
    // One histogram for both endpoints: 4 passthrough calls before, 1 invoked now.
    expect(
      after.value('mcp_gateway_request_duration_seconds_count', { backend: 'toolbox', method: 'tools/call' }),
    ).toBe(5);
    expect(
      after.value('mcp_gateway_tool_calls_total', { backend: 'toolbox', tool: 'echo', outcome: 'ok' }),
    ).toBe(4);
    expect(after.value('mcp_gateway_client_sessions', { endpoint: '/mcp' })).toBe(1);
  });

  it('counts HTTP answers by route pattern and status, never by path', async () => {
    const before = await scrape(gw.url);
    const notFound = { route: '/mcp/:backend', code: '404' };
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    };
    const response = await fetch(`${gw.url}/mcp/no-such-backend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(initialize),
    });
    expect(response.status).toBe(404);
    const stale = await fetch(`${gw.url}/mcp/toolbox`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'not-a-session',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
    });
    expect(stale.status).toBe(404);
    expect((await fetch(`${gw.url}/nowhere/at/all`)).status).toBe(404);

    const after = await scrape(gw.url);
    expect(
      after.value('mcp_gateway_http_requests_total', notFound) -
        before.value('mcp_gateway_http_requests_total', notFound),
    ).toBe(2);
    expect(
      after.value('mcp_gateway_http_requests_total', { route: 'other', code: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(after.text).not.toContain('no-such-backend');
    expect(after.text).not.toContain('not-a-session');
    expect(
      after.value('mcp_gateway_http_requests_total', { route: '/metrics', code: '200' }),
    ).toBeGreaterThan(0);
  });
});

/** An id the gateway made: its process's random prefix and a counter. */
const GATEWAY_REQUEST_ID = /^[0-9a-f]{12}-[0-9a-z]+$/;

describe('request ids', () => {
  it('returns a sane incoming x-request-id, and a new one for an absent or unsafe one', async () => {
    const echoed = await fetch(`${gw.url}/livez`, { headers: { 'x-request-id': 'lb.trace_42-A' } });
    expect(echoed.headers.get('x-request-id')).toBe('lb.trace_42-A');
    for (const unsafe of ['has space', 'x'.repeat(65), 'quote"d', 'new\\nline', '']) {
      const response = await fetch(`${gw.url}/livez`, { headers: { 'x-request-id': unsafe } });
      expect(response.headers.get('x-request-id'), unsafe).toMatch(GATEWAY_REQUEST_ID);
    }
    const first = await fetch(`${gw.url}/health`);
    const another = await fetch(`${gw.url}/health`);
    expect(first.headers.get('x-request-id')).toMatch(GATEWAY_REQUEST_ID);
    expect(another.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    // Refused requests and MCP streams carry one too.
    const refused = await fetch(`${gw.url}/health`, { headers: { origin: 'http://evil.example' } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-request-id')).toMatch(GATEWAY_REQUEST_ID);
  });

  it('carries the request id into the log lines of the backend calls', () => {
    const entries = logged();
    const callLines = entries.filter((e) => e.msg === 'backend call' && e.req_id === 'trace-passthrough-1');
    expect(callLines.filter((e) => e.tool === 'echo')).toHaveLength(3);
    expect(callLines[0]).toMatchObject({
      level: 'debug',
      backend: 'toolbox',
      method: 'tools/call',
      outcome: 'ok',
    });
    expect(typeof callLines[0]!.ms).toBe('number');
    const httpLines = entries.filter((e) => e.msg === 'http request' && e.req_id === 'trace-passthrough-1');
    expect(httpLines.length).toBeGreaterThan(0);
    // Without an incoming id, the one the gateway made up reaches the backend call's line (a gateway_invoke here).
    const invoked = entries.find(
      (e) => e.msg === 'backend call' && e.method === 'tools/call' && e.req_id !== 'trace-passthrough-1',
    );
    expect(invoked?.req_id).toMatch(GATEWAY_REQUEST_ID);
    expect(
      entries.some((e) => e.msg === 'http request' && e.req_id === invoked?.req_id && e.route === '/mcp'),
    ).toBe(true);
    // Lifecycle events are there at info level.
    expect(entries.find((e) => e.msg === 'backend started')).toMatchObject({
      level: 'info',
      backend: 'toolbox',
    });
  });

  it('never logs an argument value, at any level', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain(SECRET_ARGUMENT);
  });
});
