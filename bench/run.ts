/**
 * @module bench/run: `npm run bench`. Runs the gateway as a separate process (dist/mcp-gateway.js) in front of echo
 * backends and measures it against a direct connection to the same backend in the same run, interleaving rounds so
 * that drift hits both alike; prints a table and writes bench/results/<timestamp>.json. Bounded: every loop has a
 * duration and a count, every process is stopped by its pid.
 *
 *   npm run bench                  # full run (~3½ min on 2 vCPUs)
 *   BENCH_QUICK=1 npm run bench    # smoke run (~40 s)
 *   BENCH_PROFILE=1 npm run bench  # instead: --cpu-prof the gateway (passthrough, invoke, search, start-up)
 *   BENCH_ONLY=calibration,passthrough,list,search,sessions,coldstart  BENCH_ROUNDS=5  BENCH_DURATION_MS=3000
 *   BENCH_SESSIONS=1000  BENCH_PROFILE_MS=5000  BENCH_PROFILE_C=16  BENCH_COMMIT=<sha> (recorded when not run from a git checkout)
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { createSearchIndex } from '../src/catalog/search-index.js';
import { replicateTools } from '../test/fixtures/catalog/catalog.js';
import {
  HTTP_BACKEND,
  STDIO_BACKEND,
  loadFixtureQueries,
  loadFixtureServers,
  writeEchoConfig,
  writeLargeCatalog,
} from './fixtures.js';
import { closedLoop, median, quantile, type Call } from './loop.js';
import { HttpMcpSession, StdioMcpConnection, createAgent, type RpcClient } from './mcp-client.js';
import {
  ECHO_SERVER,
  GATEWAY_MODULES,
  startGateway,
  startHttpEcho,
  startLeanProxy,
  type StartedEcho,
  type StartedGateway,
} from './processes.js';
import { alive, childPids, cpuMicros, rssBytes } from './procfs.js';
import { formatSummary, summarizeProfile, type ProfileSummary } from './profile-summary.js';

// ---------------------------------------------------------------------------------------------------------------
// Settings

const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const int = (value: string | undefined, fallback: number) =>
  value !== undefined && Number.isFinite(Number(value)) && Number(value) > 0
    ? Math.floor(Number(value))
    : fallback;
const SETTINGS = {
  quick: QUICK,
  rounds: int(env.BENCH_ROUNDS, QUICK ? 2 : 3),
  durationMs: int(env.BENCH_DURATION_MS, QUICK ? 250 : 1000),
  warmupMs: QUICK ? 100 : 200,
  maxCallsPerRound: 500_000,
  sessions: int(env.BENCH_SESSIONS, QUICK ? 200 : 1000),
  coldRounds: QUICK ? 2 : 3,
  profileMs: int(env.BENCH_PROFILE_MS, 5000),
  /** Concurrency of the profiled passthrough and invoke loads. */
  profileConcurrency: int(env.BENCH_PROFILE_C, 16),
  groups: (env.BENCH_ONLY ?? 'calibration,passthrough,list,search,sessions,coldstart').split(','),
};
/** The quick run leaves out concurrency 64: it is a smoke test of every scenario kind, not a measurement. */
const CONCURRENCY: Array<{ c: number; sharing: Sharing }> = [
  { c: 1, sharing: 'per-worker' as const },
  { c: 16, sharing: 'per-worker' as const },
  { c: 16, sharing: 'shared' as const },
  { c: 64, sharing: 'per-worker' as const },
  { c: 64, sharing: 'shared' as const },
].filter(({ c }) => !QUICK || c < 64);
const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));
/** The whole run is cut off here, whatever happens (a hung scenario must not hang the machine's CI). */
const RUN_DEADLINE_MS = 15 * 60_000;

type Sharing = 'per-worker' | 'shared';

// ---------------------------------------------------------------------------------------------------------------
// Measurement

interface RoundSample {
  calls: number;
  errors: number;
  callsPerS: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** CPU time of the gateway process (not its children) per call, µs. */
  gatewayCpuUs: number | null;
  /** CPU time of the backend process per call, µs. */
  backendCpuUs: number | null;
  /** The load client's own CPU per call (µs) and as a share of one core (%). */
  clientCpuUs: number;
  clientCpuPct: number;
  gatewayRssMb: number | null;
}

interface Summary extends RoundSample {
  rounds: number;
  firstError?: string;
}

interface Probe {
  gatewayPid?: number;
  backendPid?: () => number | undefined;
}

interface Target {
  label: string;
  probe: Probe;
  call: Call;
}

const mb = (bytes: number | null) => (bytes === null ? null : bytes / 1024 / 1024);

