/**
 * @module bench/profile-mode: `BENCH_PROFILE=1 npm run bench`: the gateway under --cpu-prof on steady load
 * (passthrough, gateway_invoke, search over 10,000 tools) and through a cold start, each profile summarized on stdout
 * and in bench/results/profile-<timestamp>/summary.json.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { closeAll, echoCall, invokeCall, openSessions, searchCall } from './calls.js';
import { HTTP_BACKEND, STDIO_BACKEND, loadFixtureQueries, writeLargeCatalog } from './fixtures.js';
import { closedLoop, type Call } from './loop.js';
import { HttpMcpSession, createAgent, type RpcClient } from './mcp-client.js';
import { GATEWAY_MODULES, startGateway, type StartedGateway } from './processes.js';
import { cpuMicros } from './procfs.js';
import { formatSummary, summarizeProfile, type ProfileSummary } from './profile-summary.js';
import { fmt } from './report.js';
import { waitIndexed, type Rig } from './rig.js';
import { RESULTS_DIR, SETTINGS } from './settings.js';

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
export async function profileMode(rig: Rig, dir: string, stamp: string): Promise<void> {
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
