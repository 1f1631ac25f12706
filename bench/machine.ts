/**
 * @module bench/machine: what a run was measured on (CPU, memory, Node, OS, load average, the git commit and whether
 * src/ was modified), recorded in the results and printed at the head of the report.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { env } from './settings.js';

export interface Machine {
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

export function machine(): Machine {
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