async function measureRound(target: Target, concurrency: number, durationMs: number) {
  const { gatewayPid, backendPid } = target.probe;
  const backend = backendPid?.();
  const gw0 = gatewayPid ? cpuMicros(gatewayPid) : null;
  const be0 = backend ? cpuMicros(backend) : null;
  const client0 = process.cpuUsage();
  const loop = await closedLoop(concurrency, durationMs, SETTINGS.maxCallsPerRound, target.call);
  const client = process.cpuUsage(client0);
  const gw1 = gatewayPid ? cpuMicros(gatewayPid) : null;
  const be1 = backend ? cpuMicros(backend) : null;
  const perCall = (a: number | null, b: number | null) =>
    a === null || b === null || loop.calls === 0 ? null : (b - a) / loop.calls;
  const clientUs = client.user + client.system;
  const sample: RoundSample = {
    calls: loop.calls,
    errors: loop.errors,
    callsPerS: loop.calls / (loop.elapsedMs / 1000),
    p50Ms: quantile(loop.latencies, 0.5),
    p90Ms: quantile(loop.latencies, 0.9),
    p99Ms: quantile(loop.latencies, 0.99),
    gatewayCpuUs: perCall(gw0, gw1),
    backendCpuUs: perCall(be0, be1),
    clientCpuUs: loop.calls ? clientUs / loop.calls : NaN,
    clientCpuPct: (clientUs / (loop.elapsedMs * 1000)) * 100,
    gatewayRssMb: gatewayPid ? mb(rssBytes(gatewayPid)) : null,
  };
  return { sample, firstError: loop.firstError };
}

function summarize(samples: RoundSample[], firstError: string | undefined): Summary {
  const med = (pick: (s: RoundSample) => number | null) => {
    const values = samples.map(pick).filter((v): v is number => v !== null);
    return values.length ? median(values) : null;
  };
  return {
    rounds: samples.length,
    calls: samples.reduce((n, s) => n + s.calls, 0),
    errors: samples.reduce((n, s) => n + s.errors, 0),
    callsPerS: med((s) => s.callsPerS) ?? NaN,
    p50Ms: med((s) => s.p50Ms) ?? NaN,
    p90Ms: med((s) => s.p90Ms) ?? NaN,
    p99Ms: med((s) => s.p99Ms) ?? NaN,
    gatewayCpuUs: med((s) => s.gatewayCpuUs),
    backendCpuUs: med((s) => s.backendCpuUs),
    clientCpuUs: med((s) => s.clientCpuUs) ?? NaN,
    clientCpuPct: med((s) => s.clientCpuPct) ?? NaN,
    gatewayRssMb: med((s) => s.gatewayRssMb),
    ...(firstError ? { firstError } : {}),
  };
}

/** Warms every target up, then runs `rounds` rounds, each target once per round, in a rotating order. */
async function runBlock(targets: Target[], concurrency: number): Promise<Map<string, Summary>> {
  for (const target of targets)
    await closedLoop(concurrency, SETTINGS.warmupMs, SETTINGS.maxCallsPerRound, target.call);
  const samples = new Map<string, RoundSample[]>(targets.map((t) => [t.label, []]));
  const errors = new Map<string, string>();
  for (let round = 0; round < SETTINGS.rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length]!;
      const { sample, firstError } = await measureRound(target, concurrency, SETTINGS.durationMs);
      samples.get(target.label)!.push(sample);
      if (firstError && !errors.has(target.label)) errors.set(target.label, firstError);
    }
  }
  return new Map(targets.map((t) => [t.label, summarize(samples.get(t.label)!, errors.get(t.label))]));
}

// ---------------------------------------------------------------------------------------------------------------
// Calls

interface ToolResult {
  content?: Array<{ type?: string; text?: string }>;
  isError?: boolean;
}

function checkText(result: unknown, expected: string): void {
  const r = result as ToolResult;
  if (r.isError || r.content?.[0]?.text !== expected) {
    throw new Error(`unexpected result: ${JSON.stringify(result).slice(0, 200)}`);
  }
}

/** tools/call echo on client `w` (per-worker) or the only client (shared); the reply must carry our own text. */
function echoCall(clients: RpcClient[]): Call {
  return async (w, seq) => {
    const text = `w${w}-${seq}`;
    checkText(
      await clients[w % clients.length]!.request('tools/call', { name: 'echo', arguments: { text } }),
      text,
    );
  };
}

function invokeCall(clients: RpcClient[], server: string): Call {
  return async (w, seq) => {
    const text = `w${w}-${seq}`;
    const result = await clients[w % clients.length]!.request('tools/call', {
      name: 'gateway_invoke',
      arguments: { server, tool: 'echo', arguments: { text } },
    });
    checkText(result, text);
  };
}

function listCall(clients: RpcClient[], minimum: number): Call {
  return async (w) => {
    const result = (await clients[w % clients.length]!.request('tools/list')) as { tools?: unknown[] };
    if (!Array.isArray(result.tools) || result.tools.length < minimum)
      throw new Error('tools/list came back short');
  };
}

function searchCall(session: RpcClient, queries: string[]): Call {
  return async (_w, seq) => {
    const result = (await session.request('tools/call', {
      name: 'gateway_search_tools',
      arguments: { query: queries[seq % queries.length]! },
    })) as ToolResult;
    if (result.isError || !result.content?.[0]?.text?.includes('"results"')) {
      throw new Error(`search failed: ${JSON.stringify(result).slice(0, 200)}`);
    }
  };
}

async function openSessions(agentMax: number, url: string, count: number): Promise<HttpMcpSession[]> {
  const agent = createAgent(agentMax);
  const sessions: HttpMcpSession[] = [];
  const batch = 16;
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    sessions.push(...(await Promise.all(Array.from({ length: n }, () => HttpMcpSession.open(agent, url)))));
  }
  return sessions;
}

