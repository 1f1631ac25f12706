/**
 * Tool calls queued in a Redis Stream, against a real redis-server and a real MCP backend over Streamable HTTP,
 * through the gateway's own core (catalog, registry, profiles, argument checks): each call is run once across two
 * consumers and answered under its id; an argument error, a profile's refusal, an unknown client and a malformed
 * entry come back as error results (an entry without an id goes to the dead-letter stream); a consumer stopped
 * mid-call leaves its entry pending, and another one claims and completes it after the timeout; a long call is not
 * claimed away from a consumer that is alive. A replica in a process of its own, killed with SIGKILL mid-call, leaves
 * its call to another (its script is built by `npm run build`, as `npm test` does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type GatewayConfig } from '../../src/config/index.js';
import { createCore, type GatewayCore } from '../../src/gateway-core.js';
import { silentLogger } from '../../src/log.js';
import { startGatewayQueue } from '../../src/queue/gateway-queue.js';
import { queueKeys, startToolQueue, type ToolQueue } from '../../src/queue/tool-queue.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { REPO_ROOT } from '../helpers/gateway.js';
import { isAlive, stopChild, until } from '../helpers/processes.js';
import { hasRedisServer, startRedis, type RedisServer } from '../helpers/redis.js';

const PREFIX = 'test:';
const KEYS = queueKeys(PREFIX);

type Redis = ReturnType<typeof createClient>;
let server: RedisServer;
let redis: Redis;
let backend: HttpBackend;
let core: GatewayCore;
let config: GatewayConfig;
let stateDir: string;
/** How many times the backend ran each call, by the call's `tag` argument. */
const runs = new Map<string, number>();
/** Calls of `slow` running now, and the most at once. */
let active = 0;
let mostActive = 0;
const queues: ToolQueue[] = [];
const REPLICA = join(REPO_ROOT, 'dist/test/fixtures/queue-replica.js');
let child: ChildProcess | undefined;

const yaml = (url: string) => `
auth:
  clients:
    runner: { token: 'runner-token-0123456789abcdef', profile: limited }
    ops: { token: 'ops-token-0123456789abcdef0123' }
profiles:
  limited:
    tools: { deny: ['work/secret'] }
backends:
  work:
    http_url: ${url}
`;

function counted(tag: string): void {
  runs.set(tag, (runs.get(tag) ?? 0) + 1);
}

async function queue(
  consumerName: string,
  options: { claimAfterMs?: number; stopGraceMs?: number; maxConcurrent?: number } = {},
) {
  const started = await startGatewayQueue({
    redis,
    meta: core.meta,
    config: () => config,
    prefix: PREFIX,
    consumerName,
    claimAfterMs: options.claimAfterMs ?? 30_000,
    stopGraceMs: options.stopGraceMs ?? 5_000,
    maxConcurrent: options.maxConcurrent ?? 4,
    log: silentLogger(),
  });
  queues.push(started);
  return started;
}

async function add(fields: Record<string, string>): Promise<void> {
  await redis.sendCommand(['XADD', KEYS.calls, '*', ...Object.entries(fields).flat()]);
}

interface ResultEntry {
  id: string;
  status: string;
  consumer: string;
  result?: { content: Array<{ text: string }>; isError?: boolean };
  error?: { code: string; message: string };
}

async function results(stream = KEYS.results): Promise<ResultEntry[]> {
  const entries = (await redis.sendCommand(['XRANGE', stream, '-', '+'])) as Array<[string, string[]]>;
  return entries.map(([, list]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < list.length; i += 2) fields[list[i]!] = list[i + 1]!;
    return {
      ...fields,
      ...(fields.result ? { result: JSON.parse(fields.result) } : {}),
      ...(fields.error ? { error: JSON.parse(fields.error) } : {}),
    } as unknown as ResultEntry;
  });
}

async function resultOf(id: string, timeoutMs = 10_000): Promise<ResultEntry> {
  let found: ResultEntry | undefined;
  await until(
    async () => (found = (await results()).find((r) => r.id === id)) !== undefined,
    `result ${id}`,
    timeoutMs,
  );
  return found!;
}

async function pending(): Promise<Array<[string, string]>> {
  const reply = (await redis.sendCommand([
    'XPENDING',
    KEYS.calls,
    'mcp-gateway',
    '-',
    '+',
    '100',
  ])) as unknown[][];
  return reply.map((p) => [String(p[0]), String(p[1])]);
}

