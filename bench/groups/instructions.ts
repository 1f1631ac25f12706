/**
 * @module bench/groups/instructions: CPU per passthrough call as a count of instructions, which other work on the
 * machine does not change (wall-clock CPU time does). The gateway and the lean prototype each run under
 * `valgrind --tool=callgrind`; after a warm-up, N₁ and then N₂ sequential echo calls are counted (a callgrind dump
 * between blocks, which also zeroes the counters), and per call = (I₂ − I₁) ÷ (N₂ − N₁): the start-up, the warm-up
 * and what a block costs whatever its length (the dump itself, timers) cancel. Opt-in (`BENCH_ONLY=instructions`):
 * under valgrind Node runs some 50× slower. Skipped, with the reason, when valgrind is missing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { checkText } from '../calls.js';
import { HTTP_BACKEND, STDIO_BACKEND, writeEchoConfig } from '../fixtures.js';
import { median } from '../loop.js';
import { HttpMcpSession, createAgent } from '../mcp-client.js';
import { startGateway, startLeanProxy, type Started, type Wrap } from '../processes.js';
import { waitIndexed } from '../rig.js';
import { env } from '../settings.js';

const int = (value: string | undefined, fallback: number) =>
  value !== undefined && Number(value) > 0 ? Math.floor(Number(value)) : fallback;
/** Enough calls for V8 to have optimized the hot path before anything is counted. */
const WARMUP = int(env.BENCH_INSTR_WARMUP, 3000);
/**
 * Blocks long enough that the garbage collections falling into one are about its share: with 100 and 400 calls a
 * block holding a major collection counted it whole, and samples of one build spread over 1.8×.
 */
const N1 = int(env.BENCH_INSTR_N1, 200);
const N2 = int(env.BENCH_INSTR_N2, 1700);
const REPEATS = int(env.BENCH_INSTR_REPEATS, 5);
const IDLE_MS = int(env.BENCH_INSTR_IDLE_MS, 1500);
/**
 * Node under valgrind runs one thread at a time, so when V8's optimizing compiler on a background thread finishes
 * depends on the machine's load, and with it how many calls run unoptimized: compiled on the main thread instead
 * (and the garbage collector's helpers with it), the count is the same however busy the machine is.
 */
const NODE_ARGS = ['--single-threaded'];
/** `BENCH_INSTR_LEAN=0` leaves the prototype out (to count another build's gateway alone). */
const LEAN = env.BENCH_INSTR_LEAN !== '0';
/** `BENCH_INSTR_START=0` leaves out the count of a cold start. */
const START = env.BENCH_INSTR_START !== '0';
/** `BENCH_INSTR_TRANSPORTS=http` counts only the Streamable HTTP backend (half the time). */
const TRANSPORTS = (['stdio', 'http'] as const).filter((t) =>
  (env.BENCH_INSTR_TRANSPORTS ?? 'stdio,http').split(',').includes(t),
);

export interface InstructionsRow {
  target: 'gateway' | 'lean prototype';
  transport: 'stdio' | 'http';
  /**
   * Instructions per call, median over the repeats; each repeat is (I₂ − I₁) ÷ (N₂ − N₁) after taking from each block
   * what the process spends idle in as long a time (`idlePerS`).
   */
  perCall: number;
  samples: number[];
  /** Without that correction. */
  raw: number[];
  idlePerS: number;
}

export interface InstructionsResult {
  skipped?: string;
  n1: number;
  n2: number;
  warmup: number;
  repeats: number;
  rows: InstructionsRow[];
  /** gateway ÷ lean prototype, per transport. */
  ratios: Partial<Record<'stdio' | 'http', number>>;
  /**
   * Instructions from spawn to the first `tools/list` answer on /mcp with a persisted catalog (the gateway's cold
   * start, counted rather than timed), and of `node -e 0`.
   */
  start?: { gateway: number; nodeE0: number };
}

function valgrindMissing(): string | undefined {
  const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    return `valgrind not found (${probe.error?.message ?? probe.status})`;
  const control = spawnSync('callgrind_control', ['-h'], { encoding: 'utf8' });
  if (control.error) return `callgrind_control not found (${control.error.message})`;
  return undefined;
}

/** Dumps the process's counters (callgrind zeroes them after a dump) and returns the dump's total. */
async function dump(process: Started, outFile: string): Promise<number> {
  const dir = join(outFile, '..');
  const base = outFile.slice(dir.length + 1);
  const before = new Set(readdirSync(dir).filter((f) => f.startsWith(`${base}.`)));
  const run = spawnSync('callgrind_control', ['-d', String(process.pid)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`callgrind_control -d failed: ${run.stderr || run.stdout}`);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const fresh = readdirSync(dir).filter((f) => f.startsWith(`${base}.`) && !before.has(f));
    for (const file of fresh) {
      const totals = /^totals:\s*(\d+)/m.exec(readFileSync(join(dir, file), 'utf8'));
      if (totals) return Number(totals[1]);
    }
    await delay(100);
  }
  throw new Error(`no callgrind dump of ${outFile} appeared`);
}

async function calls(session: HttpMcpSession, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const text = `i${i}`;
    checkText(await session.request('tools/call', { name: 'echo', arguments: { text } }), text);
  }
}

