/**
 * The backend metrics follow real processes (test/fixtures/faulty-server.ts) through their life: the state gauge
 * moves through starting, running, hibernated and back, a crash is counted and the restart after it too, a start
 * that fails and a call that times out get their own outcomes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { DEFAULT_RESTART_POLICY } from '../../src/registry/backoff.js';
import {
  connectClient,
  firstText,
  startGateway,
  type RunningGateway,
  endSession,
} from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { scrape, type Scrape } from '../helpers/scrape.js';

const FAULTY = 'node dist/test/fixtures/faulty-server.js';
let gw: RunningGateway;
const clients: Client[] = [];

beforeAll(async () => {
  gw = await startGateway(
    `
backends:
  sleepy:
    command: ${FAULTY}
    idle_timeout: 1
  slow:
    command: ${FAULTY}
    env: { FAULTY_START_DELAY_MS: "800" }
  fragile:
    command: ${FAULTY}
  hung:
    command: ${FAULTY}
    timeout: 1
  broken:
    command: sh
    args: ["-c", "echo 'broken: cannot start' >&2; exit 1"]
`,
    // A second failure in a row waits a minute: long enough to see the backoff state.
    { supervision: { policy: { ...DEFAULT_RESTART_POLICY, floorMs: 60_000, capMs: 60_000 } } },
  );
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.close();
});

async function client(backend: string): Promise<Client> {
  const { client } = await connectClient(`${gw.url}/mcp/${backend}`);
  clients.push(client);
  await until(() => gw.gateway.catalog.isIndexed(backend), `the ${backend} catalog`);
  return client;
}

function stateOf(s: Scrape, backend: string): string[] {
  return s.samples
    .filter((x) => x.name === 'mcp_gateway_backend_state' && x.labels.backend === backend && x.value === 1)
    .map((x) => x.labels.state!);
}

describe('backend metrics through a real lifecycle', () => {
  it('a start: starting while it initializes, then running, counted and timed', async () => {
    const connecting = connectClient(`${gw.url}/mcp/slow`);
    await until(async () => stateOf(await scrape(gw.url), 'slow').includes('starting'), 'state starting');
    const during = await scrape(gw.url);
    expect(stateOf(during, 'slow')).toEqual(['starting']);
    expect(during.value('mcp_gateway_backend_up', { backend: 'slow' })).toBe(0);
    clients.push((await connecting).client);

    const after = await scrape(gw.url);
    expect(stateOf(after, 'slow')).toEqual(['running']);
    expect(after.value('mcp_gateway_backend_up', { backend: 'slow' })).toBe(1);
    expect(after.value('mcp_gateway_backend_starts_total', { backend: 'slow', outcome: 'ok' })).toBe(1);
    const duration = { backend: 'slow' };
    expect(after.value('mcp_gateway_backend_start_duration_seconds_count', duration)).toBe(1);
    // It waited 800 ms before answering initialize.
    expect(after.value('mcp_gateway_backend_start_duration_seconds_sum', duration)).toBeGreaterThanOrEqual(
      0.8,
    );
    expect(after.value('mcp_gateway_backend_start_duration_seconds_bucket', { ...duration, le: '0.5' })).toBe(
      0,
    );
  });

  it('hibernation: running → hibernated, counted; the next call starts it again without a restart', async () => {
    const c = await client('sleepy');
    expect(firstText(await c.callTool({ name: 'echo', arguments: { message: 'a' } }))).toBe('a');
    expect(stateOf(await scrape(gw.url), 'sleepy')).toEqual(['running']);
    // Hibernation waits for the session to end.
    await endSession(c);

    await until(async () => stateOf(await scrape(gw.url), 'sleepy').includes('hibernated'), 'hibernation');
    const asleep = await scrape(gw.url);
    expect(stateOf(asleep, 'sleepy')).toEqual(['hibernated']);
    expect(asleep.value('mcp_gateway_backend_up', { backend: 'sleepy' })).toBe(0);
    expect(asleep.value('mcp_gateway_backend_hibernations_total', { backend: 'sleepy' })).toBe(1);

    const again = await client('sleepy');
    expect(firstText(await again.callTool({ name: 'echo', arguments: { message: 'b' } }))).toBe('b');
    const awake = await scrape(gw.url);
    expect(stateOf(awake, 'sleepy')).toEqual(['running']);
    expect(awake.value('mcp_gateway_backend_starts_total', { backend: 'sleepy', outcome: 'ok' })).toBe(2);
    expect(awake.value('mcp_gateway_backend_restarts_total', { backend: 'sleepy' })).toBe(0);
    expect(awake.value('mcp_gateway_backend_crashes_total', { backend: 'sleepy' })).toBe(0);
  });

  it('a crash: the call in flight is "unavailable", the crash is counted, the next call restarts it', async () => {
    const c = await client('fragile');
    const crashed = await c.callTool({ name: 'crash', arguments: {} }).catch((e: unknown) => e);
    expect(String(crashed)).toMatch(/unavailable/);
    await until(
      async () =>
        (await scrape(gw.url)).value('mcp_gateway_backend_crashes_total', { backend: 'fragile' }) === 1,
      'the crash to be counted',
    );
    const down = await scrape(gw.url);
    expect(stateOf(down, 'fragile')).toEqual(['stopped']);
    expect(down.value('mcp_gateway_backend_up', { backend: 'fragile' })).toBe(0);
    const crashCall = { backend: 'fragile', tool: 'crash', outcome: 'unavailable' };
    expect(down.value('mcp_gateway_tool_calls_total', crashCall)).toBe(1);
    expect(
      down.value('mcp_gateway_requests_total', {
        route: '/mcp/:backend',
        backend: 'fragile',
        method: 'tools/call',
        outcome: 'unavailable',
      }),
    ).toBe(1);

    expect(firstText(await c.callTool({ name: 'echo', arguments: { message: 'again' } }))).toBe('again');
    const back = await scrape(gw.url);
    expect(stateOf(back, 'fragile')).toEqual(['running']);
    expect(back.value('mcp_gateway_backend_restarts_total', { backend: 'fragile' })).toBe(1);
    expect(back.value('mcp_gateway_backend_starts_total', { backend: 'fragile', outcome: 'ok' })).toBe(2);
  });

  it('a call the backend never answers is a "timeout"', async () => {
    const c = await client('hung');
    const error = await c.callTool({ name: 'hang', arguments: { tag: 't' } }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/did not answer within 1 s/);
    const after = await scrape(gw.url);
    expect(
      after.value('mcp_gateway_tool_calls_total', { backend: 'hung', tool: 'hang', outcome: 'timeout' }),
    ).toBe(1);
    expect(
      after.value('mcp_gateway_request_duration_seconds_bucket', { backend: 'hung', le: '0.5' }),
    ).toBeLessThan(after.value('mcp_gateway_request_duration_seconds_count', { backend: 'hung' }));
  });

  it('failed starts: counted with outcome error; the second in a row puts it in backoff', async () => {
    for (let i = 0; i < 2; i++) {
      const error = await connectClient(`${gw.url}/mcp/broken`).catch((e: unknown) => e);
      expect(String(error)).toMatch(/could not be started/);
    }
    const after = await scrape(gw.url);
    expect(after.value('mcp_gateway_backend_starts_total', { backend: 'broken', outcome: 'error' })).toBe(2);
    expect(after.value('mcp_gateway_backend_starts_total', { backend: 'broken', outcome: 'ok' })).toBe(0);
    expect(after.value('mcp_gateway_backend_start_duration_seconds_count', { backend: 'broken' })).toBe(0);
    expect(stateOf(after, 'broken')).toEqual(['backoff']);
    // A refused start (still backing off) is not another start.
    await connectClient(`${gw.url}/mcp/broken`).catch(() => {});
    expect((await scrape(gw.url)).value('mcp_gateway_backend_starts_total', { backend: 'broken' })).toBe(2);
  });

  it('exactly one state is 1 for every backend', async () => {
    const s = await scrape(gw.url);
    for (const backend of ['sleepy', 'slow', 'fragile', 'hung', 'broken'])
      expect(stateOf(s, backend)).toHaveLength(1);
  });
});
