/**
 * @module bench/processes: the processes a benchmark starts (the gateway from dist/mcp-gateway.js, the HTTP echo
 * backend), each started with a deadline and stopped by its own pid: SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { alive } from './procfs.js';

/**
 * dist/mcp-gateway.js (the bundled executable), beside this file's dist/bench/; `BENCH_GATEWAY` names another build's
 * to measure it with this bench (e.g. the last release's, for a before/after in one sitting).
 */
export const GATEWAY_MAIN =
  process.env.BENCH_GATEWAY ?? fileURLToPath(new URL('../mcp-gateway.js', import.meta.url));
/** tsc's output, module by module: what a CPU profile can attribute to packages. */
export const GATEWAY_MODULES = fileURLToPath(new URL('../src/main.js', import.meta.url));
export const ECHO_SERVER = fileURLToPath(new URL('./echo-server.js', import.meta.url));
export const LEAN_PROXY = fileURLToPath(new URL('./lean-proxy.js', import.meta.url));

const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;

export interface Started {
  pid: number;
  /** performance.now() just before spawn, and when the process said it listens. */
  spawnedAt: number;
  readyAt: number;
  /** Last lines of the process's stderr, for error messages. */
  stderrTail(): string[];
  /** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface StartedGateway extends Started {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
}

export interface StartedEcho extends Started {
  /** The MCP endpoint, e.g. http://127.0.0.1:40124/mcp */
  url: string;
}

function stopper(child: ChildProcess): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= new Promise<void>((resolve) => {
      const pid = child.pid;
      if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => {
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }, STOP_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      process.kill(pid, 'SIGTERM');
    });
    return stopping;
  };
}

/** A program that runs node (e.g. `valgrind --tool=callgrind`), and how long a start may take under it. */
export interface Wrap {
  command?: string[];
  startTimeoutMs?: number;
}

/**
 * Spawns `args` under node and waits until `ready(line)` returns a value for a line on `stream`; rejects (after
 * stopping the process) when it exits or the deadline passes first.
 */
function spawnUntil<T>(
  nodeArgs: string[],
  stream: 'stdout' | 'stderr',
  ready: (line: string) => T | undefined,
  env: NodeJS.ProcessEnv = process.env,
  wrap: Wrap = {},
): Promise<{ value: T } & Started> {
  const spawnedAt = performance.now();
  const [command, ...args] = [...(wrap.command ?? []), process.execPath, ...nodeArgs];
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const startTimeoutMs = wrap.startTimeoutMs ?? START_TIMEOUT_MS;
  const tail: string[] = [];
  const stop = stopper(child);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${why}; stderr: ${tail.slice(-5).join(' | ')}`)));
    };
    const timer = setTimeout(() => fail(`not ready within ${startTimeoutMs} ms`), startTimeoutMs);
    const watch = (name: 'stdout' | 'stderr') => {
      let buffer = '';
      const source = child[name]!;
      source.setEncoding('utf8');
      source.on('data', (chunk: string) => {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (name === 'stderr') {
            tail.push(line);
            if (tail.length > 50) tail.shift();
          }
          if (settled || name !== stream) continue;
          const value = ready(line);
          if (value === undefined) continue;
          settled = true;
          clearTimeout(timer);
          resolve({
            value,
            pid: child.pid!,
            spawnedAt,
            readyAt: performance.now(),
            stderrTail: () => [...tail],
            stop,
          });
        }
      });
    };
    watch('stdout');
    watch('stderr');
    child.once('exit', (code, signal) => fail(`exited early (${signal ?? code})`));
    child.once('error', (error) => fail(String(error)));
  });
}

function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * What the service files (systemd units, Dockerfile) set for the gateway, so that it is measured as it is run: glibc
 * gives memory freed at the top of a heap back above 1 MB, rather than above a limit that grows with the largest
 * block freed so far. The sessions group also measures one step without it.
 */
export const SERVICE_ENV = { MALLOC_TRIM_THRESHOLD_: '1048576' };

/**
 * The gateway on `configPath`, port 0, log level info (its default; nothing is logged per call at info), in the
 * environment of the bench with SERVICE_ENV unless `env` is given.
 */
export async function startGateway(
  configPath: string,
  options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; main?: string; wrap?: Wrap } = {},
): Promise<StartedGateway> {
  const main = options.main ?? GATEWAY_MAIN;
  const started = await spawnUntil(
    [...(options.nodeArgs ?? []), main, '-c', configPath, '--port', '0', '--log-level', 'info'],
    'stderr',
    (line) => {
      const record = jsonLine(line);
      return record?.msg === 'mcp-gateway listening' && typeof record.url === 'string'
        ? record.url
        : undefined;
    },
    options.env ?? { ...process.env, ...SERVICE_ENV },
    options.wrap,
  );
  return { ...started, url: started.value };
}

/** The HTTP echo backend (the SDK's), or with `raw` the SDK-less one. */
export async function startHttpEcho(raw = false): Promise<StartedEcho> {
  const started = await spawnUntil([ECHO_SERVER, '--http', ...(raw ? ['--raw'] : [])], 'stdout', (line) => {
    const url = jsonLine(line)?.url;
    return typeof url === 'string' ? url : undefined;
  });
  return { ...started, url: started.value };
}

/** The lean passthrough prototype (bench/lean-proxy.ts) in front of its own stdio echo and the HTTP echo at `httpUrl`. */
export async function startLeanProxy(
  httpUrl: string,
  wrap?: Wrap,
  nodeArgs: string[] = [],
): Promise<StartedEcho> {
  const ready = (line: string) => {
    const url = jsonLine(line)?.url;
    return typeof url === 'string' ? url : undefined;
  };
  const started = await spawnUntil(
    [...nodeArgs, LEAN_PROXY, '--http-backend', httpUrl],
    'stdout',
    ready,
    process.env,
    wrap,
  );
  return { ...started, url: started.value };
}