async function closeAll(clients: RpcClient[]): Promise<void> {
  for (let i = 0; i < clients.length; i += 16)
    await Promise.all(clients.slice(i, i + 16).map((c) => c.close()));
}

// ---------------------------------------------------------------------------------------------------------------
// The rig: backends and the gateway in front of them

interface Rig {
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
async function waitIndexed(gateway: StartedGateway, names: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const h = await health(gateway);
    if (names.every((n) => (h.backends[n]?.tools_cached ?? 0) > 0)) return;
    await delay(50);
  }
  throw new Error(`the gateway did not index ${names.join(', ')} within 20 s`);
}

async function stdioBackendPid(gateway: StartedGateway): Promise<number | undefined> {
  return (await health(gateway)).backends[STDIO_BACKEND]?.pid ?? undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Scenario groups

interface ThroughputRow {
  group: string;
  transport: 'stdio' | 'http' | 'meta';
  concurrency: number;
  sessions: Sharing | 'n/a';
  target: string;
  summary: Summary;
  /** Against the direct row of the same block: throughput ratio and added median latency. */
  vsDirect?: { throughputRatio: number; addedP50Ms: number; addedP99Ms: number };
}

function compare(gateway: Summary, direct: Summary): ThroughputRow['vsDirect'] {
  return {
    throughputRatio: gateway.callsPerS / direct.callsPerS,
    addedP50Ms: gateway.p50Ms - direct.p50Ms,
    addedP99Ms: gateway.p99Ms - direct.p99Ms,
  };
}

async function passthroughGroup(rig: Rig, rows: ThroughputRow[]): Promise<void> {
  const gwAgent = createAgent(128);
  const directAgent = createAgent(128);
  for (const transport of ['stdio', 'http'] as const) {
    const backend = transport === 'stdio' ? STDIO_BACKEND : HTTP_BACKEND;
    for (const { c, sharing } of CONCURRENCY) {
      const n = sharing === 'shared' ? 1 : c;
      const pass = await Promise.all(
        Array.from({ length: n }, () => HttpMcpSession.open(gwAgent, `${rig.gateway.url}/mcp/${backend}`)),
      );
      const meta = await Promise.all(
        Array.from({ length: n }, () => HttpMcpSession.open(gwAgent, `${rig.gateway.url}/mcp`)),
      );
      const direct: RpcClient[] =
        transport === 'stdio'
          ? [rig.stdioDirect]
          : await Promise.all(
              Array.from({ length: n }, () => HttpMcpSession.open(directAgent, rig.http.url)),
            );
      // The lean prototype only where the targets are set (c=1 and c=16), to keep the run short.
      const lean =
        c <= 16
          ? await Promise.all(
              Array.from({ length: n }, () =>
                HttpMcpSession.open(directAgent, `${rig.lean.url}/mcp/${backend}`),
              ),
            )
          : [];
      const gatewayBackend = transport === 'stdio' ? await stdioBackendPid(rig.gateway) : rig.http.pid;
      const leanBackend = transport === 'stdio' ? childPids(rig.lean.pid)[0] : rig.http.pid;
      const targets: Target[] = [
        {
          label: 'direct',
          probe: {
            gatewayPid: rig.gateway.pid,
            backendPid: () => (transport === 'stdio' ? rig.stdioDirect.pid : rig.http.pid),
          },
          call: echoCall(direct),
        },
        {
          label: 'passthrough',
          probe: { gatewayPid: rig.gateway.pid, backendPid: () => gatewayBackend },
          call: echoCall(pass),
        },
        {
          label: 'gateway_invoke',
          probe: { gatewayPid: rig.gateway.pid, backendPid: () => gatewayBackend },
          call: invokeCall(meta, backend),
        },
        ...(lean.length
          ? [
              {
                label: 'lean prototype',
                probe: { gatewayPid: rig.lean.pid, backendPid: () => leanBackend },
                call: echoCall(lean),
              },
            ]
          : []),
      ];
      const label = `${transport} c=${c} ${sharing}`;
      process.stderr.write(`  ${label} …\n`);
      const result = await runBlock(targets, c);
      const d = result.get('direct')!;
      const base = { transport, concurrency: c, sessions: sharing } as const;
      rows.push({ group: 'passthrough', ...base, target: 'direct', summary: d });
      for (const name of ['passthrough', 'gateway_invoke', 'lean prototype']) {
        const s = result.get(name);
        if (!s) continue;
        rows.push({
          group: name === 'passthrough' ? 'passthrough' : name === 'gateway_invoke' ? 'invoke' : 'prototype',
          ...base,
          target: name,
          summary: s,
          vsDirect: compare(s, d),
        });
      }
      await closeAll([...pass, ...meta, ...lean, ...(transport === 'http' ? direct : [])]);
    }
  }
  gwAgent.destroy();
  directAgent.destroy();
}

/** The floor: the same calls to SDK-less echo servers (one hop over each transport, no MCP library at either end). */
async function calibrationGroup(rows: ThroughputRow[]): Promise<void> {
  const rawHttp = await startHttpEcho(true);
  const rawStdio = await StdioMcpConnection.spawn(process.execPath, [ECHO_SERVER, '--raw', '--stdio']);
  const agent = createAgent(64);
  try {
    for (const c of [1, 16]) {
      process.stderr.write(`  raw http and raw stdio c=${c} …\n`);
      const http = await Promise.all(
        Array.from({ length: c }, () => HttpMcpSession.open(agent, rawHttp.url)),
      );
      const result = await runBlock(
        [
          { label: 'http', probe: { backendPid: () => rawHttp.pid }, call: echoCall(http) },
          { label: 'stdio', probe: { backendPid: () => rawStdio.pid }, call: echoCall([rawStdio]) },
        ],
        c,
      );
      for (const transport of ['http', 'stdio'] as const) {
        rows.push({
          group: 'calibration',
          transport,
          concurrency: c,
          sessions: 'per-worker',
          target: transport === 'http' ? 'raw node:http' : 'raw stdio',
          summary: result.get(transport)!,
        });
      }
    }
  } finally {
    agent.destroy();
    await rawStdio.close();
    await rawHttp.stop();
  }
}

async function listGroup(rig: Rig, rows: ThroughputRow[]): Promise<void> {
  const agent = createAgent(8);
  for (const transport of ['stdio', 'http'] as const) {
    const backend = transport === 'stdio' ? STDIO_BACKEND : HTTP_BACKEND;
    const gw = [await HttpMcpSession.open(agent, `${rig.gateway.url}/mcp/${backend}`)];
    const direct: RpcClient[] =
      transport === 'stdio' ? [rig.stdioDirect] : [await HttpMcpSession.open(agent, rig.http.url)];
    process.stderr.write(`  tools/list ${transport} c=1 …\n`);
    const result = await runBlock(
      [
        { label: 'direct', probe: { gatewayPid: rig.gateway.pid }, call: listCall(direct, 2) },
        { label: 'gateway', probe: { gatewayPid: rig.gateway.pid }, call: listCall(gw, 2) },
      ],
      1,
    );
    const d = result.get('direct')!;
    const g = result.get('gateway')!;
    const base = { group: 'tools/list', transport, concurrency: 1, sessions: 'per-worker' } as const;
    rows.push({ ...base, target: 'direct', summary: d });
    rows.push({ ...base, target: `/mcp/${backend}`, summary: g, vsDirect: compare(g, d) });
    await closeAll([...gw, ...(transport === 'http' ? direct : [])]);
  }
  process.stderr.write('  tools/list /mcp c=1 …\n');
  const meta = [await HttpMcpSession.open(agent, `${rig.gateway.url}/mcp`)];
  const result = await runBlock(
    [{ label: 'gateway', probe: { gatewayPid: rig.gateway.pid }, call: listCall(meta, 4) }],
    1,
  );
  rows.push({
    group: 'tools/list',
    transport: 'meta',
    concurrency: 1,
    sessions: 'per-worker',
    target: '/mcp',
    summary: result.get('gateway')!,
  });
  await closeAll(meta);
  agent.destroy();
}

interface SearchResult {
  tools: number;
  servers: number;
  /** The first search builds the index: its latency, as a user would see it after a start. */
  firstSearchMs: number;
  gateway: Summary;
  /** The same queries on the same index built in the load client's process: the floor. */
  inProcess: Summary;
  inProcessBuildMs: number;
  gatewayRssMb: number | null;
}

async function searchGroup(dir: string): Promise<SearchResult[]> {
  const queries = loadFixtureQueries();
  const fixture = loadFixtureServers();
  const results: SearchResult[] = [];
  for (const size of [1_000, 10_000]) {
    process.stderr.write(`  gateway_search_tools over ${size} tools …\n`);
    const { configPath, servers } = writeLargeCatalog(join(dir, `catalog-${size}`), size);
    const gateway = await startGateway(configPath);
    try {
      const agent = createAgent(4);
      const session = await HttpMcpSession.open(agent, `${gateway.url}/mcp`);
      const search = searchCall(session, queries);
      const t0 = performance.now();
      await search(0, 0);
      const firstSearchMs = performance.now() - t0;
      const b0 = performance.now();
      const index = createSearchIndex(replicateTools(fixture, size));
      const inProcessBuildMs = performance.now() - b0;
      const local: Call = async (_w, seq) => {
        const hit = index.search(queries[seq % queries.length]!);
        if (!hit.ok) throw new Error(hit.message);
      };
      const result = await runBlock(
        [
          { label: 'in-process', probe: {}, call: local },
          { label: 'gateway', probe: { gatewayPid: gateway.pid }, call: search },
        ],
        1,
      );
      results.push({
        tools: size,
        servers,
        firstSearchMs,
        gateway: result.get('gateway')!,
        inProcess: result.get('in-process')!,
        inProcessBuildMs,
        gatewayRssMb: mb(rssBytes(gateway.pid)),
      });
      await session.close();
      agent.destroy();
    } finally {
      await gateway.stop();
    }
  }
  return results;
}

interface SessionsResult {
  sessions: number;
  idleRssMb: number | null;
  /** After one /mcp/echo-stdio session and one call (the shared backend process is running). */
  oneSessionRssMb: number | null;
  steps: Array<{
    endpoint: string;
    count: number;
    rssMb: number | null;
    addedMb: number | null;
    perSessionKb: number | null;
    children: number;
  }>;
  httpBackendRssMb: number | null;
}

/** RSS after the process settles: the median of three readings 250 ms apart. */
async function settledRss(pid: number): Promise<number | null> {
  await delay(QUICK ? 250 : 750);
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    const rss = rssBytes(pid);
    if (rss !== null) readings.push(rss);
    await delay(QUICK ? 100 : 250);
  }
  return readings.length ? mb(median(readings)) : null;
}

