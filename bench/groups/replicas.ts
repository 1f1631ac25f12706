/**
 * @module bench/groups/replicas: several replicas sharing their state in Redis (`state.store: redis`), on this
 * machine. Throughput of gateway_invoke through /mcp on one replica, then with the same number of client sessions
 * spread over three (round-robin, as a load balancer would), in the same run; and the latency a replica adds when a
 * request is for a session opened on another one (it re-attaches it on first use), against the next requests of
 * that session there. Skipped (null) when no `redis-server` is on the PATH. Every process is stopped by its pid.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer, Socket, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { invokeCall } from '../calls.js';
import { STDIO_BACKEND, writeEchoConfig } from '../fixtures.js';
import { closedLoop, median, quantile } from '../loop.js';
import { HttpMcpSession, createAgent } from '../mcp-client.js';
import { startGateway, type StartedGateway } from '../processes.js';
import { alive } from '../procfs.js';
import { QUICK, SETTINGS } from '../settings.js';

export interface ReplicasResult {
  concurrency: number;
  /** Median calls/s over rounds. */
  oneReplicaCallsPerS: number;
  threeReplicasCallsPerS: number;
  ratio: number;
  oneReplicaP50Ms: number;
  threeReplicasP50Ms: number;
  /** The first request of a session on a replica that did not open it (re-attach included), and the next ones. */
  reattach: {
    samples: number;
    firstP50Ms: number;
    firstP90Ms: number;
    nextP50Ms: number;
    addedP50Ms: number;
  };
}

const CONCURRENCY = 16;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => alive(pid) && process.kill(pid, 'SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  // Ready once it answers a PING on its port.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
    });
    if (answered) return { url, stop };
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error('redis-server did not start');
    }
    await delay(25);
  }
}

export async function replicasGroup(dir: string, httpUrl: string): Promise<ReplicasResult | null> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    process.stderr.write('  no redis-server on the PATH: skipped\n');
    return null;
  }
  const redis = await startRedis(join(dir, 'replicas-redis'));
  const gateways: StartedGateway[] = [];
  try {
    for (const name of ['a', 'b', 'c']) {
      const config = writeEchoConfig(join(dir, `replica-${name}`), httpUrl);
      appendFileSync(config, `state:\n  store: redis\n  url: "${redis.url}"\n  prefix: "bench:"\n`);
      gateways.push(await startGateway(config));
    }
    const agent = createAgent(CONCURRENCY * 2);
    const sessionsOn = async (urls: string[]) =>
      Promise.all(
        Array.from({ length: CONCURRENCY }, (_, i) =>
          HttpMcpSession.open(agent, `${urls[i % urls.length]}/mcp`),
        ),
      );
    const one = await sessionsOn([gateways[0]!.url]);
    const three = await sessionsOn(gateways.map((g) => g.url));
    const oneCall = invokeCall(one, STDIO_BACKEND);
    const threeCall = invokeCall(three, STDIO_BACKEND);
    // Every replica's backend started and its catalog read before anything is timed.
    await closedLoop(CONCURRENCY, SETTINGS.warmupMs * 3, SETTINGS.maxCallsPerRound, oneCall);
    await closedLoop(CONCURRENCY, SETTINGS.warmupMs * 3, SETTINGS.maxCallsPerRound, threeCall);
    const rates: { one: number[]; three: number[]; oneP50: number[]; threeP50: number[] } = {
      one: [],
      three: [],
      oneP50: [],
      threeP50: [],
    };
    for (let round = 0; round < SETTINGS.rounds; round++) {
      for (const which of round % 2 === 0 ? (['one', 'three'] as const) : (['three', 'one'] as const)) {
        const result = await closedLoop(
          CONCURRENCY,
          SETTINGS.durationMs,
          SETTINGS.maxCallsPerRound,
          which === 'one' ? oneCall : threeCall,
        );
        if (result.errors > 0) throw new Error(`replicas (${which}): ${result.firstError}`);
        rates[which].push((result.calls * 1000) / result.elapsedMs);
        rates[which === 'one' ? 'oneP50' : 'threeP50'].push(quantile(result.latencies, 0.5));
      }
    }
    await Promise.all([...one, ...three].map((s) => s.close()));

    // Re-attach: a session opened (and used once) on A, its next request sent to B, then more on B.
    const samples = QUICK ? 20 : 60;
    const first: number[] = [];
    const next: number[] = [];
    const echo = (session: HttpMcpSession, text: string) =>
      session.request('tools/call', {
        name: 'gateway_invoke',
        arguments: { server: STDIO_BACKEND, tool: 'echo', arguments: { text } },
      });
    for (let i = 0; i < samples; i++) {
      const opened = await HttpMcpSession.open(agent, `${gateways[0]!.url}/mcp`);
      await echo(opened, 'a');
      const moved = HttpMcpSession.attach(agent, `${gateways[1]!.url}/mcp`, opened.sessionId);
      let t0 = performance.now();
      await echo(moved, 'b1');
      first.push(performance.now() - t0);
      for (let j = 0; j < 3; j++) {
        t0 = performance.now();
        await echo(moved, `b${j + 2}`);
        next.push(performance.now() - t0);
      }
      await moved.close();
    }
    agent.destroy();
    const oneRate = median(rates.one);
    const threeRate = median(rates.three);
    const result: ReplicasResult = {
      concurrency: CONCURRENCY,
      oneReplicaCallsPerS: Math.round(oneRate),
      threeReplicasCallsPerS: Math.round(threeRate),
      ratio: Math.round((threeRate / oneRate) * 100) / 100,
      oneReplicaP50Ms: median(rates.oneP50),
      threeReplicasP50Ms: median(rates.threeP50),
      reattach: {
        samples,
        firstP50Ms: quantile(first, 0.5),
        firstP90Ms: quantile(first, 0.9),
        nextP50Ms: quantile(next, 0.5),
        addedP50Ms: quantile(first, 0.5) - quantile(next, 0.5),
      },
    };
    process.stderr.write(
      `  gateway_invoke c=${CONCURRENCY}: one replica ${result.oneReplicaCallsPerS}/s, three ${result.threeReplicasCallsPerS}/s (×${result.ratio})\n` +
        `  re-attach on another replica: first request p50 ${result.reattach.firstP50Ms.toFixed(2)} ms, next p50 ${result.reattach.nextP50Ms.toFixed(2)} ms (+${result.reattach.addedP50Ms.toFixed(2)} ms)\n`,
    );
    return result;
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await redis.stop();
  }
}