/** Per-call instructions of `process` for echo calls on `url`, one sample per repeat. */
async function count(
  process: Started,
  outFile: string,
  url: string,
): Promise<{ samples: number[]; raw: number[]; idlePerS: number }> {
  const agent = createAgent(1);
  // Each block's instructions and the wall time it spanned (from one dump to the next).
  let last = 0;
  const block = async (work: () => Promise<void>) => {
    await work();
    const started = last;
    const instructions = await dump(process, outFile);
    last = performance.now();
    return { instructions, ms: last - started };
  };
  try {
    const session = await HttpMcpSession.open(agent, url);
    await block(() => calls(session, WARMUP));
    // What the process does per second with nothing to do (timers, the event-loop delay monitor): a block that takes
    // longer (a loaded machine) holds more of it, which (I₂ − I₁) alone would not cancel.
    const idle = [await block(() => delay(IDLE_MS))];
    const samples: number[] = [];
    const raw: number[] = [];
    const pairs: Array<[Awaited<ReturnType<typeof block>>, Awaited<ReturnType<typeof block>>]> = [];
    for (let r = 0; r < REPEATS; r++) {
      const first = await block(() => calls(session, N1));
      const second = await block(() => calls(session, N2));
      pairs.push([first, second]);
    }
    idle.push(await block(() => delay(IDLE_MS)));
    // The smaller of the two: a collection or a compile that lands in an idle block is no part of idling, and once
    // counted as such (over 1 M instructions a second against ~50k) it was taken off every sample.
    const idlePerMs = Math.min(...idle.map((b) => b.instructions / b.ms));
    for (const [first, second] of pairs) {
      raw.push((second.instructions - first.instructions) / (N2 - N1));
      const net = (b: typeof first) => b.instructions - idlePerMs * b.ms;
      samples.push((net(second) - net(first)) / (N2 - N1));
    }
    await session.close();
    return { samples, raw, idlePerS: idlePerMs * 1000 };
  } finally {
    agent.destroy();
  }
}

function callgrind(outFile: string): Wrap {
  return {
    command: [
      'valgrind',
      '--tool=callgrind',
      '--dump-line=no',
      '--compress-pos=yes',
      `--callgrind-out-file=${outFile}`,
    ],
    startTimeoutMs: 180_000,
  };
}

export async function instructionsGroup(
  dir: string,
  httpUrl: string,
  catalogFrom: string,
): Promise<InstructionsResult> {
  const result: InstructionsResult = {
    n1: N1,
    n2: N2,
    warmup: WARMUP,
    repeats: REPEATS,
    rows: [],
    ratios: {},
  };
  const missing = valgrindMissing();
  if (missing) return { ...result, skipped: missing };
  try {
    await countAll(result, dir, httpUrl, catalogFrom);
  } catch (error) {
    // What was counted stays; the rest of the run goes on.
    result.skipped = `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  return result;
}

/** A start counted: the gateway (as it runs, no flags) up to its first tools/list answer, and `node -e 0`. */
async function countStart(out: string, configPath: string): Promise<{ gateway: number; nodeE0: number }> {
  process.stderr.write('  cold start under callgrind …\n');
  const bareOut = join(out, 'node-e-0.out');
  spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${bareOut}`, process.execPath, '-e', '0']);
  const nodeE0 = Number(/^totals:\s*(\d+)/m.exec(readFileSync(bareOut, 'utf8'))?.[1]);
  const startOut = join(out, 'start.out');
  const gateway = await startGateway(configPath, { wrap: callgrind(startOut) });
  const agent = createAgent(1);
  try {
    const session = await HttpMcpSession.open(agent, `${gateway.url}/mcp`);
    const list = (await session.request('tools/list')) as { tools?: unknown[] };
    if (!list.tools?.length) throw new Error('tools/list on /mcp came back empty');
    return { gateway: await dump(gateway, startOut), nodeE0 };
  } finally {
    agent.destroy();
    await gateway.stop();
  }
}

async function countAll(
  result: InstructionsResult,
  dir: string,
  httpUrl: string,
  catalogFrom: string,
): Promise<void> {
  const work = join(dir, 'instructions');
  const configPath = writeEchoConfig(work, httpUrl);
  mkdirSync(join(work, 'state'), { recursive: true });
  if (existsSync(catalogFrom)) copyFileSync(catalogFrom, join(work, 'state', 'catalog.json'));
  const out = join(work, 'callgrind');
  mkdirSync(out, { recursive: true });

  if (START) result.start = await countStart(out, configPath);

  const gatewayOut = join(out, 'gateway.out');
  const gateway = await startGateway(configPath, { wrap: callgrind(gatewayOut), nodeArgs: NODE_ARGS });
  try {
    await waitIndexed(gateway, [STDIO_BACKEND, HTTP_BACKEND]);
    for (const transport of TRANSPORTS) {
      process.stderr.write(`  gateway ${transport} under callgrind …\n`);
      const backend = transport === 'stdio' ? STDIO_BACKEND : HTTP_BACKEND;
      const counted = await count(gateway, gatewayOut, `${gateway.url}/mcp/${backend}`);
      result.rows.push({ target: 'gateway', transport, perCall: median(counted.samples), ...counted });
    }
  } finally {
    await gateway.stop();
  }
  if (!LEAN) return;
  const leanOut = join(out, 'lean.out');
  const lean = await startLeanProxy(httpUrl, callgrind(leanOut), NODE_ARGS);
  try {
    for (const transport of TRANSPORTS) {
      process.stderr.write(`  lean prototype ${transport} under callgrind …\n`);
      const backend = transport === 'stdio' ? STDIO_BACKEND : HTTP_BACKEND;
      const counted = await count(lean, leanOut, `${lean.url}/mcp/${backend}`);
      result.rows.push({ target: 'lean prototype', transport, perCall: median(counted.samples), ...counted });
    }
  } finally {
    await lean.stop();
  }
  for (const transport of ['stdio', 'http'] as const) {
    const g = result.rows.find((r) => r.target === 'gateway' && r.transport === transport);
    const l = result.rows.find((r) => r.target === 'lean prototype' && r.transport === transport);
    if (g && l) result.ratios[transport] = g.perCall / l.perCall;
  }
}
