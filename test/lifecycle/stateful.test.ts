/**
 * Hibernation never resets a backend under a session that may rely on it: a shared process is kept while a client
 * session is attached (until it ends, or has not been used for session_idle_timeout), and `stateful: true` gives
 * each client session a process of its own, kept as long as the session lives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  connectClient,
  firstText,
  startGateway,
  type RunningGateway,
  endSession,
} from '../helpers/gateway.js';
import { isAlive, until } from '../helpers/processes.js';

const FAULTY = 'node dist/test/fixtures/faulty-server.js';
let gw: RunningGateway;

beforeAll(async () => {
  gw = await startGateway(`
backends:
  shared:
    command: ${FAULTY}
    idle_timeout: 1
  stateful:
    command: ${FAULTY}
    idle_timeout: 1
    stateful: true
`);
});

afterAll(async () => {
  await gw?.close();
});

const status = (name: string) => gw.gateway.registry.status().find((s) => s.name === name)!;
const pidOf = async (c: Client) =>
  (JSON.parse(firstText(await c.callTool({ name: 'pids', arguments: {} }))) as { pid: number }).pid;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hibernation and sessions', () => {
  it('a shared backend is not hibernated while a session is attached, and is once it ends', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/shared`);
    const pid = await pidOf(client);
    await sleep(2_500); // well past idle_timeout, without a call
    expect(status('shared')).toMatchObject({ state: 'running', pid });
    expect(await pidOf(client)).toBe(pid);

    await endSession(client);
    await until(() => status('shared').state === 'hibernated', 'hibernation after the session ended', 5_000);
    await until(() => !isAlive(pid), 'the process to stop');
  });

  it('stateful: true: a process per session, kept while the session lives, stopped when it ends', async () => {
    expect(gw.gateway.registry.isShared('stateful')).toBe(false);
    const a = (await connectClient(`${gw.url}/mcp/stateful`)).client;
    const b = (await connectClient(`${gw.url}/mcp/stateful`)).client;
    const [pidA, pidB] = [await pidOf(a), await pidOf(b)];
    expect(pidA).not.toBe(pidB);
    // The catalog reads a non-shared backend's tools through a process of its own when the first session connects:
    // once that read has ended, the sessions' processes are all that run.
    const sessionsOnly = JSON.stringify([pidA, pidB].sort());
    await until(
      () => JSON.stringify(status('stateful').pids.sort()) === sessionsOnly,
      "the catalog's read to end",
    );
    expect(status('stateful').pids.sort()).toEqual([pidA, pidB].sort());

    await sleep(2_500);
    expect(await pidOf(a)).toBe(pidA);
    expect(await pidOf(b)).toBe(pidB);

    await endSession(a);
    await until(() => !isAlive(pidA), "the ended session's process to stop", 8_000);
    expect(isAlive(pidB)).toBe(true);
    expect(await pidOf(b)).toBe(pidB);
    await endSession(b);
    await until(() => !isAlive(pidB), 'the last process to stop', 8_000);
  });
});

describe('a stateful backend that crashes', () => {
  it('ends the client session instead of going on with a fresh process', async () => {
    const { client, transport } = await connectClient(`${gw.url}/mcp/stateful`);
    const session = transport.sessionId!;
    await pidOf(client);
    await client.callTool({ name: 'crash', arguments: {} }).catch(() => undefined);
    await until(
      async () =>
        (
          await fetch(`${gw.url}/mcp/stateful`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'mcp-session-id': session,
              'mcp-protocol-version': '2025-11-25',
            },
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: 5,
              method: 'tools/call',
              params: { name: 'pids', arguments: {} },
            }),
          })
        ).status === 404,
      'the session to end',
    );
    // A new session gets a new process, as any client that re-initializes after 404 does.
    const again = (await connectClient(`${gw.url}/mcp/stateful`)).client;
    expect(await pidOf(again)).toBeGreaterThan(0);
    await endSession(again);
  });
});
