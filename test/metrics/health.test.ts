/**
 * `/health` and `/health/<backend>` in each backend state (stopped, running, hibernated, backoff, failed), with the
 * field names scripts rely on, and the proof that asking never wakes a backend: pids and spawn counts are the same
 * before and after every request.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { DEFAULT_RESTART_POLICY } from '../../src/registry/backoff.js';
import { connectClient, startGateway, type RunningGateway, endSession } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const TOOLBOX = 'node dist/examples/backends/toolbox.js';
const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-health-'));
const spawnLog = join(scratch, 'spawns.log');
/** The supervisors' clock runs this far ahead of the real one, so that a test can let a backoff pass. */
let skew = 0;
let gw: RunningGateway;
const clients: Client[] = [];

beforeAll(async () => {
  gw = await startGateway(
    `
backends:
  idle:
    command: ${TOOLBOX}
  busy:
    command: ${TOOLBOX}
  sleepy:
    command: ${TOOLBOX}
    idle_timeout: 1
  flaky:
    command: sh
    args: ["-c", "echo flaky >> ${spawnLog}; exit 1"]
  doomed:
    command: sh
    args: ["-c", "echo doomed >> ${spawnLog}; exit 1"]
`,
    {
      supervision: {
        policy: { ...DEFAULT_RESTART_POLICY, floorMs: 60_000, capMs: 60_000, maxFailures: 3 },
        now: () => Date.now() + skew,
      },
    },
  );
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface BackendHealth {
  state: string;
  running: boolean;
  pid: number | null;
  pids: number[];
  retry_after_s: number | null;
  [field: string]: unknown;
}

interface Health {
  status: string;
  version: string;
  uptime_s: number;
  backends: Record<string, BackendHealth>;
}

/** What could change if a request woke something: every pid, and how often the failing backends were spawned. */
function fingerprint() {
  let spawns = '';
  try {
    spawns = readFileSync(spawnLog, 'utf8');
  } catch {
    // Nothing spawned yet.
  }
  return { pids: gw.gateway.registry.status().map((s) => [s.name, s.pids]), spawns };
}

/** GETs /health and /health/<backend> several times and checks that nothing was started meanwhile. */
async function health(backend: string): Promise<{ all: Health; one: BackendHealth & { name: string } }> {
  const before = fingerprint();
  let all: Health | undefined;
  let one: (BackendHealth & { name: string }) | undefined;
  for (let i = 0; i < 3; i++) {
    const a = await fetch(`${gw.url}/health`);
    const b = await fetch(`${gw.url}/health/${backend}`);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    all = (await a.json()) as Health;
    one = (await b.json()) as BackendHealth & { name: string };
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(fingerprint()).toEqual(before);
  return { all: all!, one: one! };
}

async function failStart(backend: string): Promise<void> {
  const error = await connectClient(`${gw.url}/mcp/${backend}`).catch((e: unknown) => e);
  expect(String(error)).toMatch(/could not be started|waiting|failed/);
}

describe('/health in every backend state, waking nothing', () => {
  it('stopped: never used; the fields scripts use are all there', async () => {
    const { all, one } = await health('idle');
    expect(all.status).toBe('healthy');
    expect(all.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof all.uptime_s).toBe('number');
    expect(Object.keys(all.backends).sort()).toEqual(['busy', 'doomed', 'flaky', 'idle', 'sleepy']);
    expect(Object.keys(all.backends.idle!).sort()).toEqual(
      [
        'catalog',
        'connections',
        'last_error',
        'last_used',
        'pid',
        'pids',
        'restart_count',
        'retry_after_s',
        'running',
        'state',
        'tools_cached',
        'transport',
      ].sort(),
    );
    expect(all.backends.idle).toMatchObject({ state: 'stopped', running: false, pid: null, pids: [] });
    expect(one).toMatchObject({ name: 'idle', state: 'stopped', pid: null, stderr_tail: [] });
    // Nothing at all runs: health did not start anyone.
    expect(Object.values(all.backends).every((b) => b.pids.length === 0)).toBe(true);
  });

  it('running: pid and connections, the same pid after many requests', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/busy`);
    clients.push(client);
    const { all, one } = await health('busy');
    expect(all.status).toBe('healthy');
    expect(one).toMatchObject({ state: 'running', running: true, connections: 1 });
    expect(one.pid).toBeGreaterThan(0);
    expect(one.pids).toEqual([one.pid]);
    expect(all.backends.idle!.state).toBe('stopped');
  });

  it('hibernated: stopped for idleness, not woken by being asked about', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/sleepy`);
    // Hibernation waits for the session to end.
    await endSession(client);
    await until(
      () => gw.gateway.registry.status().find((s) => s.name === 'sleepy')!.state === 'hibernated',
      'hibernation',
    );
    const { all, one } = await health('sleepy');
    expect(all.status).toBe('healthy');
    expect(one).toMatchObject({ state: 'hibernated', running: false, pid: null, pids: [] });
  });

  it('backoff: after two failed starts in a row; the gateway is degraded, with a retry hint', async () => {
    await failStart('flaky');
    await failStart('flaky');
    const { all, one } = await health('flaky');
    expect(all.status).toBe('degraded');
    expect(one).toMatchObject({ state: 'backoff', running: false, pids: [] });
    expect(one.retry_after_s).toBeGreaterThan(0);
    expect(one.last_error).toMatch(/exited with code 1/);
  });

  it('failed: after maxFailures starts in the window; not retried by being asked about', async () => {
    await failStart('doomed');
    await failStart('doomed');
    skew += 61_000; // past the backoff
    await failStart('doomed');
    const { all, one } = await health('doomed');
    expect(all.status).toBe('degraded');
    expect(one).toMatchObject({ state: 'failed', running: false, pids: [] });
    expect(one.retry_after_s).toBeGreaterThan(0);
    expect(readFileSync(spawnLog, 'utf8').match(/doomed/g)).toHaveLength(3);
  });
});
