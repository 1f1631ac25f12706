/**
 * @module process-ledger: a file in the state directory listing the backend process groups this gateway has
 * running, and its instance id (the MCP_GATEWAY_BACKEND marker its backends and their descendants carry). A gateway
 * killed with SIGKILL cannot stop its children; the next one to start reads the file and stops whatever the dead one
 * left behind: the recorded groups, and every process with its marker (a grandchild whose parent already exited).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from '../log.js';
import { PROCESS_STARTED, writePrivateFile } from '../store/state-dir.js';
import { isAlive } from '../pid.js';
import { signalMarked } from './descendants.js';

export interface ProcessLedger {
  add(pid: number, argv: readonly string[]): void;
  remove(pid: number): void;
}

interface LedgerFile {
  gateway_pid: number;
  /** When that gateway's process started (epoch ms): tells a recycled pid from the same process. */
  gateway_started: number;
  /** The prefix of the markers its backends carry (absent in files of earlier versions). */
  instance?: string;
  processes: Array<{ pid: number; argv: string[] }>;
}

export function createProcessLedger(path: string, log: Logger, instance?: string): ProcessLedger {
  const processes = new Map<number, string[]>();
  const write = () => {
    const content: LedgerFile = {
      gateway_pid: process.pid,
      gateway_started: PROCESS_STARTED,
      ...(instance !== undefined ? { instance } : {}),
      processes: [...processes].map(([pid, argv]) => ({ pid, argv })),
    };
    try {
      // Only this user may read it (command lines may carry secrets); written whole or not at all.
      writePrivateFile(path, JSON.stringify(content));
    } catch (error) {
      log.warn({ err: String(error), path }, 'cannot write the backend process ledger');
    }
  };
  return {
    add(pid, argv) {
      processes.set(pid, [...argv]);
      write();
    },
    remove(pid) {
      if (processes.delete(pid)) write();
    },
  };
}

/**
 * Stops the process groups a previous gateway recorded and did not stop, if that gateway is gone. A group is only
 * signalled when its leader still runs the recorded command line, so a recycled pid is never hit.
 */
export function reapLeftovers(path: string, log: Logger): number {
  let ledger: LedgerFile;
  try {
    ledger = JSON.parse(readFileSync(path, 'utf8')) as LedgerFile;
  } catch {
    return 0;
  }
  // Its gateway still runs: another gateway's children, not leftovers. A file written by this very process (several
  // gateways in one process, as in tests) is not leftovers either; one from an earlier process with our pid (PID 1
  // in a restarted container) is.
  const sameProcess = ledger.gateway_pid === process.pid && ledger.gateway_started >= PROCESS_STARTED;
  if (sameProcess || (ledger.gateway_pid !== process.pid && isAlive(ledger.gateway_pid))) return 0;
  let reaped = 0;
  for (const { pid, argv } of ledger.processes ?? []) {
    if (!runs(pid, argv)) continue;
    try {
      process.kill(-pid, 'SIGKILL');
      reaped++;
      log.warn({ pid, command: argv[0] }, 'stopped a backend left running by a previous gateway');
    } catch {
      // Already gone.
    }
  }
  const instance = ledger.instance;
  if (instance) {
    // Descendants out of those groups (setsid), or whose backend had already exited: found by their marker alone.
    const marked = signalMarked((value) => value.startsWith(`${instance}/`), 'SIGKILL');
    if (marked > 0) log.warn({ processes: marked }, 'stopped processes left running by a previous gateway');
    reaped += marked;
  }
  return reaped;
}

/**
 * Whether `pid` still runs the recorded command (Linux /proc; elsewhere nothing is proven, so nothing is killed).
 * The arguments must end the command line and the program's name appear before them: a script started through
 * its shebang (`npx`) shows up as `node /usr/bin/npx …`.
 */
function runs(pid: number, argv: readonly string[]): boolean {
  let cmdline: string[];
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return false;
  }
  const [program, ...args] = argv;
  if (!program || cmdline.length < argv.length) return false;
  const head = cmdline.slice(0, cmdline.length - args.length);
  const tail = cmdline.slice(cmdline.length - args.length);
  return tail.every((arg, i) => arg === args[i]) && head.some((arg) => basename(arg) === basename(program));
}
