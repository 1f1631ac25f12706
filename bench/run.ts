/**
 * @module bench/run: `npm run bench`. Runs the gateway as a separate process (dist/mcp-gateway.js) in front of echo
 * backends and measures it against a direct connection to the same backend in the same run, interleaving rounds so
 * that drift hits both alike; prints a table and writes bench/results/<timestamp>.json. Bounded: every loop has a
 * duration and a count, every process is stopped by its pid.
 *
 *   npm run bench                  # full run (~7 min on 2 vCPUs)
 *   BENCH_QUICK=1 npm run bench    # smoke run (~40 s)
 *   BENCH_PROFILE=1 npm run bench  # instead: --cpu-prof the gateway (passthrough, invoke, search, start-up)
 *   BENCH_ONLY=calibration,passthrough,list,peers,search,sessions,replicas,coldstart  BENCH_ROUNDS=5  BENCH_DURATION_MS=3000
 *   BENCH_ONLY=instructions        # opt-in: instructions per call under callgrind (BENCH_INSTR_WARMUP, _N1, _N2, _REPEATS)
 *   BENCH_ONLY=http-clients        # opt-in: the HTTP backend client against undici's Pool, and undici's first request
 *   BENCH_PEERS_DIR=<dir>          # where the peers (bench/peers/package.json) are installed; default: OS temp dir
 *   BENCH_SESSIONS=1000  BENCH_PROFILE_MS=5000  BENCH_PROFILE_C=16
 *   BENCH_COMMIT=<sha>             # recorded when not run from a git checkout
 *   BENCH_GATEWAY=<path>           # measure another build's dist/mcp-gateway.js (a before/after in one sitting)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HTTP_BACKEND, STDIO_BACKEND, writeEchoConfig } from './fixtures.js';
import { calibrationGroup } from './groups/calibration.js';
import { coldStartGroup } from './groups/cold-start.js';
import { httpClientsGroup } from './groups/http-clients.js';
import { instructionsGroup } from './groups/instructions.js';
import { listGroup } from './groups/list.js';
import { modernEraGroup } from './groups/modern-era.js';
import { passthroughGroup } from './groups/passthrough.js';
import { peersGroup } from './groups/peers.js';
import { searchGroup } from './groups/search.js';
import { sessionsGroup } from './groups/sessions.js';
import { replicasGroup } from './groups/replicas.js';
import { machine } from './machine.js';
import { StdioMcpConnection } from './mcp-client.js';
import { mb, type ThroughputRow } from './measure.js';
import { ECHO_SERVER, startGateway, startHttpEcho, startLeanProxy } from './processes.js';
import { alive, rssBytes } from './procfs.js';
import { profileMode } from './profile-mode.js';
import { printReport } from './report.js';
import { stdioBackendPid, waitIndexed, type Rig } from './rig.js';
import { QUICK, RESULTS_DIR, RUN_DEADLINE_MS, SETTINGS, env } from './settings.js';
import { checkTargets } from './targets.js';

async function main(): Promise<void> {
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const t0 = performance.now();
  const info = machine();
  process.stderr.write(
    `mcp-gateway bench: ${info.cpus}× ${info.cpuModel}, ${info.totalMemoryGb} GB, node ${info.node}, load ${info.loadAverageAtStart.join(' ')}\n` +
      `rounds ${SETTINGS.rounds} × ${SETTINGS.durationMs} ms${QUICK ? ' (quick)' : ''}\n`,
  );
  const dir = mkdtempSync(join(os.tmpdir(), 'mcp-gateway-bench-'));
  const stops: Array<() => Promise<void>> = [];
  const killTimer = setTimeout(() => {
    process.stderr.write(`bench: run deadline of ${RUN_DEADLINE_MS / 1000} s passed; stopping\n`);
    void Promise.allSettled(stops.map((s) => s())).then(() => process.exit(1));
  }, RUN_DEADLINE_MS).unref();

  let gatewayBackend: number | undefined;
  try {
    const http = await startHttpEcho();
    stops.push(http.stop);
    const lean = await startLeanProxy(http.url);
    stops.push(lean.stop);
    const stdioDirect = await StdioMcpConnection.spawn(process.execPath, [ECHO_SERVER, '--stdio']);
    stops.push(() => stdioDirect.close());
    const configPath = writeEchoConfig(join(dir, 'main'), http.url);
    const gateway = await startGateway(configPath);
    stops.push(gateway.stop);
    await waitIndexed(gateway, [STDIO_BACKEND, HTTP_BACKEND]);
    const rig: Rig = { dir, http, lean, stdioDirect, gateway, configPath };
    const catalogFile = join(dir, 'main', 'state', 'catalog.json');

    if (env.BENCH_PROFILE === '1') {
      await gateway.stop();
      await profileMode(rig, dir, stamp);
      return;
    }

    const rows: ThroughputRow[] = [];
    const has = (g: string) => SETTINGS.groups.includes(g);
    const groupSeconds: Record<string, number> = {};
    const timed = async <T>(group: string, title: string, work: () => Promise<T>): Promise<T> => {
      process.stderr.write(`${title}:\n`);
      const g0 = performance.now();
      try {
        return await work();
      } finally {
        groupSeconds[group] = Math.round((performance.now() - g0) / 100) / 10;
      }
    };
    if (has('calibration')) {
      await timed('calibration', 'calibration (no MCP library at either end)', () => calibrationGroup(rows));
    }
    if (has('passthrough')) {
      await timed('passthrough', 'passthrough, gateway_invoke and the lean prototype vs direct', () =>
        passthroughGroup(rig, rows),
      );
    }
    if (has('list')) await timed('list', 'tools/list', () => listGroup(rig, rows));
    if (has('modern') || !env.BENCH_ONLY)
      await timed('modern', 'a 2026-07-28 client vs a legacy session', () => modernEraGroup(rig, rows));
    const peers = has('peers')
      ? await timed('peers', 'the other gateways, idle and beside a busy core', () => peersGroup(rig, dir))
      : undefined;
    gatewayBackend = await stdioBackendPid(gateway);
    const gatewayRssAfterLoadMb = mb(rssBytes(gateway.pid));
    await gateway.stop();
    if (gatewayBackend !== undefined && alive(gatewayBackend)) process.kill(gatewayBackend, 'SIGKILL');

    const search = has('search') ? await timed('search', 'search', () => searchGroup(dir)) : [];
    const sessions = has('sessions')
      ? await timed('sessions', 'sessions', () => sessionsGroup(dir, http.url, catalogFile, http))
      : undefined;
    const replicas = has('replicas')
      ? await timed('replicas', 'replicas (Redis)', () => replicasGroup(dir, http.url))
      : undefined;
    const instructions = has('instructions')
      ? await timed('instructions', 'instructions per call (callgrind)', () =>
          instructionsGroup(dir, http.url, catalogFile),
        )
      : undefined;
    const httpClients = has('http-clients')
      ? await timed('http-clients', "HTTP backend clients: the gateway's transport and undici", () =>
          httpClientsGroup(),
        )
      : undefined;
    const large = has('search') ? join(dir, 'catalog-10000', 'servers.yaml') : undefined;
    const cold = has('coldstart')
      ? await timed('coldstart', 'cold start', () => coldStartGroup(dir, http.url, catalogFile, large))
      : [];

    info.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
    const targets = checkTargets(rows, search, sessions, cold, peers, instructions);
    const durationS = Math.round((performance.now() - t0) / 100) / 10;
    const result = {
      version: 1,
      startedAt: startedAt.toISOString(),
      durationS,
      groupSeconds,
      machine: info,
      settings: SETTINGS,
      notes: [
        'Everything (gateway, backends, load client) shares the same CPUs; nothing is pinned.',
        'ratio = gateway calls/s ÷ direct calls/s in the same block; +p50 = gateway p50 − direct p50; medians over rounds.',
        'gw µs/call = CPU time (utime+stime from /proc) of the gateway process only, per call; be µs/call = the backend process.',
        'Direct stdio is one child process of the load client (one pipe, like the gateway’s shared process).',
        'tools/list on /mcp/<backend> is answered by the gateway: from the catalog for a shared (stdio) backend, from the session cache (its first answer on that session) for an HTTP backend, whose connection is per client session.',
        'cl µs/call and cl % = the load client’s own CPU (process.cpuUsage) per call and as a share of one core.',
        'calibration rows: the same calls to SDK-less echo servers (bench/echo-server.ts --raw): the cost of one hop on this machine.',
        'prototype rows: bench/lean-proxy.ts, NOT the gateway: a minimal node:http forwarder, the floor a lean passthrough could reach here.',
      ],
      throughput: rows,
      peers,
      instructions,
      httpClients,
      gatewayRssAfterLoadMb,
      search,
      sessions,
      replicas,
      coldStart: cold,
      targets,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${stamp}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    printReport(result, file);
  } finally {
    clearTimeout(killTimer);
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (gatewayBackend !== undefined && alive(gatewayBackend)) process.kill(gatewayBackend, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