describe.runIf(hasRedisServer())('tool queue (Redis Streams)', () => {
  beforeAll(async () => {
    server = await startRedis();
    redis = createClient({ url: server.url });
    redis.on('error', () => {});
    await redis.connect();
    backend = await startHttpBackend({
      name: 'work',
      tools(mcp) {
        mcp.registerTool(
          'add',
          { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number(), tag: z.string() } },
          async ({ a, b, tag }) => {
            counted(tag);
            return { content: [{ type: 'text', text: String(a + b) }] };
          },
        );
        mcp.registerTool(
          'slow',
          { description: 'Answers after a while', inputSchema: { ms: z.number(), tag: z.string() } },
          async ({ ms, tag }) => {
            counted(tag);
            mostActive = Math.max(mostActive, ++active);
            await new Promise((resolve) => setTimeout(resolve, ms));
            active--;
            return { content: [{ type: 'text', text: `slept ${ms}` }] };
          },
        );
        mcp.registerTool(
          'secret',
          { description: 'Not for the limited profile', inputSchema: {} },
          async () => {
            counted('secret');
            return { content: [{ type: 'text', text: 'secret' }] };
          },
        );
      },
    });
    stateDir = mkdtempSync(join(tmpdir(), 'tool-queue-'));
    config = {
      ...parseConfig(yaml(backend.url), { path: 'servers.yaml', env: {} }).config,
      state_dir: stateDir,
    };
    core = createCore(config, silentLogger(), { maxCallMs: 30_000, ledgerFile: 'ledger.json' });
    core.start();
    await until(() => core.catalog.isIndexed('work'), 'discovery', 15_000);
  }, 30_000);

  afterEach(async () => {
    while (queues.length) await queues.pop()!.stop();
    await redis.sendCommand(['DEL', KEYS.calls, KEYS.results, KEYS.dead]);
  });

  afterAll(async () => {
    if (child) await stopChild(child);
    while (queues.length) await queues.pop()!.stop();
    await redis?.close();
    await core?.close();
    await backend?.close();
    await server?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('runs each call once across two consumers and answers it under its id', async () => {
    await queue('replica-a');
    await queue('replica-b');
    const ids = Array.from({ length: 12 }, (_, i) => `job-${i}`);
    for (const [i, id] of ids.entries())
      await add({
        id,
        server: 'work',
        tool: 'add',
        arguments: JSON.stringify({ a: i, b: 1, tag: id }),
        client: 'runner',
      });
    await until(async () => (await results()).length >= ids.length, 'every result', 15_000);
    const all = await results();
    expect(all.map((r) => r.id).sort()).toEqual([...ids].sort());
    for (const [i, id] of ids.entries()) {
      const result = all.find((r) => r.id === id)!;
      expect(result.status).toBe('ok');
      expect(result.result?.content[0]?.text).toBe(String(i + 1));
      expect(['replica-a', 'replica-b']).toContain(result.consumer);
      expect(runs.get(id), id).toBe(1);
    }
    // Answered entries are acknowledged and deleted: nothing pending, nothing left in the stream.
    expect(await pending()).toEqual([]);
    expect(await redis.sendCommand(['XLEN', KEYS.calls])).toBe(0);
    // A consumer that stops holding nothing leaves the group.
    while (queues.length) await queues.pop()!.stop();
    expect(await redis.sendCommand(['XINFO', 'CONSUMERS', KEYS.calls, 'mcp-gateway'])).toEqual([]);
  });

  it('answers an argument error, a profile refusal, an unknown client and a malformed entry with error results', async () => {
    await queue('replica-a');
    await add({
      id: 'bad-args',
      server: 'work',
      tool: 'add',
      arguments: '{"a":"one","b":2,"tag":"bad"}',
      client: 'runner',
    });
    await add({ id: 'refused', server: 'work', tool: 'secret', client: 'runner' });
    await add({
      id: 'stranger',
      server: 'work',
      tool: 'add',
      arguments: '{"a":1,"b":2,"tag":"x"}',
      client: 'nobody',
    });
    await add({ id: 'not-json', server: 'work', tool: 'add', arguments: '{a:1', client: 'runner' });
    await add({ server: 'work', tool: 'add', client: 'runner' });
    // The same tool through a client whose profile allows it, and `server__tool` without `server`.
    await add({ id: 'allowed', tool: 'work__secret', client: 'ops' });

    expect((await resultOf('bad-args')).error).toMatchObject({ code: 'invalid_arguments' });
    expect((await resultOf('bad-args')).error?.message).toMatch(/do not match the input schema of "add"/);
    expect((await resultOf('refused')).error).toMatchObject({ code: 'unknown_tool' });
    expect((await resultOf('stranger')).error).toMatchObject({ code: 'unknown_client' });
    expect((await resultOf('not-json')).error).toMatchObject({ code: 'invalid_request' });
    expect((await resultOf('allowed')).result?.content[0]?.text).toBe('secret');
    expect(runs.get('bad')).toBeUndefined();
    expect(runs.get('x')).toBeUndefined();
    expect(runs.get('secret')).toBe(1);
    await until(async () => (await results(KEYS.dead)).length === 1, 'the dead letter', 5_000);
    const [dead] = (await redis.sendCommand(['XRANGE', KEYS.dead, '-', '+'])) as Array<[string, string[]]>;
    expect(dead![1]).toContain('reason');
    expect(await pending()).toEqual([]);
  });

  it('leaves the call of a consumer stopped mid-call pending, for another to claim and complete after the timeout', async () => {
    const first = await queue('replica-a', { claimAfterMs: 400, stopGraceMs: 0 });
    await add({
      id: 'long-1',
      server: 'work',
      tool: 'slow',
      arguments: '{"ms":600,"tag":"long-1"}',
      client: 'runner',
    });
    await until(() => runs.get('long-1') === 1, 'the call started', 5_000);
    // Stopped without waiting: as a replica that died, it acknowledges nothing.
    await first.stop();
    expect(await pending()).toEqual([[expect.any(String), 'replica-a']]);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await results()).toEqual([]);

    await queue('replica-b', { claimAfterMs: 400 });
    const result = await resultOf('long-1');
    expect(result).toMatchObject({ status: 'ok', consumer: 'replica-b' });
    expect(result.result?.content[0]?.text).toBe('slept 600');
    expect(runs.get('long-1')).toBe(2);
    expect(await pending()).toEqual([]);
    expect((await results()).filter((r) => r.id === 'long-1')).toHaveLength(1);
  });

  it('does not claim a long call away from a consumer that is alive', async () => {
    await queue('replica-a', { claimAfterMs: 300 });
    await add({
      id: 'long-2',
      server: 'work',
      tool: 'slow',
      arguments: '{"ms":1500,"tag":"long-2"}',
      client: 'runner',
    });
    await until(() => runs.get('long-2') === 1, 'the call started', 5_000);
    await queue('replica-b', { claimAfterMs: 300 });
    const result = await resultOf('long-2');
    expect(result).toMatchObject({ status: 'ok', consumer: 'replica-a' });
    expect(runs.get('long-2')).toBe(1);
  });

  it('runs no more calls at once than its bound', async () => {
    await queue('replica-a', { maxConcurrent: 2 });
    mostActive = 0;
    const ids = Array.from({ length: 6 }, (_, i) => `bounded-${i}`);
    for (const id of ids)
      await add({
        id,
        server: 'work',
        tool: 'slow',
        arguments: JSON.stringify({ ms: 150, tag: id }),
        client: 'runner',
      });
    await until(async () => (await results()).length === ids.length, 'every result', 10_000);
    expect(mostActive).toBe(2);
  });

  it('leaves a call whose run fails pending, and answers it after too many deliveries', async () => {
    let attempts = 0;
    queues.push(
      await startToolQueue({
        redis,
        prefix: PREFIX,
        consumerName: 'replica-a',
        claimAfterMs: 150,
        maxDeliveries: 2,
        invoke: async () => {
          attempts++;
          throw new Error('the gateway is stopping');
        },
        log: silentLogger(),
      }),
    );
    await add({ id: 'faulty', server: 'work', tool: 'add', client: 'runner' });
    const result = await resultOf('faulty');
    expect(result.error).toMatchObject({ code: 'too_many_deliveries' });
    expect(result.error?.message).toMatch(/taken 2 times without an answer/);
    expect(attempts).toBe(2);
    expect(await pending()).toEqual([]);
  });

  it.runIf(existsSync(REPLICA))(
    'hands the call of a replica killed with SIGKILL mid-call to another after the timeout',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'queue-replica-'));
      child = spawn(process.execPath, [REPLICA], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH,
          REDIS_URL: server.url,
          BACKEND_URL: backend.url,
          STATE_DIR: dir,
          CONSUMER: 'replica-killed',
          CLAIM_AFTER_MS: '500',
          PREFIX,
        },
      });
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child!.stdout! }).on('line', (line) => line === 'ready' && resolve());
        void exited.then(() => reject(new Error(`the replica exited: ${stderr}`)));
      });
      await add({
        id: 'killed-1',
        server: 'work',
        tool: 'slow',
        arguments: '{"ms":700,"tag":"killed-1"}',
        client: 'runner',
      });
      await until(() => runs.get('killed-1') === 1, 'the call started', 5_000);
      const pid = child.pid!;
      process.kill(pid, 'SIGKILL');
      await exited;
      expect(isAlive(pid)).toBe(false);
      child = undefined;
      expect(await pending()).toEqual([[expect.any(String), 'replica-killed']]);

      await queue('replica-b', { claimAfterMs: 500 });
      const result = await resultOf('killed-1');
      expect(result).toMatchObject({ status: 'ok', consumer: 'replica-b' });
      expect(runs.get('killed-1')).toBe(2);
      expect(await pending()).toEqual([]);
      rmSync(dir, { recursive: true, force: true });
    },
    30_000,
  );
});
