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
const WARMUP = int(env.BENCH_INSTR_WARMUP, 1500);
const N1 = int(env.BENCH_INSTR_N1, 100);
const N2 = int(env.BENCH_INSTR_N2, 700);
const REPEATS = int(env.BENCH_INSTR_REPEATS, 5);
/** `BENCH_INSTR_TRANSPORTS=http` counts only the Streamable HTTP backend (half the time). */
const TRANSPORTS = (['stdio', 'http'] as const).filter((t) =>
  (env.BENCH_INSTR_TRANSPORTS ?? 'stdio,http').split(',').includes(t),
);

export interface InstructionsRow {
  target: 'gateway' | 'lean prototype';
  transport: 'stdio' | 'http';
  /** Instructions per call, median over the repeats; each repeat is (I₂ − I₁) ÷ (N₂ − N₁). */
  perCall: number;
  samples: number[];
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

/** Per-call instructions of `process` for echo calls on `url`, median over the repeats. */
async function count(process: Started, outFile: string, url: string): Promise<number[]> {
  const agent = createAgent(1);
  try {
    const session = await HttpMcpSession.open(agent, url);
    await calls(session, WARMUP);
    await dump(process, outFile);
    const samples: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      await calls(session, N1);
      const i1 = await dump(process, outFile);
      await calls(session, N2);
      const i2 = await dump(process, outFile);
      samples.push((i2 - i1) / (N2 - N1));
    }
    await session.close();
    return samples;
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

  const gatewayOut = join(out, 'gateway.out');
  const gateway = await startGateway(configPath, { wrap: callgrind(gatewayOut) });
  try {
    await waitIndexed(gateway, [STDIO_BACKEND, HTTP_BACKEND]);
    for (const transport of TRANSPORTS) {
      process.stderr.write(`  gateway ${transport} under callgrind …\n`);
      const backend = transport === 'stdio' ? STDIO_BACKEND : HTTP_BACKEND;
      const samples = await count(gateway, gatewayOut, `${gateway.url}/mcp/${backend}`);
      result.rows.push({ target: 'gateway', transport, perCall: median(samples), samples });
    }
  } finally {
    await gateway.stop();
  }
  const leanOut = join(out, 'lean.out');
  const lean = await startLeanProxy(httpUrl, callgrind(leanOut));
  try {
    for (const transport of TRANSPORTS) {
      process.stderr.write(`  lean prototype ${transport} under callgrind …\n`);
      const backend = transport === 'stdio' ? STDIO_BACKEND : HTTP_BACKEND;
      const samples = await count(lean, leanOut, `${lean.url}/mcp/${backend}`);
      result.rows.push({ target: 'lean prototype', transport, perCall: median(samples), samples });
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
