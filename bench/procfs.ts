/**
 * @module bench/procfs: what a process costs, read from Linux /proc (so the gateway is measured apart from the load
 * client): CPU time (utime + stime), resident memory (VmRSS) and direct children; and how busy the whole machine's
 * cores are. Elsewhere these read as null.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of /proc/<pid>/stat times (100 on nearly every Linux). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU time the process has used so far (user + system), in microseconds; null when unreadable. */
export function cpuMicros(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) / clockTicks()) * 1e6;
  } catch {
    return null;
  }
}

/** Resident set size in bytes; null when unreadable. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

/** The pids of a process's direct children (every thread's list); empty when unreadable. */
export function childPids(pid: number): number[] {
  const children = new Set<number>();
  try {
    for (const task of readdirTasks(pid)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of text ? text.split(' ') : []) children.add(Number(child));
    }
  } catch {
    // The process is gone or /proc is not Linux's.
  }
  return [...children];
}

/** The machine's CPU time so far, all cores, in USER_HZ ticks: working, and in all; null when unreadable. */
export function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu  user nice system idle iowait irq softirq steal …: time the host withheld (steal) is in the total only.
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy, total: busy + idle! + iowait! + steal! };
  } catch {
    return null;
  }
}

function readdirTasks(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`);
}

/** Whether a process with this pid exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
