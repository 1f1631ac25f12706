/**
 * @module bench/profile-summary: reads a V8 .cpuprofile (from `node --cpu-prof`) and says where the time went: the
 * functions with the most self time, the same by package (the gateway's own code, each npm package, Node's
 * internals, GC), and the functions with the most inclusive time among the gateway's code and its direct
 * dependencies.
 *
 *   node dist/bench/profile-summary.js <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface TimeShare {
  name: string;
  ms: number;
  /** Share of the non-idle time, in percent. */
  pct: number;
}

export interface ProfileSummary {
  file: string;
  /** The analysed window: from the first to the last sample whose stack holds the marker function. */
  windowMs: number;
  marker: string | undefined;
  /** Sampled time in the window that was not (idle). Under CPU contention this exceeds CPU time. */
  busyMs: number;
  selfByPackage: TimeShare[];
  /** Self time charged to the innermost frame of the gateway or an npm package: who caused Node's own work. */
  selfByCaller: TimeShare[];
  selfByFunction: TimeShare[];
  inclusiveByFunction: TimeShare[];
}

export interface SummaryOptions {
  /** Rows per list (default 25). */
  top?: number;
  /**
   * Only samples between the first and the last whose stack holds a function of this name count (default
   * `fastPath`, the gateway's request listener, which sees every HTTP request first: the load, not the start-up
   * and shutdown around it); undefined counts the whole profile.
   */
  marker?: string | undefined;
}

/** `node_modules/@scope/name` or `node_modules/name` → the package; the gateway's dist/src → `gateway`. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native/builtin)';
  if (url.startsWith('node:')) return 'node (internals)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.includes('/dist/src/')) return 'gateway (dist/src)';
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  if (!url) return '';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const src = url.indexOf('/dist/');
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

function frameName(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

function top(map: Map<string, number>, busyMs: number, count: number): TimeShare[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, ms: round(ms), pct: round((ms / busyMs) * 100) }));
}

const round = (n: number) => Math.round(n * 10) / 10;

export function summarizeProfile(file: string, options: SummaryOptions = {}): ProfileSummary {
  const count = options.top ?? 25;
  const marker = 'marker' in options ? options.marker : 'fastPath';
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stackOf = (id: number): CallFrame[] => {
    const frames: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      frames.push(byId.get(at)!.callFrame);
    return frames;
  };

  let first = 0;
  let last = profile.samples.length - 1;
  if (marker !== undefined) {
    const marked = (i: number) => stackOf(profile.samples[i]!).some((f) => f.functionName === marker);
    while (first <= last && !marked(first)) first++;
    while (last >= first && !marked(last)) last--;
  }

  const self = new Map<string, number>();
  const perPackage = new Map<string, number>();
  const perCaller = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  let busyMs = 0;
  let windowMs = 0;
  for (let i = first; i <= last; i++) {
    const node = byId.get(profile.samples[i]!);
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    windowMs += ms;
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busyMs += ms;
    add(self, frameName(node.callFrame), ms);
    add(perPackage, packageOf(node.callFrame.url, node.callFrame.functionName), ms);
    const stack = stackOf(node.id);
    const owner = stack.find((f) => f.url && !f.url.startsWith('node:'));
    add(
      perCaller,
      owner
        ? packageOf(owner.url, owner.functionName)
        : packageOf(node.callFrame.url, node.callFrame.functionName),
      ms,
    );
    // Inclusive: every distinct function on the sample's stack gets the sample once (recursion counted once).
    const seen = new Set<string>();
    for (const frame of stack) {
      if (!frame.url) continue;
      const key = frameName(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      add(inclusive, key, ms);
    }
  }
  return {
    file,
    windowMs: round(windowMs),
    marker,
    busyMs: round(busyMs),
    selfByPackage: top(perPackage, busyMs, count),
    selfByCaller: top(perCaller, busyMs, count),
    selfByFunction: top(self, busyMs, count),
    inclusiveByFunction: top(inclusive, busyMs, count),
  };
}

/**
 * The summary as text. With `cpuUsPerCall` (the process's measured CPU time per call), each row also shows its share
 * of that as µs per call: the profile gives the shares, /proc the total.
 */
export function formatSummary(summary: ProfileSummary, title: string, cpuUsPerCall?: number | null): string {
  const lines = [
    title,
    `  ${summary.file}`,
    `  window ${summary.windowMs} ms (${summary.marker ?? 'whole profile'}), busy (not idle) ${summary.busyMs} ms; shares are of busy time` +
      (cpuUsPerCall ? `; µs/call = share × ${cpuUsPerCall.toFixed(0)} µs measured` : ''),
  ];
  const section = (heading: string, rows: TimeShare[]) => {
    lines.push(`  ${heading}`);
    for (const row of rows) {
      const perCall = cpuUsPerCall
        ? `${((row.pct / 100) * cpuUsPerCall).toFixed(0).padStart(5)} µs/call  `
        : '';
      lines.push(`    ${row.pct.toFixed(1).padStart(5)}%  ${perCall}${row.name}`);
    }
  };
  section('self time by package', summary.selfByPackage);
  section(
    'self time charged to the innermost package frame (Node internals → the package that called them)',
    summary.selfByCaller,
  );
  section('self time by function', summary.selfByFunction);
  section('inclusive time by function', summary.inclusiveByFunction);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, count] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatSummary(summarizeProfile(file, { top: Number(count) || 25 }), 'profile')}\n`);
}
