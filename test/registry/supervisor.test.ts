/**
 * The supervisor's decisions (single-flight start, hibernation, backoff, crash loop) with an in-memory connection
 * and fake timers; real processes are exercised in test/lifecycle.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Result } from '@modelcontextprotocol/sdk/types.js';
import type { Peer, Connection } from '../../src/backends/connection.js';
import { CLOSED_BY_GATEWAY } from '../../src/backends/connection.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_RESTART_POLICY } from '../../src/registry/backoff.js';
import { Supervisor } from '../../src/registry/supervisor.js';
import { GatewayError } from '../../src/errors.js';

/** A connection driven by the test: the supervisor sees only the Connection contract. */
class FakeConnection implements Connection {
  readonly backend = 'b';
  readonly info = { capabilities: {}, serverInfo: { name: 'fake', version: '1' }, instructions: undefined };
  readonly sessionLost = false;
  closed = false;
  callsInFlight = 0;
  lastActivity = Date.now();
  readonly pid: number;
  private listeners: Array<(reason: string) => void> = [];
  constructor(pid: number) {
    this.pid = pid;
  }
  onClosed(listener: (reason: string) => void) {
    this.listeners.push(listener);
  }
  stderrTail() {
    return ['boom'];
  }
  async request(): Promise<Result> {
    return {};
  }
  async notify() {}
  attach() {}
  detach() {}
  observe() {}
  async close() {
    this.end(CLOSED_BY_GATEWAY);
  }
  /** The backend goes away (crash) or the gateway closes it. */
  end(reason: string) {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.listeners.splice(0)) listener(reason);
  }
}

function backend(idleTimeout = 10) {
  const { config } = parseConfig(
    `backends:\n  b:\n    command: node x.js\n    idle_timeout: ${idleTimeout}\n`,
    {
      path: '/tmp/servers.yaml',
      env: {},
    },
  );
  return config.backends.b!;
}

let connections: FakeConnection[];
let failNext: number;

