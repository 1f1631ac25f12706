/**
 * Three gateway processes sharing one redis-server, behind a round-robin proxy, all on loopback: one replica indexes
 * a backend and the others search its tools without starting it; a legacy session opened on A goes on while its
 * requests land on B and C; a backend added through the admin API on one replica answers on all within a second; a
 * modern client is served by all three; one replica killed with SIGKILL under load costs no more calls than it had
 * in flight; Redis restarted degrades /health meanwhile and the replicas recover when it returns.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type Client as ModernClient } from '@modelcontextprotocol/client';
import { connectModernClient } from '../helpers/modern-client.js';
import { firstText, REPO_ROOT } from '../helpers/gateway.js';
import { descendantsOf, isAlive, stopChild, until } from '../helpers/processes.js';
import { hasRedisServer, startRedis, type RedisServer } from '../helpers/redis.js';
import { startReplica, startRoundRobin, type Replica, type RoundRobin } from '../helpers/replicas.js';

const TOKEN = 'replicas-admin-token-0123456789';
const TOOLBOX = join(REPO_ROOT, 'dist/examples/backends/toolbox.js');

interface Health {
  status: string;
  state?: { up: boolean };
  backends: Record<string, { state: string; catalog: string; pid: number | null; restart_count: number }>;
}

const health = async (url: string): Promise<Health> =>
  (await (await fetch(`${url}/health`)).json()) as Health;

async function legacyClient(url: string, sessionId?: string): Promise<Client> {
  const client = new Client({ name: 'replicas-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), sessionId !== undefined ? { sessionId } : undefined),
  );
  return client;
}

function modernClient(url: string): Promise<ModernClient> {
  return connectModernClient(url, { name: 'replicas-modern' });
}

const echo = (message: string) => ({
  name: 'gateway_invoke',
  arguments: { server: 'toolbox', tool: 'echo', arguments: { message } },
});

describe.runIf(hasRedisServer())('three replicas behind one address', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'mcpgw-replicas-'));
  let redis: RedisServer;
  const replicas: Replica[] = [];
  const orphans: number[] = [];
  let proxy: RoundRobin;
  const clients: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    redis = await startRedis();
    const config = join(scratch, 'servers.yaml');
    writeFileSync(
      config,
      `port: 0
state_dir: \${STATE_DIR}
admin:
  token: ${TOKEN}
  allow_stdio: true
state:
  store: redis
  url: ${redis.url}
backends:
  toolbox:
    command: node ${TOOLBOX}
    description: Offline utilities - time, arithmetic, echo
  spare:
    command: node ${TOOLBOX} spare
    description: The same utilities, read by one replica for all
`,
    );
    const start = (name: string) => {
      const dir = join(scratch, name);
      return startReplica(name, config, dir);
    };
    const a = await start('a');
    replicas.push(a);
    await until(
      async () => Object.values((await health(a.url)).backends).every((b) => b.catalog === 'indexed'),
      'replica a indexes every backend',
      20_000,
    );
    replicas.push(...(await Promise.all([start('b'), start('c')])));
    proxy = await startRoundRobin(replicas.map((r) => r.url));
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await proxy?.close();
    await Promise.allSettled(replicas.map((r) => stopChild(r.child)));
    for (const pid of orphans) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await redis?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("serves search on B and C from A's reading of a backend, without starting it", async () => {
    for (const replica of replicas.slice(1)) {
      // A replica reads the shared catalog from Redis once it listens: indexed a moment later, never by starting it.
      await until(
        async () => (await health(replica.url)).backends.spare?.catalog === 'indexed',
        `replica ${replica.name} takes the shared reading of spare`,
        10_000,
      );
      const client = await modernClient(`${replica.url}/mcp`);
      clients.push(client);
      const found = await client.callTool({ name: 'gateway_search_tools', arguments: { query: 'echo' } });
      expect(firstText(found)).toContain('"server":"spare"');
      const after = (await health(replica.url)).backends.spare!;
      expect(after.pid ?? undefined).toBeUndefined();
      expect(after.restart_count).toBe(0);
      expect(after.state).not.toBe('running');
    }
  });

  it('continues a legacy session opened through A while its requests land on B and C', async () => {
    const [a] = replicas;
    const opened = await legacyClient(`${a!.url}/mcp`);
    const id = (opened.transport as StreamableHTTPClientTransport).sessionId!;
    const moved = await legacyClient(`${proxy.url}/mcp`, id);
    clients.push(opened, moved);
    for (let i = 0; i < 6; i++) expect(firstText(await moved.callTool(echo(`call ${i}`)))).toBe(`call ${i}`);
    expect(proxy.sessionsSeen.get(id)?.size).toBe(3);
  });

  it('answers a backend added through the admin API on one replica on all of them within a second', async () => {
    const [, b] = replicas;
    const started = Date.now();
    const added = await fetch(`${b!.url}/api/v1/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'extra', command: `node ${TOOLBOX} extra` }),
    });
    expect(added.status).toBeLessThan(300);
    await Promise.all(
      replicas.map((r) =>
        until(
          async () => (await health(r.url)).backends.extra !== undefined,
          `${r.name} serves extra`,
          1_000,
        ),
      ),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1_000);
    for (let i = 0; i < 3; i++) {
      const client = await legacyClient(`${proxy.url}/mcp/extra`);
      clients.push(client);
      expect(firstText(await client.callTool({ name: 'echo', arguments: { message: `extra ${i}` } }))).toBe(
        `extra ${i}`,
      );
    }
  });

  it('serves a modern client from all three', async () => {
    const before = new Map(proxy.sent);
    const client = await modernClient(`${proxy.url}/mcp`);
    clients.push(client);
    for (let i = 0; i < 6; i++)
      expect(firstText(await client.callTool(echo(`modern ${i}`)))).toBe(`modern ${i}`);
    for (const replica of replicas)
      expect(proxy.sent.get(replica.url)! - (before.get(replica.url) ?? 0)).toBeGreaterThan(0);
  });

  it('runs each call queued in the Redis stream once, on one of the replicas, its result under its id', async () => {
    const queue = createClient({ url: redis.url });
    await queue.connect();
    try {
      const ids = Array.from({ length: 6 }, (_, i) => `job-${i}`);
      for (const id of ids)
        await queue.xAdd('mcpgw:tool-calls', '*', {
          id,
          server: 'toolbox',
          tool: 'echo',
          arguments: JSON.stringify({ message: `queued ${id}` }),
        });
      await queue.xAdd('mcpgw:tool-calls', '*', { id: 'job-bad', server: 'toolbox', tool: 'no_such_tool' });
      const results = new Map<string, Record<string, string>>();
      await until(
        async () => {
          for (const entry of (await queue.xRange('mcpgw:tool-results', '-', '+')) ?? [])
            results.set(entry!.message.id!, entry!.message as Record<string, string>);
          return results.size === ids.length + 1;
        },
        'every queued call answered',
        15_000,
      );
      for (const id of ids) {
        expect(results.get(id)!.status).toBe('ok');
        expect(results.get(id)!.result).toContain(`queued ${id}`);
      }
      expect(results.get('job-bad')).toMatchObject({ status: 'error' });
      expect(results.get('job-bad')!.error).toContain('unknown_tool');
      // Answered once each, and nothing left pending in the group.
      expect((await queue.xRange('mcpgw:tool-results', '-', '+'))?.length).toBe(ids.length + 1);
      expect(await queue.xLen('mcpgw:tool-calls')).toBe(0);
    } finally {
      queue.destroy();
    }
  });

  it('loses no call beyond those in flight on a replica killed with SIGKILL under load', async () => {
    const legacy = await Promise.all([0, 1, 2, 3].map(() => legacyClient(`${proxy.url}/mcp`)));
    const modern = await Promise.all([0, 1].map(() => modernClient(`${proxy.url}/mcp`)));
    clients.push(...legacy, ...modern);
    let stop = false;
    let calls = 0;
    let failures = 0;
    const loop = async (client: Client | ModernClient, n: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const text = firstText(await client.callTool(echo(`load ${n}.${i}`)));
          if (text !== `load ${n}.${i}`) failures++;
        } catch {
          failures++;
        }
        calls++;
      }
    };
    const running = [...legacy, ...modern].map((client, n) => loop(client, n));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const victim = replicas[2]!;
    orphans.push(...descendantsOf(victim.pid));
    const failedBefore = proxy.failed;
    process.kill(victim.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    stop = true;
    await Promise.all(running);
    // The requests the victim had received and never answered: those in flight on it when it died (the proxy sends
    // nothing more to a replica that refuses connections). A snapshot taken before the kill would miss the requests
    // sent between the snapshot and the process's death.
    const inFlight = proxy.failed - failedBefore;
    console.log(
      `kill -9 under load: ${calls} calls, ${failures} failed, ${inFlight} in flight on the killed replica`,
    );
    expect(calls).toBeGreaterThan(50);
    // Every failed call is one of those; none failed on the replicas that stayed up.
    expect(failures).toBeLessThanOrEqual(inFlight);
    // Each client has one call at a time (and a legacy client one listening stream): no more could have been there.
    expect(inFlight).toBeLessThanOrEqual(legacy.length * 2 + modern.length);
    await until(() => victim.child.exitCode !== null || victim.child.signalCode !== null, 'the victim exits');
    for (const pid of orphans) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('degrades /health while Redis is away, keeps serving, and recovers when it returns', async () => {
    const live = replicas.slice(0, 2);
    await redis.stop();
    for (const replica of live)
      await until(
        async () => {
          const h = await health(replica.url);
          return h.status === 'degraded' && h.state?.up === false;
        },
        `${replica.name} reports redis down`,
        5_000,
      );
    const client = await modernClient(`${proxy.url}/mcp`);
    clients.push(client);
    for (let i = 0; i < 4; i++)
      expect(firstText(await client.callTool(echo(`alone ${i}`)))).toBe(`alone ${i}`);
    await redis.restart();
    for (const replica of live)
      await until(
        async () => {
          const h = await health(replica.url);
          return h.status === 'healthy' && h.state?.up === true;
        },
        `${replica.name} recovers`,
        5_000,
      );
    // A session opened after the return moves between the replicas again.
    const opened = await legacyClient(`${live[0]!.url}/mcp`);
    const moved = await legacyClient(
      `${proxy.url}/mcp`,
      (opened.transport as StreamableHTTPClientTransport).sessionId!,
    );
    clients.push(opened, moved);
    for (let i = 0; i < 4; i++) expect(firstText(await moved.callTool(echo(`back ${i}`)))).toBe(`back ${i}`);
  });
});
