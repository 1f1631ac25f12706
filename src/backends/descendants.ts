/**
 * @module descendants: every process a backend started, found by an environment marker rather than by process group.
 * Each stdio backend is spawned with MCP_GATEWAY_BACKEND=<gateway instance>/<backend>/<n>; its children inherit it,
 * including those that leave its process group with setsid and those whose parent has exited (reparented to init),
 * which a group kill cannot reach. Linux only (/proc/<pid>/environ); elsewhere nothing is found and the group kill
 * is all there is.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const BACKEND_MARKER = 'MCP_GATEWAY_BACKEND';
const NEEDLE = Buffer.from(`${BACKEND_MARKER}=`);

/** The marker value of one backend process (unique per spawn, so that stopping one never hits a sibling). */
export function backendMarker(instance: string, backend: string, n: number): string {
  return `${instance}/${backend}/${n}`;
}

/** Pids of the processes (of this user) whose environment has a marker `match` accepts; never this process. */
export function findMarked(match: (value: string) => boolean): number[] {
  if (process.platform !== 'linux') return [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const value = markerOf(pid);
    if (value !== undefined && match(value)) found.push(pid);
  }
  return found;
}

/** Sends `signal` to every marked process `match` accepts; returns how many were signalled. */
export function signalMarked(match: (value: string) => boolean, signal: NodeJS.Signals): number {
  let signalled = 0;
  for (const pid of findMarked(match)) {
    try {
      process.kill(pid, signal);
      signalled++;
    } catch {
      // Exited meanwhile.
    }
  }
  return signalled;
}

function markerOf(pid: number): string | undefined {
  let environ: Buffer;
  try {
    // Other users' processes are unreadable (EACCES): they are not ours to stop anyway.
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined;
  }
  let at = environ.indexOf(NEEDLE);
  while (at > 0 && environ[at - 1] !== 0) at = environ.indexOf(NEEDLE, at + 1);
  if (at === -1) return undefined;
  const start = at + NEEDLE.length;
  const end = environ.indexOf(0, start);
  return environ.toString('utf8', start, end === -1 ? environ.length : end);
}
