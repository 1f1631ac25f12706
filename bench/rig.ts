/**
 * @module bench/rig: the processes most scenarios run against (the HTTP echo backend, the lean prototype, a direct
 * stdio echo, the gateway in front of them) and what the bench asks a started gateway over /health: whether it has
 * indexed its backends, and the pid of its shared stdio backend.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { STDIO_BACKEND } from './fixtures.js';
import type { StdioMcpConnection } from './mcp-client.js';
import type { StartedEcho, StartedGateway } from './processes.js';

export interface Rig {
  dir: string;
  http: StartedEcho;
  /** The lean passthrough prototype (not the gateway), for comparison. */
  lean: StartedEcho;
  stdioDirect: StdioMcpConnection;
  gateway: StartedGateway;
  configPath: string;
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  return response.json();
}

interface Health {
  backends: Record<string, { pid: number | null; tools_cached: number; state: string }>;
}

async function health(gateway: StartedGateway): Promise<Health> {
  return (await getJson(`${gateway.url}/health`)) as Health;
}

/** Waits (bounded) until the gateway's catalog holds both echo backends' tools: gateway_invoke needs them. */
export async function waitIndexed(gateway: StartedGateway, names: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const h = await health(gateway);
    if (names.every((n) => (h.backends[n]?.tools_cached ?? 0) > 0)) return;
    await delay(50);
  }
  throw new Error(`the gateway did not index ${names.join(', ')} within 20 s`);
}

export async function stdioBackendPid(gateway: StartedGateway): Promise<number | undefined> {
  return (await health(gateway)).backends[STDIO_BACKEND]?.pid ?? undefined;
}