function supervisor(idleTimeout = 10, policy = { ...DEFAULT_RESTART_POLICY, maxFailures: 4 }) {
  return new Supervisor(backend(idleTimeout), {
    log: silentLogger(),
    policy,
    sessionIdleMs: 60_000,
    random: () => 0.5,
    connect: async () => {
      await Promise.resolve();
      if (failNext > 0) {
        failNext--;
        throw new Error('spawn failed');
      }
      const connection = new FakeConnection(1000 + connections.length);
      connections.push(connection);
      return connection;
    },
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  connections = [];
  failNext = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Supervisor', () => {
  it('starts lazily, once for any number of concurrent first uses', async () => {
    const s = supervisor();
    expect(s.status().state).toBe('stopped');
    expect(connections).toHaveLength(0);
    const all = await Promise.all(Array.from({ length: 20 }, () => s.acquire()));
    expect(connections).toHaveLength(1);
    expect(new Set(all).size).toBe(1);
    expect(s.status()).toMatchObject({ state: 'running', pid: 1000, restart_count: 0 });
  });

  it('hibernates after idle_timeout without calls, and wakes on the next use', async () => {
    const s = supervisor();
    await s.acquire();
    await vi.advanceTimersByTimeAsync(9_000);
    expect(s.status().state).toBe('running');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(s.status().state).toBe('hibernated');
    expect(connections[0]!.closed).toBe(true);
    await s.acquire();
    expect(connections).toHaveLength(2);
    expect(s.status()).toMatchObject({ state: 'running', restart_count: 0 });
  });

  it('does not hibernate while a call is in flight, and counts idleness from the last use', async () => {
    const s = supervisor();
    await s.acquire();
    connections[0]!.callsInFlight = 1;
    await vi.advanceTimersByTimeAsync(25_000);
    expect(s.status().state).toBe('running');
    connections[0]!.callsInFlight = 0;
    connections[0]!.lastActivity = Date.now();
    await vi.advanceTimersByTimeAsync(5_000);
    await s.acquire(); // a use resets the idle clock
    await vi.advanceTimersByTimeAsync(9_000);
    expect(s.status().state).toBe('running');
    await vi.advanceTimersByTimeAsync(11_000);
    expect(s.status().state).toBe('hibernated');
  });

  it('with a session attached, waits for it to detach, or for session idleness, before hibernating', async () => {
    const s = supervisor();
    await s.acquire();
    const peer = {} as Peer;
    s.peers.add(peer);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(s.status().state).toBe('running');
    s.peers.delete(peer);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.status().state).toBe('hibernated');

    // A session that stays attached and unused for session_idle_timeout no longer holds the process.
    await s.acquire();
    s.peers.add(peer);
    await vi.advanceTimersByTimeAsync(55_000);
    expect(s.status().state).toBe('running');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.status().state).toBe('hibernated');
  });

  it('never hibernates with idle_timeout: 0', async () => {
    const never = supervisor(0);
    await never.acquire();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(never.status().state).toBe('running');
  });

  it('restarts a crashed backend at once on next use, then backs off, then marks it failed', async () => {
    const s = supervisor();
    await s.acquire();
    connections[0]!.end('the process was killed by SIGKILL');
    expect(s.status()).toMatchObject({ state: 'stopped', last_error: expect.stringContaining('SIGKILL') });
    await s.acquire();
    expect(s.status()).toMatchObject({ state: 'running', restart_count: 1 });

    connections[1]!.end('the process exited with code 1');
    expect(s.status().state).toBe('backoff');
    const refused = await Promise.resolve(s.acquire()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect((refused as GatewayError).data).toMatchObject({ retry_after_s: 1, state: 'backoff' });
    expect(connections).toHaveLength(2); // refused without spawning

    await vi.advanceTimersByTimeAsync(500);
    await s.acquire();
    expect(s.status()).toMatchObject({ state: 'running', restart_count: 2 });

    // Two more failures (start failures count too) make four within the window: failed.
    connections[2]!.end('the process exited with code 1');
    await vi.advanceTimersByTimeAsync(1_000);
    failNext = 1;
    await expect(s.acquire()).rejects.toThrow('spawn failed');
    expect(s.status().state).toBe('failed');
    expect(s.status().retry_after_s).toBeGreaterThan(200);
    await expect(s.acquire()).rejects.toThrow(/failed 4 times within 5 min/);

    s.reset();
    await s.acquire();
    expect(s.status().state).toBe('running');
  });

  it('a backend that ran stably before crashing starts a fresh series', async () => {
    const s = supervisor(0);
    await s.acquire();
    connections[0]!.end('crash');
    await s.acquire();
    await vi.advanceTimersByTimeAsync(61_000);
    connections[1]!.end('crash');
    expect(s.status().state).toBe('stopped'); // the first failure of a new series restarts at once
  });

  it('per-session connections: running while any is open, stopped when the last one closes', async () => {
    const s = supervisor();
    const [a, b] = await Promise.all([s.open({}), s.open({})]);
    expect(s.status()).toMatchObject({ state: 'running', connections: 2 });
    await a.close();
    expect(s.status()).toMatchObject({ state: 'running', connections: 1 });
    await b.close();
    expect(s.status()).toMatchObject({ state: 'stopped', connections: 0, last_error: null });
  });

  it('a close by the gateway is not a failure', async () => {
    const s = supervisor();
    await s.acquire();
    await s.stop();
    expect(s.status()).toMatchObject({ state: 'stopped', last_error: null, restart_count: 0 });
  });

  it('a failed probe of a per-session backend after a failure rejects only its caller (no stray rejection)', async () => {
    const stray: unknown[] = [];
    const onStray = (reason: unknown) => stray.push(reason);
    process.on('unhandledRejection', onStray);
    try {
      const s = supervisor();
      failNext = 2;
      await expect(s.open({})).rejects.toThrow('spawn failed');
      // Past the backoff, the next open probes the backend; it fails too.
      await vi.advanceTimersByTimeAsync(60_000);
      await expect(s.open({})).rejects.toThrow('spawn failed');
      // Let Node report any rejection nobody handled.
      vi.useRealTimers();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(stray).toEqual([]);
    } finally {
      process.off('unhandledRejection', onStray);
    }
  });
});
