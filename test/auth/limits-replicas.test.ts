/**
 * Per-client limits across two replicas sharing a real redis-server: a client's sessions are counted on both
 * (max_sessions_per_client), so are its requests (requests_per_second, within a flush of 100 ms); another client is
 * not held back; with Redis away each replica limits by its own count again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { hasRedisServer, startRedis, type RedisServer } from '../helpers/redis.js';
import { INITIALIZE, MCP_HEADERS } from '../helpers/raw-mcp.js';

const A = 'client-a-token-0123456789';
const B = 'client-b-token-0123456789';

const post = (gw: RunningGateway, token: string, body: unknown, sessionId?: string) =>
  fetch(`${gw.url}/mcp`, {
    method: 'POST',
    headers: {
      ...MCP_HEADERS,
      authorization: `Bearer ${token}`,
      ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } : {}),
    },
    body: JSON.stringify(body),
  });

describe.runIf(hasRedisServer())('per-client limits across replicas', () => {
  let redis: RedisServer;
  const running: RunningGateway[] = [];
  const pair = async (limits: string, prefix: string): Promise<[RunningGateway, RunningGateway]> => {
    const yaml = `
auth:
  clients:
    a: { token: '${A}' }
    b: { token: '${B}' }
${limits}
state:
  store: redis
  url: ${redis.url}
  prefix: '${prefix}'
backends:
  toolbox: { command: node dist/examples/backends/toolbox.js }
`;
    const one = await startGateway(yaml);
    const two = await startGateway(yaml);
    running.push(one, two);
    return [one, two];
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.allSettled(running.map((g) => g.close()));
    await redis?.stop();
  });

  it('counts a client’s sessions on every replica', async () => {
    const [one, two] = await pair('  max_sessions_per_client: 2', 'sessions:');
    expect((await post(one, A, INITIALIZE)).status).toBe(200);
    expect((await post(two, A, INITIALIZE)).status).toBe(200);
    expect((await post(one, A, INITIALIZE)).status).toBe(429);
    expect((await post(two, A, INITIALIZE)).status).toBe(429);
    expect((await post(two, B, INITIALIZE)).status).toBe(200);
  });

  it('counts a client’s requests on every replica, and each replica’s own while Redis is away', async () => {
    const [one, two] = await pair('  requests_per_second: 5', 'rate:');
    const sessions = await Promise.all(
      [one, two].map(async (gw) => (await post(gw, A, INITIALIZE)).headers.get('mcp-session-id')!),
    );
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    const burst = async () => {
      let passed = 0;
      const started = Date.now();
      for (let i = 0; i < 40; i++) {
        const gw = i % 2 === 0 ? one : two;
        const res = await post(gw, A, call, sessions[i % 2]);
        if (res.status === 200) passed++;
        await res.text();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return { passed, seconds: (Date.now() - started) / 1000 };
    };
    // A bucket of 10, then 5 a second, across both replicas (each alone would let about twice as many pass); a few
    // more for the others' requests learnt a flush (100 ms) late.
    const { passed: shared, seconds } = await burst();
    expect(shared).toBeLessThanOrEqual(10 + 5 * seconds + 4);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await redis.stop();
    await until(
      async () =>
        (
          (await (
            await fetch(`${one.url}/health`, { headers: { authorization: `Bearer ${B}` } })
          ).json()) as { status: string }
        ).status === 'degraded',
      'degraded',
      5_000,
    );
    const { passed: alone } = await burst();
    console.log(
      `requests_per_second 5 over two replicas, 40 requests in ${seconds.toFixed(1)} s: ${shared} passed shared, ${alone} apart`,
    );
    expect(alone).toBeGreaterThan(shared);
    await redis.restart();
  });
});
