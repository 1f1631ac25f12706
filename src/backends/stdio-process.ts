/**
 * @module stdio-process: the transport to a stdio backend, a child process speaking newline-delimited JSON-RPC.
 * The SDK's StdioClientTransport does the protocol part; this one also owns the process the way a supervisor must:
 * the child leads its own process group (so that stopping it reaches the grandchildren `npx` and shells spawn) and
 * stopping it also reaches every process carrying its MCP_GATEWAY_BACKEND marker (descendants.ts: those that left
 * the group),
 * non-protocol lines on stdout are logged and skipped instead of ending the session, line length is bounded, and
 * the exit code and signal are kept to explain a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { isJsonRpcMessage } from '../json-rpc.js';
import type { ProcessLedger } from './process-ledger.js';
import { createThrottle, type Throttle } from './log-throttle.js';
import { BACKEND_MARKER, signalMarked } from './descendants.js';

export interface StdioProcessOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** A longer stdout line is dropped whole (with a log line), never buffered without bound. */
  maxLineBytes?: number;
  onStderr?: (chunk: Buffer) => void;
  /**
   * A stdout line that is not a JSON-RPC message (banners, debug prints): the first GARBAGE_PER_SECOND lines of each
   * second, then one line counting the others of that second.
   */
  onGarbage?: (preview: string) => void;
  /** Told of the child's process group while it runs, so that a later gateway can stop it after a crash. */
  ledger?: ProcessLedger;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Waits of the stop ladder: stdin closed → SIGTERM to the group → SIGKILL to the group. */
export const STOP_WAITS_MS = { afterStdinEnd: 2_000, afterTerm: 3_000 } as const;
const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const REAP_GRACE_MS = 1_000;
/** Non-protocol stdout lines reported one by one per second; the rest are counted. */
export const GARBAGE_PER_SECOND = 5;
/**
 * Input sent to a child and not yet read by it, beyond which new messages fail at once: a child that stopped reading
 * must not make the gateway buffer without end. One message of any size still goes when less is waiting.
 */
const MAX_UNREAD_INPUT_BYTES = 16 * 1024 * 1024;

export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private exitInfo: ExitInfo | undefined;
  private exited: Promise<void> | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;
  private corked = false;
  private readonly garbage: Throttle;

  constructor(private readonly options: StdioProcessOptions) {
    this.garbage = createThrottle({
      perWindow: GARBAGE_PER_SECOND,
      windowMs: 1_000,
      emit: (text) => this.options.onGarbage?.(text),
      summary: (n) => `${n} more non-protocol lines skipped in the last second (not logged one by one)`,
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the process ended, once it has. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('StdioProcessTransport already started');
    return new Promise((resolve, reject) => {
      const child = spawn(this.options.command, this.options.args, {
        cwd: this.options.cwd,
        env: this.options.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        // Its own process group: the stop ladder signals the whole group, grandchildren included.
        detached: true,
      });
      this.child = child;
      // Recorded synchronously: 'close' can follow 'exit' in the same tick, and onclose reads it.
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        if (child.pid !== undefined) {
          this.reap(child.pid);
          this.options.ledger?.remove(child.pid);
        }
      });
      // Settles on exit, or on a spawn failure (no process, so no 'exit'); never rejects.
      this.exited = new Promise<void>((settle) => {
        child.once('exit', () => settle());
        child.once('error', () => settle());
      });
      child.once('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.once('spawn', () => {
        this.options.ledger?.add(child.pid!, [this.options.command, ...this.options.args]);
        resolve();
      });
      child.once('close', () => {
        // Its stdout is drained now: what was held back of it is reported before the end.
        this.garbage.flush();
        this.onclose?.();
      });
      child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
      child.stderr!.on('data', (chunk: Buffer) => this.options.onStderr?.(chunk));
      // EPIPE when the child dies mid-write is reported by 'exit'; nothing to add here.
      child.stdin!.on('error', () => {});
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable) return Promise.reject(new Error('Not connected'));
    if (stdin.writableLength > MAX_UNREAD_INPUT_BYTES) {
      // A child that stopped reading: the message fails now rather than wait in a buffer that only grows.
      const mb = Math.round(stdin.writableLength / (1 << 20));
      return Promise.reject(new Error(`it is not reading its input (${mb} MB sent to it are still unread)`));
    }
    if (!this.corked) {
      // Messages sent in one turn of the event loop leave in one write: under load, one wake-up of the child (and
      // one syscall) carries several calls.
      this.corked = true;
      stdin.cork();
      setImmediate(() => {
        this.corked = false;
        stdin.uncork();
      });
    }
    stdin.write(JSON.stringify(message) + '\n');
    return Promise.resolve();
  }

  /** The stop ladder, bounded: stdin end, SIGTERM to the group, SIGKILL to the group. Idempotent. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined) return;
    const exited = this.exited!;
    const waitExit = (ms: number) =>
      Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref()),
      ]);
    if (!this.exitInfo) {
      child.stdin?.end();
      if (!(await waitExit(STOP_WAITS_MS.afterStdinEnd))) {
        this.signalAll(child.pid, 'SIGTERM');
        if (!(await waitExit(STOP_WAITS_MS.afterTerm))) {
          this.signalAll(child.pid, 'SIGKILL');
          await exited;
        }
      }
    }
    // The leader is gone; whatever it left (a grandchild ignoring stdin, in its group or out of it) goes too.
    this.signalAll(child.pid, 'SIGKILL');
  }

  /**
   * Signals the child's process group and every process carrying its marker: descendants that called setsid, or
   * whose parent exited, are out of the group but still carry the marker they inherited.
   */
  private signalAll(pid: number, signal: NodeJS.Signals): void {
    signalGroup(pid, signal);
    const marker = this.options.env[BACKEND_MARKER];
    if (marker !== undefined) signalMarked((value) => value === marker, signal);
  }

  /** A leader that died (or crashed) may leave descendants behind: they get SIGTERM, then SIGKILL. */
  private reap(pid: number): void {
    this.signalAll(pid, 'SIGTERM');
    setTimeout(() => this.signalAll(pid, 'SIGKILL'), REAP_GRACE_MS).unref();
  }

  private read(chunk: Buffer): void {
    const max = this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      const line = this.pending.length ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      this.deliver(line);
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0 || this.discarding) return;
    this.pendingBytes += rest.length;
    if (this.pendingBytes > max) {
      this.garbage.take(`a stdout line longer than ${max} bytes was dropped`);
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = true;
      return;
    }
    // Copied: the chunk's memory is reused by the stream.
    this.pending.push(Buffer.from(rest));
  }

  private deliver(line: Buffer): void {
    // JSON.parse takes the line's surrounding whitespace (a \r of CRLF included) as it is.
    const text = line.toString('utf8');
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    // A structural check only: the SDK's schema parse cost more than the rest of a forwarded call.
    if (isJsonRpcMessage(message)) return this.onmessage?.(message);
    const garbage = text.trim();
    if (garbage !== '') this.garbage.take(garbage.length > 200 ? `${garbage.slice(0, 200)}…` : garbage);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
}
