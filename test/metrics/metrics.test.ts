/**
 * createMetrics on its own: label values stay inside their sets whatever the callers pass, series a dashboard needs
 * exist at 0 from the start, and the state gauge has exactly one 1 per backend.
 */
import { describe, expect, it } from 'vitest';
import { httpRouteLabel, methodLabel } from '../../src/metrics/labels.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { parseMetrics } from '../helpers/scrape.js';

function metrics() {
  const known = new Set(['a/echo']);
  const m = createMetrics({
    backends: ['a', 'b'],
    metaTools: ['gateway_invoke'],
    meta: true,
    version: '9.9.9',
    processMetrics: false,
    sessions: (backend) => (backend === 'a' ? 2 : 0),
    catalogTools: (backend) => (backend === 'a' ? 7 : 0),
    knownTool: (backend, tool) => known.has(`${backend}/${tool}`),
  });
  return { m, read: async () => parseMetrics(await m.registry.metrics()) };
}

describe('createMetrics', () => {
  it('starts every backend stopped with its counters at 0, and reads live gauges when scraped', async () => {
    const { read } = metrics();
    const s = await read();
    for (const backend of ['a', 'b']) {
      expect(s.value('mcp_gateway_backend_state', { backend })).toBe(1);
      expect(s.value('mcp_gateway_backend_state', { backend, state: 'stopped' })).toBe(1);
      expect(s.has('mcp_gateway_backend_restarts_total', { backend })).toBe(true);
      expect(s.has('mcp_gateway_backend_start_duration_seconds_count', { backend })).toBe(true);
    }
    expect(s.value('mcp_gateway_client_sessions', { endpoint: '/mcp/a' })).toBe(2);
    expect(s.value('mcp_gateway_client_sessions', { endpoint: '/mcp' })).toBe(0);
    expect(s.value('mcp_gateway_catalog_tools', { backend: 'a' })).toBe(7);
    expect(s.has('mcp_gateway_meta_tool_calls_total', { tool: 'gateway_invoke', outcome: 'error' })).toBe(
      true,
    );
    // No process metrics when turned off (a library user may register its own).
    expect(s.has('process_cpu_user_seconds_total')).toBe(false);
  });

  it('moves the state gauge: one state at 1, up only while running', async () => {
    const { m, read } = metrics();
    m.backendState('a', 'starting');
    m.backendState('a', 'running');
    let s = await read();
    expect(s.value('mcp_gateway_backend_state', { backend: 'a', state: 'running' })).toBe(1);
    expect(s.value('mcp_gateway_backend_state', { backend: 'a' })).toBe(1);
    expect(s.value('mcp_gateway_backend_up', { backend: 'a' })).toBe(1);
    m.backendState('a', 'backoff');
    s = await read();
    expect(s.value('mcp_gateway_backend_state', { backend: 'a', state: 'backoff' })).toBe(1);
    expect(s.value('mcp_gateway_backend_state', { backend: 'a' })).toBe(1);
    expect(s.value('mcp_gateway_backend_up', { backend: 'a' })).toBe(0);
  });

  it('never lets a request choose a label value', async () => {
    const { m, read } = metrics();
    m.requestDone('/mcp/:backend', 'a', 'tools/call', 'ok', 0.002, 'echo');
    m.requestDone('/mcp/:backend', 'a', 'tools/call', 'ok', 0.002, 'session-1234-secret');
    m.requestDone('/mcp/:backend', 'a', 'x-custom/method-9876', 'error', 0.002);
    m.requestDone('/mcp/:backend', 'not-configured', 'ping', 'ok', 0.002);
    m.metaToolCall('made_up_tool', 'error');
    m.httpRequest(httpRouteLabel('/mcp/a'), 200);
    m.httpRequest(httpRouteLabel('/mcp/a/extra'), 404);
    m.httpRequest(httpRouteLabel('/random/path-5555'), 404);
    const s = await read();
    expect(s.text).not.toMatch(/session-1234|9876|not-configured|made_up_tool|5555|extra/);
    expect(s.value('mcp_gateway_tool_calls_total', { backend: 'a', tool: 'echo' })).toBe(1);
    expect(s.value('mcp_gateway_tool_calls_total', { backend: 'a', tool: 'other' })).toBe(1);
    expect(s.value('mcp_gateway_requests_total', { backend: 'a', method: 'other', outcome: 'error' })).toBe(
      1,
    );
    expect(s.value('mcp_gateway_requests_total', { backend: 'other', method: 'ping' })).toBe(1);
    expect(s.value('mcp_gateway_meta_tool_calls_total', { tool: 'other', outcome: 'error' })).toBe(1);
    expect(s.value('mcp_gateway_http_requests_total', { route: '/mcp/:backend', code: '200' })).toBe(1);
    expect(s.value('mcp_gateway_http_requests_total', { route: 'other', code: '404' })).toBe(2);
  });

  it('counts each request once however often it is scraped (counters tallied between scrapes)', async () => {
    const { m, read } = metrics();
    const calls = (n: number) => {
      for (let i = 0; i < n; i++) {
        m.requestDone('/mcp/:backend', 'a', 'tools/call', 'ok', 0.001, 'echo');
        m.httpRequest('/mcp/:backend', 200);
      }
    };
    calls(3);
    let s = await read();
    expect(s.value('mcp_gateway_requests_total', { backend: 'a', method: 'tools/call', outcome: 'ok' })).toBe(
      3,
    );
    s = await read();
    expect(s.value('mcp_gateway_tool_calls_total', { backend: 'a', tool: 'echo', outcome: 'ok' })).toBe(3);
    calls(4);
    s = await read();
    expect(s.value('mcp_gateway_requests_total', { backend: 'a', method: 'tools/call', outcome: 'ok' })).toBe(
      7,
    );
    expect(s.value('mcp_gateway_tool_calls_total', { backend: 'a', tool: 'echo', outcome: 'ok' })).toBe(7);
    expect(s.value('mcp_gateway_http_requests_total', { route: '/mcp/:backend', code: '200' })).toBe(7);
  });

  it('resolves sub-millisecond durations and minute-long ones', async () => {
    const { m, read } = metrics();
    m.requestDone('/mcp', 'a', 'tools/call', 'ok', 0.0003);
    m.requestDone('/mcp', 'a', 'tools/call', 'timeout', 240);
    const s = await read();
    const series = { backend: 'a', method: 'tools/call' };
    expect(s.value('mcp_gateway_request_duration_seconds_bucket', { ...series, le: '0.00025' })).toBe(0);
    expect(s.value('mcp_gateway_request_duration_seconds_bucket', { ...series, le: '0.0005' })).toBe(1);
    expect(s.value('mcp_gateway_request_duration_seconds_bucket', { ...series, le: '120' })).toBe(1);
    expect(s.value('mcp_gateway_request_duration_seconds_bucket', { ...series, le: '300' })).toBe(2);
  });

  it('knows the MCP methods', () => {
    expect(methodLabel('tools/call')).toBe('tools/call');
    expect(methodLabel('resources/templates/list')).toBe('resources/templates/list');
    expect(methodLabel('tools/call/../../x')).toBe('other');
  });
});
