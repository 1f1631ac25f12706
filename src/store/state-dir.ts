/**
 * @module state-dir: the state directory as one gateway's own. It is created 0700 and its files are written 0600: the
 * process ledger holds backend command lines, which may carry secrets. It is locked while a gateway runs: two
 * gateways on one directory would each take the other's backends for leftovers of a crash, and write over each
 * other's catalog.
 */
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../pid.js';

export const LOCK_FILE = 'gateway.lock';
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** A holder whose process started further than this from the recorded time is another process with a reused pid. */
const START_TIME_SLACK_MS = 5_000;
/** When this process started (epoch ms), as recorded in the lock and the ledger. */
export const PROCESS_STARTED = Math.floor(Date.now() - process.uptime() * 1000);

interface LockContent {
  pid: number;
  started: number;
}

export type StateDirLock =
  { ok: true; release(): void } | { ok: false; holder: number | undefined; message: string };

/** Lock files this process holds (several gateways may run in one process, as in tests). */
const held = new Set<string>();

/**
 * Creates the directory (0700) or tightens an existing one, with the files in it, to this user alone. Throws when
 * the directory cannot be created: nothing the gateway keeps could be kept.
 */
export function prepareStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  tighten(dir, DIR_MODE);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat?.isFile()) tighten(path, FILE_MODE);
  }
}

/** Writes a file only this user can read, atomically: a crash mid-write leaves the old file, never a torn one. */
export function writePrivateFile(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', FILE_MODE);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  // openSync's mode applies only to a new file; a leftover tmp file keeps its own.
  chmodSync(tmp, FILE_MODE);
  renameSync(tmp, path);
}

/**
 * Takes the directory's lock (preparing the directory first). Held by a live gateway: refused, naming its pid. Left
 * by a dead one (a crash, a kill -9, a reboot that reused its pid): taken over.
 */
export function lockStateDir(dir: string): StateDirLock {
  prepareStateDir(dir);
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (create(path)) {
      held.add(path);
      return { ok: true, release: () => release(path) };
    }
    const current = read(path);
    if (current === 'gone') continue;
    if (current !== undefined && holds(path, current)) {
      return {
        ok: false,
        holder: current.pid,
        message:
          `the state directory ${dir} is in use by another mcp-gateway (pid ${current.pid}); ` +
          'stop it, or give this one another state_dir',
      };
    }
    // Stale (or unreadable): removed only if it is still the file just read, then created again.
    removeIfSame(path, current);
  }
  return {
    ok: false,
    holder: undefined,
    message: `the state directory ${dir} is being locked by another mcp-gateway at the same moment`,
  };
}

function create(path: string): boolean {
  const content: LockContent = { pid: process.pid, started: PROCESS_STARTED };
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fd = openSync(tmp, 'wx', FILE_MODE);
  try {
    writeSync(fd, JSON.stringify(content));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // A link fails if the lock exists: the check and the creation are one step, and the lock is never half-written.
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

function read(path: string): (LockContent & { ino: number }) | 'gone' | undefined {
  try {
    const ino = lstatSync(path).ino;
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number' || typeof parsed.started !== 'number') return undefined;
    return { pid: parsed.pid, started: parsed.started, ino };
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : undefined;
  }
}

/** Whether the recorded process still runs and holds the lock. */
function holds(path: string, lock: LockContent): boolean {
  // Our pid: held if this process took it; otherwise an earlier process with our pid wrote it (PID 1 in a container).
  if (lock.pid === process.pid) return held.has(path);
  if (!isAlive(lock.pid)) return false;
  const started = processStartTime(lock.pid);
  return started === undefined || Math.abs(started - lock.started) <= START_TIME_SLACK_MS;
}

function removeIfSame(path: string, seen: (LockContent & { ino: number }) | undefined): void {
  try {
    if (seen === undefined || lstatSync(path).ino === seen.ino) unlinkSync(path);
  } catch {
    // Gone already: the next attempt creates it.
  }
}

function release(path: string): void {
  if (!held.delete(path)) return;
  const current = read(path);
  if (typeof current === 'object' && current.pid === process.pid) removeIfSame(path, current);
}

/** When a process started (epoch ms), from Linux /proc; undefined elsewhere (then a live pid counts as the holder). */
function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
    if (!Number.isFinite(ticks) || boot === undefined) return undefined;
    // USER_HZ is 100 on every Linux the gateway runs on.
    return Number(boot) * 1000 + ticks * 10;
  } catch {
    return undefined;
  }
}

function tighten(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch {
    // Not ours (a shared system directory given as state_dir): its owner decides.
  }
}
