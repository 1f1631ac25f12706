/**
 * @module redis helper: a real `redis-server` on a free loopback port, in a temporary folder, stopped by its pid.
 * Tests that need it use `describe.runIf(hasRedisServer())`; `.ci/run` installs the binary, so CI always runs them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './processes.js';
import { freePort } from './tool-server.js';

let found: boolean | undefined;

/** True when a `redis-server` binary is on the PATH. */
export function hasRedisServer(): boolean {
  found ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return found;
}

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s). */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop` too), with an empty data set. */
  restart(): Promise<void>;
}

/** Starts `redis-server` on 127.0.0.1 with no persistence and resolves once it accepts connections. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'mcpgw-redis-'));
  let child: ChildProcess = await launch(port, dir);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid!;
    },
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopChild(child);
      // After a stop too, which removed the folder.
      mkdirSync(dir, { recursive: true });
      child = await launch(port, dir);
    },
  };
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`redis-server did not listen on ${port} within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return child;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