async function sessionsGroup(
  dir: string,
  httpUrl: string,
  catalogFrom: string,
  http: StartedEcho,
): Promise<SessionsResult> {
  const configPath = writeEchoConfig(join(dir, 'sessions'), httpUrl);
  mkdirSync(join(dir, 'sessions', 'state'), { recursive: true });
  copyFileSync(catalogFrom, join(dir, 'sessions', 'state', 'catalog.json'));
  const gateway = await startGateway(configPath);
  try {
    const idleRssMb = await settledRss(gateway.pid);
    const first = await HttpMcpSession.open(createAgent(4), `${gateway.url}/mcp/${STDIO_BACKEND}`);
    checkText(await first.request('tools/call', { name: 'echo', arguments: { text: 'x' } }), 'x');
    const oneSessionRssMb = await settledRss(gateway.pid);
    const steps: SessionsResult['steps'] = [];
    let before = oneSessionRssMb;
    // Remote backends get a backend session per client session: fewer of them, enough for a per-session figure.
    const plan = [
      { endpoint: `/mcp/${STDIO_BACKEND}`, count: SETTINGS.sessions },
      { endpoint: '/mcp', count: SETTINGS.sessions },
      { endpoint: `/mcp/${HTTP_BACKEND}`, count: Math.min(250, SETTINGS.sessions) },
    ];
    for (const { endpoint, count } of plan) {
      process.stderr.write(`  ${count} idle sessions on ${endpoint} …\n`);
      await openSessions(16, `${gateway.url}${endpoint}`, count);
      const rssMb = await settledRss(gateway.pid);
      const addedMb = rssMb === null || before === null ? null : rssMb - before;
      steps.push({
        endpoint,
        count,
        rssMb,
        addedMb,
        perSessionKb: addedMb === null ? null : (addedMb * 1024) / count,
        children: childPids(gateway.pid).length,
      });
      before = rssMb;
    }
    return {
      sessions: SETTINGS.sessions,
      idleRssMb,
      oneSessionRssMb,
      steps,
      httpBackendRssMb: mb(rssBytes(http.pid)),
    };
  } finally {
    await gateway.stop();
  }
}

