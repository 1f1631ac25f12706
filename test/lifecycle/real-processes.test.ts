/**
 * Backend lifecycle with real child processes (test/fixtures/faulty-server.ts): lazy start, hibernation and wake,
 * kill -9 in the middle of a call, a crash loop, a hung backend, garbage on stdout, a backend that stops reading its
 * input, a slow start, and no process left behind after any of it, grandchildren included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RESTART_POLICY } from '../../src/registry/backoff.js';
import {
  connectClient,
  firstText,
  startGateway,
  type RunningGateway,
  endSession,
} from '../helpers/gateway.js';
import { isAlive, until } from '../helpers/processes.js';

const FAULTY = 'node dist/test/fixtures/faulty-server.js';
const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-lifecycle-'));
const spawnLog = join(scratch, 'spawns.log');
let gw: RunningGateway;
const clients: Client[] = [];

beforeAll(async () => {
  gw = await startGateway(
    `
max_body_bytes: 8388608
backends:
  deaf:
    command: ${FAULTY}
    timeout: 2
  lazy:
    command: ${FAULTY}
    env: { FAULTY_START_DELAY_MS: "300" }
  sleepy:
    command: ${FAULTY}
    idle_timeout: 1
  fragile:
    command: ${FAULTY}
    env: { FAULTY_GRANDCHILD: "1", FAULTY_IGNORE_SIGTERM: "1" }
  looping:
    command: sh
    args: ["-c", "echo spawn >> ${spawnLog}; echo 'looping: cannot start' >&2; exit 1"]
  hung:
    command: ${FAULTY}
    timeout: 1
  slow:
    command: ${FAULTY}
    env: { FAULTY_START_DELAY_MS: "5000" }
    start_timeout: 1
  healthy:
    command: node dist/examples/backends/toolbox.js
  missing:
    command: definitely-not-a-command --flag
`,
    {
      supervision: {
        policy: { ...DEFAULT_RESTART_POLICY, floorMs: 50, capMs: 200, maxFailures: 3 },
      },
    },
  );
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await gw?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function client(backend: string): Promise<Client> {
  const { client } = await connectClient(`${gw.url}/mcp/${backend}`);
  clients.push(client);
  return client;
}

function status(name: string) {
  return gw.gateway.registry.status().find((s) => s.name === name)!;
}

async function pidsOf(c: Client): Promise<{ pid: number; grandchild: number | null }> {
  return JSON.parse(firstText(await c.callTool({ name: 'pids', arguments: {} }))) as {
    pid: number;
    grandchild: number | null;
  };
}

describe('backend lifecycle with real processes', () => {
  it('starts nothing at boot, and one process for 20 concurrent first sessions', async () => {
    expect(gw.gateway.registry.status().every((s) => s.pids.length === 0)).toBe(true);
    const sessions = await Promise.all(Array.from({ length: 20 }, () => client('lazy')));
    expect(status('lazy').pids).toHaveLength(1);
    const answers = await Promise.all(sessions.map((c) => pidsOf(c)));
    expect(new Set(answers.map((a) => a.pid)).size).toBe(1);
  });

  it('hibernates an idle backend once no session is attached, wakes it on the next call, and leaves no process behind', async () => {
    const c = await client('sleepy');
    const { pid } = await pidsOf(c);
    // Kept while the session is attached (test/lifecycle/stateful.test.ts); it ends here.
    await endSession(c);
    await until(() => status('sleepy').state === 'hibernated', 'hibernation', 5_000);
    await until(() => !isAlive(pid), `process ${pid} to exit`);
    const woken = await pidsOf(await client('sleepy'));
    expect(woken.pid).not.toBe(pid);
    expect(status('sleepy')).toMatchObject({ state: 'running', restart_count: 0 });
  });

  it('kill -9 during a call: the caller gets a retryable error at once, the next call runs on a new process', async () => {
    const c = await client('fragile');
    const { pid, grandchild } = await pidsOf(c);
    expect(grandchild).toBeGreaterThan(0);
    const call = c.callTool({ name: 'hang', arguments: { tag: 'doomed' } }, undefined, { timeout: 30_000 });
    const failed = call.then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const error = await failed;
    expect(Date.now() - killedAt).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32010);
    expect((error as McpError).message).toMatch(
      /backend "fragile" is unavailable: the process was killed by SIGKILL/,
    );
    // The grandchild shared the group; the crash takes it down too.
    await until(() => !isAlive(grandchild!), 'the grandchild to be reaped');

    const again = await pidsOf(c);
    expect(again.pid).not.toBe(pid);
    expect(status('fragile')).toMatchObject({ state: 'running', restart_count: 1 });
  });

  it('a crash loop: bounded spawns, fast failures, failed state, other backends unaffected', async () => {
    const errors: string[] = [];
    for (let i = 0; i < 12; i++) {
      const outcome = await connectClient(`${gw.url}/mcp/looping`).then(
        (connection) => connection.client.close(),
        (e: unknown) => errors.push(String(e)),
      );
      void outcome;
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    const spawns = readFileSync(spawnLog, 'utf8').trim().split('\n').length;
    expect(spawns).toBe(3);
    expect(errors).toHaveLength(12);
    expect(errors[0]).toMatch(
      /could not be started: the process exited with code 1; its stderr ends with: looping: cannot start/,
    );
    expect(errors.at(-1)).toMatch(/failed 3 times within 5 min/);
    expect(status('looping')).toMatchObject({ state: 'failed', pids: [] });
    expect(status('looping').retry_after_s).toBeGreaterThan(0);
    const healthy = await client('healthy');
    expect(firstText(await healthy.callTool({ name: 'echo', arguments: { message: 'fine' } }))).toContain(
      'fine',
    );
  });

  it('a hung backend times out with a cancellation while other backends keep answering', async () => {
    const hung = await client('hung');
    const healthy = await client('healthy');
    const pending = hung.callTool({ name: 'hang', arguments: { tag: 'h1' } }).catch((e: unknown) => e);
    const meanwhile = await healthy.callTool({ name: 'echo', arguments: { message: 'not blocked' } });
    expect(firstText(meanwhile)).toContain('not blocked');
    const error = await pending;
    expect((error as McpError).code).toBe(-32001);
    const cancelled = JSON.parse(firstText(await hung.callTool({ name: 'cancellations', arguments: {} })));
    expect(cancelled).toEqual(['h1']);
  });

  it('garbage on stdout is skipped and the session goes on', async () => {
    const c = await client('hung');
    expect(firstText(await c.callTool({ name: 'garbage', arguments: {} }))).toBe('after garbage');
    expect(firstText(await c.callTool({ name: 'echo', arguments: { message: 'still fine' } }))).toBe(
      'still fine',
    );
  });

  it('a backend that stops reading its input: beyond 16 MB unread, calls fail at once; others keep answering', async () => {
    const deaf = await client('deaf');
    expect(firstText(await deaf.callTool({ name: 'deaf', arguments: {} }))).toBe('not listening any more');
    const big = 'x'.repeat(6 << 20);
    const stuck = [1, 2, 3].map(() =>
      deaf.callTool({ name: 'echo', arguments: { message: big } }).catch((e: unknown) => e),
    );
    await until(() => gw.gateway.registry.callsInFlight === 3, 'the three large calls sent to the backend');

    const started = Date.now();
    const refused = await deaf
      .callTool({ name: 'echo', arguments: { message: 'one more' } })
      .catch((e: unknown) => e);
    expect((refused as McpError).code).toBe(-32010);
    expect((refused as McpError).message).toMatch(
      /backend "deaf".*not reading its input \(1[6-8] MB sent to it/,
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    const healthy = await client('healthy');
    expect(
      firstText(await healthy.callTool({ name: 'echo', arguments: { message: 'unaffected' } })),
    ).toContain('unaffected');
    // The three that were sent end with their timeout, as calls to a hung backend do.
    for (const error of await Promise.all(stuck)) expect((error as McpError).code).toBe(-32001);
  });

  it('a start that exceeds start_timeout fails naming the backend, and the process is stopped', async () => {
    const started = Date.now();
    const error = await connectClient(`${gw.url}/mcp/slow`).catch((e: unknown) => e);
    expect(String(error)).toMatch(
      /backend \\"slow\\" could not be started: it did not answer initialize within 1 s/,
    );
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(status('slow').pids).toEqual([]);
  });

  it('a command that does not exist: a clear error naming it, and the gateway keeps serving', async () => {
    const error = await connectClient(`${gw.url}/mcp/missing`).catch((e: unknown) => e);
    expect(String(error)).toMatch(
      /backend \\"missing\\" could not be started: spawn definitely-not-a-command ENOENT/,
    );
    const healthy = await client('healthy');
    expect(firstText(await healthy.callTool({ name: 'echo', arguments: { message: 'serving' } }))).toContain(
      'serving',
    );
  });

  it('gateway shutdown stops every backend, grandchildren included', async () => {
    const c = await client('fragile');
    const { pid, grandchild } = await pidsOf(c);
    const running = gw.gateway.registry.status().flatMap((s) => s.pids);
    expect(running).toContain(pid);
    await gw.close();
    for (const p of [...running, grandchild!]) expect(isAlive(p), `process ${p}`).toBe(false);
  });
});