interface ColdStartResult {
  variant: string;
  rounds: number;
  /** spawn → the gateway logs that it listens. */
  listeningMs: number;
  /** spawn → first successful tools/list on /mcp (initialize, initialized, tools/list). */
  firstAnswerMs: number;
  samples: number[];
}

async function coldStartGroup(
  dir: string,
  httpUrl: string,
  catalogFrom: string,
  largeConfig: string | undefined,
): Promise<ColdStartResult[]> {
  const results: ColdStartResult[] = [];
  // The floor: a Node process that does nothing.
  const bare: number[] = [];
  for (let r = 0; r < SETTINGS.coldRounds; r++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) =>
      spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).once('exit', () => resolve()),
    );
    bare.push(performance.now() - t0);
  }
  results.push({
    variant: 'node -e 0 (floor)',
    rounds: bare.length,
    listeningMs: NaN,
    firstAnswerMs: median(bare),
    samples: bare,
  });

  const variants: Array<{ variant: string; config: (round: number) => string }> = [
    {
      variant: 'no catalog (2 backends, discovery runs)',
      config: (round) => writeEchoConfig(join(dir, `cold-empty-${round}`), httpUrl),
    },
    {
      variant: 'persisted catalog (2 backends)',
      config: (round) => {
        const path = writeEchoConfig(join(dir, `cold-persisted-${round}`), httpUrl);
        mkdirSync(join(dir, `cold-persisted-${round}`, 'state'), { recursive: true });
        copyFileSync(catalogFrom, join(dir, `cold-persisted-${round}`, 'state', 'catalog.json'));
        return path;
      },
    },
  ];
  if (largeConfig)
    variants.push({ variant: 'persisted catalog (10,000 tools, ~750 backends)', config: () => largeConfig });
  for (const { variant, config } of variants) {
    process.stderr.write(`  cold start: ${variant} …\n`);
    const listening: number[] = [];
    const answered: number[] = [];
    for (let r = 0; r < SETTINGS.coldRounds; r++) {
      const configPath = config(r);
      const gateway = await startGateway(configPath);
      try {
        const agent = createAgent(2);
        const session = await HttpMcpSession.open(agent, `${gateway.url}/mcp`);
        const result = (await session.request('tools/list')) as { tools?: unknown[] };
        const t = performance.now();
        if (!result.tools?.length) throw new Error('tools/list on /mcp came back empty');
        listening.push(gateway.readyAt - gateway.spawnedAt);
        answered.push(t - gateway.spawnedAt);
        agent.destroy();
      } finally {
        await gateway.stop();
      }
    }
    results.push({
      variant,
      rounds: answered.length,
      listeningMs: median(listening),
      firstAnswerMs: median(answered),
      samples: answered,
    });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// Report

interface Machine {
  cpuModel: string;
  cpus: number;
  totalMemoryGb: number;
  node: string;
  os: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  pinned: false;
  gitCommit: string | null;
  gitDirty: boolean | null;
}

function machine(): Machine {
  // Not a git checkout (a snapshot made with git archive, say): BENCH_COMMIT names what was measured.
  let gitCommit: string | null = env.BENCH_COMMIT ?? null;
  let gitDirty: boolean | null = null;
  try {
    const cwd = fileURLToPath(new URL('../../', import.meta.url));
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    gitDirty =
      execFileSync('git', ['status', '--porcelain', '--', 'src'], {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim() !== '';
  } catch {
    // Not a git checkout.
  }
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    totalMemoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    pinned: false,
    gitCommit,
    gitDirty,
  };
}

const fmt = (n: number | null | undefined, digits = 2) =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);

function table(headers: string[], body: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function throughputTable(rows: ThroughputRow[]): string {
  return table(
    [
      'scenario',
      'target',
      'calls/s',
      'ratio',
      'p50 ms',
      'p99 ms',
      '+p50 ms',
      'gw µs/call',
      'be µs/call',
      'cl µs/call',
      'cl %',
      'gw RSS MB',
      'err',
    ],
    rows.map((r) => [
      `${r.group} ${r.transport} c=${r.concurrency}${r.concurrency > 1 ? ` ${r.sessions}` : ''}`,
      r.target,
      fmt(r.summary.callsPerS, 0),
      r.vsDirect ? fmt(r.vsDirect.throughputRatio, 2) : '',
      fmt(r.summary.p50Ms, 3),
      fmt(r.summary.p99Ms, 3),
      r.vsDirect ? fmt(r.vsDirect.addedP50Ms, 3) : '',
      r.target === 'direct' ? '' : fmt(r.summary.gatewayCpuUs, 0),
      fmt(r.summary.backendCpuUs, 0),
      fmt(r.summary.clientCpuUs, 0),
      fmt(r.summary.clientCpuPct, 0),
      fmt(r.summary.gatewayRssMb, 0),
      String(r.summary.errors),
    ]),
  );
}

interface TargetCheck {
  target: string;
  limit: string;
  measured: string;
  met: boolean | null;
}

function checkTargets(
  rows: ThroughputRow[],
  search: SearchResult[],
  sessions: SessionsResult | undefined,
  cold: ColdStartResult[],
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const pass = rows.filter((r) => r.group === 'passthrough' && r.vsDirect);
  for (const r of pass.filter((r) => r.concurrency === 1)) {
    const added = r.vsDirect!.addedP50Ms;
    checks.push({
      target: `gateway-added p50, ${r.transport} c=1`,
      limit: '≤ 0.15 ms',
      measured: `${fmt(added, 3)} ms`,
      met: added <= 0.15,
    });
  }
  for (const r of pass.filter((r) => r.concurrency === 16)) {
    const ratio = r.vsDirect!.throughputRatio;
    checks.push({
      target: `throughput vs direct, ${r.transport} c=16 ${r.sessions}`,
      limit: '≥ 0.70×',
      measured: `${fmt(ratio, 2)}×`,
      met: ratio >= 0.7,
    });
  }
  for (const r of pass.filter((r) => r.concurrency === 16 && r.sessions === 'per-worker')) {
    const us = r.summary.gatewayCpuUs;
    checks.push({
      target: `gateway CPU per passthrough call, ${r.transport} c=16`,
      limit: '≤ 100 µs',
      measured: `${fmt(us, 0)} µs`,
      met: us === null ? null : us <= 100,
    });
  }
  for (const r of rows.filter(
    (r) => r.group === 'tools/list' && r.transport !== 'meta' && r.target !== 'direct',
  )) {
    checks.push({
      target: `tools/list p50 via ${r.target} (${r.transport === 'stdio' ? 'catalog' : 'session cache'})`,
      limit: '≤ 1 ms',
      measured: `${fmt(r.summary.p50Ms, 3)} ms`,
      met: r.summary.p50Ms <= 1,
    });
  }
  for (const s of search.filter((s) => s.tools === 10_000)) {
    checks.push({
      target: 'gateway_search_tools p50, 10,000 tools',
      limit: '≤ 5 ms',
      measured: `${fmt(s.gateway.p50Ms, 3)} ms`,
      met: s.gateway.p50Ms <= 5,
    });
  }
  if (sessions) {
    checks.push({
      target: 'idle RSS',
      limit: '≤ 80 MB',
      measured: `${fmt(sessions.idleRssMb, 1)} MB`,
      met: sessions.idleRssMb === null ? null : sessions.idleRssMb <= 80,
    });
    const stdio = sessions.steps[0];
    if (stdio) {
      // Fewer sessions say little: the heap grows in steps, so a small count overstates the cost per session.
      const enough = sessions.sessions >= 1000;
      const scaled = stdio.addedMb === null ? null : (stdio.addedMb * 1000) / sessions.sessions;
      checks.push({
        target: `1,000 idle sessions (/mcp/${STDIO_BACKEND}${enough ? '' : `; only ${sessions.sessions} opened`})`,
        limit: '≤ +50 MB',
        measured: `${fmt(scaled, 1)} MB`,
        met: scaled === null || !enough ? null : scaled <= 50,
      });
      checks.push({
        target: 'no process per session (shared stdio)',
        limit: '1 child',
        measured: `${stdio.children} children`,
        met: stdio.children <= 1,
      });
    }
  }
  const persisted = cold.find((c) => c.variant.startsWith('persisted catalog (2'));
  if (persisted) {
    checks.push({
      target: 'cold start to first answer, persisted catalog',
      limit: '≤ 300 ms',
      measured: `${fmt(persisted.firstAnswerMs, 0)} ms`,
      met: persisted.firstAnswerMs <= 300,
    });
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------------------------
// Profile mode

interface ProfileCase {
  name: string;
  /** servers.yaml of the gateway to profile (default: the echo rig's). */
  config?: () => string;
  endpoint: string;
  concurrency: number;
  call: (clients: RpcClient[]) => Call;
}

type ProfileResult = ProfileSummary & { calls: number; gatewayCpuUsPerCall: number | null };

/** The gateway under --cpu-prof: steady load on one path, or (`startup`) a cold start to its first answer. */
async function profileMode(rig: Rig, dir: string, stamp: string): Promise<void> {
  const outDir = join(RESULTS_DIR, `profile-${stamp}`);
  mkdirSync(outDir, { recursive: true });
  const summaries: Record<string, ProfileResult> = {};
  const queries = loadFixtureQueries();
  const c = SETTINGS.profileConcurrency;
  const cases: ProfileCase[] = [
    { name: `passthrough-stdio-c${c}`, endpoint: `/mcp/${STDIO_BACKEND}`, concurrency: c, call: echoCall },
    { name: `passthrough-http-c${c}`, endpoint: `/mcp/${HTTP_BACKEND}`, concurrency: c, call: echoCall },
    {
      name: `invoke-stdio-c${c}`,
      endpoint: '/mcp',
      concurrency: c,
      call: (clients) => invokeCall(clients, STDIO_BACKEND),
    },
    {
      name: 'search-10k-c1',
      config: () => writeLargeCatalog(join(dir, 'profile-10000'), 10_000).configPath,
      endpoint: '/mcp',
      concurrency: 1,
      call: (c) => searchCall(c[0]!, queries),
    },
  ];
  const profiled = async (
    name: string,
    config: string,
    work: (gateway: StartedGateway) => Promise<number>,
  ) => {
    const profDir = join(outDir, name);
    const gateway = await startGateway(config, {
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '250'],
      // Under load, the unbundled modules, so that time is charged to packages; a start as users run it.
      ...(name === 'startup' ? {} : { main: GATEWAY_MODULES }),
    });
    const calls = await work(gateway).finally(() => gateway.stop());
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile in ${profDir} (did the gateway exit cleanly?)`);
    return { file: join(profDir, file), calls };
  };

  for (const c of cases) {
    process.stderr.write(`  profiling ${c.name} for ${SETTINGS.profileMs} ms …\n`);
    let measured: number | null = null;
    const { file, calls } = await profiled(c.name, c.config?.() ?? rig.configPath, async (gateway) => {
      if (!c.config) await waitIndexed(gateway, [STDIO_BACKEND, HTTP_BACKEND]);
      const clients = await openSessions(64, `${gateway.url}${c.endpoint}`, c.concurrency);
      // Long enough for the JIT to settle: the profile should show the steady state.
      await closedLoop(c.concurrency, 1_500, SETTINGS.maxCallsPerRound, c.call(clients));
      const cpu0 = cpuMicros(gateway.pid);
      const loop = await closedLoop(
        c.concurrency,
        SETTINGS.profileMs,
        SETTINGS.maxCallsPerRound,
        c.call(clients),
      );
      const cpu1 = cpuMicros(gateway.pid);
      measured = cpu0 === null || cpu1 === null ? null : (cpu1 - cpu0) / loop.calls;
      await closeAll(clients);
      return loop.calls;
    });
    const summary = { ...summarizeProfile(file, { top: 30 }), calls, gatewayCpuUsPerCall: measured };
    summaries[c.name] = summary;
    const title = `${c.name}: ${calls} calls, gateway CPU ${fmt(measured, 0)} µs/call (profiler on)`;
    process.stdout.write(`\n${formatSummary(summary, title, measured)}\n`);
  }

  // Start-up: everything from process start to the first tools/list answer on /mcp (persisted catalog).
  process.stderr.write('  profiling start-up …\n');
  let firstAnswerMs = NaN;
  const startup = await profiled('startup', rig.configPath, async (gateway) => {
    const session = await HttpMcpSession.open(createAgent(2), `${gateway.url}/mcp`);
    await session.request('tools/list');
    firstAnswerMs = performance.now() - gateway.spawnedAt;
    return 1;
  });
  const summary = {
    ...summarizeProfile(startup.file, { top: 30, marker: undefined }),
    calls: 1,
    gatewayCpuUsPerCall: null,
  };
  summaries.startup = summary;
  process.stdout.write(
    `\n${formatSummary(summary, `startup: first answer after ${fmt(firstAnswerMs, 0)} ms (profiler on); whole profile`)}\n`,
  );
  writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(summaries, null, 2)}\n`);
  process.stdout.write(`\nprofiles and summary.json in ${outDir}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Main

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
    gatewayBackend = await stdioBackendPid(gateway);
    const gatewayRssAfterLoadMb = mb(rssBytes(gateway.pid));
    await gateway.stop();
    if (gatewayBackend !== undefined && alive(gatewayBackend)) process.kill(gatewayBackend, 'SIGKILL');

    const search = has('search') ? await timed('search', 'search', () => searchGroup(dir)) : [];
    const sessions = has('sessions')
      ? await timed('sessions', 'sessions', () => sessionsGroup(dir, http.url, catalogFile, http))
      : undefined;
    const large = has('search') ? join(dir, 'catalog-10000', 'servers.yaml') : undefined;
    const cold = has('coldstart')
      ? await timed('coldstart', 'cold start', () => coldStartGroup(dir, http.url, catalogFile, large))
      : [];

    info.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
    const targets = checkTargets(rows, search, sessions, cold);
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
      gatewayRssAfterLoadMb,
      search,
      sessions,
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

function printReport(
  result: {
    machine: Machine;
    durationS: number;
    throughput: ThroughputRow[];
    gatewayRssAfterLoadMb: number | null;
    search: SearchResult[];
    sessions: SessionsResult | undefined;
    coldStart: ColdStartResult[];
    targets: TargetCheck[];
  },
  file: string,
): void {
  const m = result.machine;
  const out: string[] = [];
  out.push(
    `machine: ${m.cpus}× ${m.cpuModel}, ${m.totalMemoryGb} GB, node ${m.node}, ${m.os}, load ${m.loadAverageAtStart.join(' ')} → ${m.loadAverageAtEnd?.join(' ')}, pinned: no, commit ${m.gitCommit}${m.gitDirty ? ' (src modified)' : ''}`,
    `rounds ${SETTINGS.rounds} × ${SETTINGS.durationMs} ms per target, medians over rounds; run took ${result.durationS} s` +
      (QUICK ? ' (QUICK: a smoke run, too short to warm up; do not compare its figures)' : ''),
    '',
  );
  if (result.throughput.length) {
    out.push(
      throughputTable(result.throughput),
      `gateway RSS after the load: ${fmt(result.gatewayRssAfterLoadMb, 1)} MB`,
      '',
    );
  }
  if (result.search.length) {
    out.push(
      table(
        [
          'gateway_search_tools',
          'target',
          'calls/s',
          'p50 ms',
          'p99 ms',
          'gw µs/call',
          'first ms',
          'build ms',
          'gw RSS MB',
        ],
        result.search.flatMap((s) => [
          [
            `${s.tools} tools / ${s.servers} servers`,
            'gateway /mcp',
            fmt(s.gateway.callsPerS, 0),
            fmt(s.gateway.p50Ms, 3),
            fmt(s.gateway.p99Ms, 3),
            fmt(s.gateway.gatewayCpuUs, 0),
            fmt(s.firstSearchMs, 1),
            '',
            fmt(s.gatewayRssMb, 0),
          ],
          [
            '',
            'in-process index',
            fmt(s.inProcess.callsPerS, 0),
            fmt(s.inProcess.p50Ms, 3),
            fmt(s.inProcess.p99Ms, 3),
            '',
            '',
            fmt(s.inProcessBuildMs, 1),
            '',
          ],
        ]),
      ),
      '',
    );
  }
  const s = result.sessions;
  if (s) {
    out.push(
      `sessions: idle RSS ${fmt(s.idleRssMb, 1)} MB; with one /mcp/${STDIO_BACKEND} session and its backend running ${fmt(s.oneSessionRssMb, 1)} MB`,
      table(
        ['+ idle sessions', 'endpoint', 'RSS MB', '+MB', 'KB/session', 'children'],
        s.steps.map((step) => [
          String(step.count),
          step.endpoint,
          fmt(step.rssMb, 1),
          fmt(step.addedMb, 1),
          fmt(step.perSessionKb, 1),
          String(step.children),
        ]),
      ),
      `(HTTP echo backend RSS with those sessions: ${fmt(s.httpBackendRssMb, 1)} MB)`,
      '',
    );
  }
  if (result.coldStart.length) {
    out.push(
      table(
        ['cold start', 'rounds', 'listening ms', 'first answer ms', 'samples'],
        result.coldStart.map((c) => [
          c.variant,
          String(c.rounds),
          fmt(c.listeningMs, 0),
          fmt(c.firstAnswerMs, 0),
          c.samples.map((x) => x.toFixed(0)).join(' '),
        ]),
      ),
      '',
    );
  }
  out.push(
    table(
      ['target', 'limit', 'measured', 'met'],
      result.targets.map((t) => [t.target, t.limit, t.measured, t.met === null ? '?' : t.met ? 'yes' : 'NO']),
    ),
    '',
    `results: ${file}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
