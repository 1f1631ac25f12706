/**
 * @module replicas helper: gateway processes sharing one redis-server, and a round-robin proxy in front of them, all
 * on loopback. The proxy sends each request to the next replica; a replica that refuses the connection (it is gone)
 * is skipped from then on and the request goes to the next one, as a load balancer's passive health check does; a
 * request that fails after it reached a replica is answered 502. It counts what it sent where, and what failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './gateway.js';

export interface Replica {
  name: string;
  url: string;
  child: ChildProcess;
  pid: number;
}

/** Starts `node dist/mcp-gateway.js serve` on a free port with its own state directory; resolves once it listens. */
export async function startReplica(
  name: string,
  config: string,
  stateDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Replica> {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'dist/mcp-gateway.js'), 'serve', '--config', config],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: stateDir, STATE_DIR: stateDir, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let tail = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica ${name} did not listen: ${tail}`)), 20_000);
    createInterface({ input: child.stderr! }).on('line', (line) => {
      tail = (tail + line + '\n').slice(-4_000);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'mcp-gateway listening' && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        // Not a log line.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica ${name} exited with ${code}: ${tail}`));
    });
  });
  return { name, url, child, pid: child.pid! };
}

export interface RoundRobin {
  url: string;
  /** Requests sent to each upstream (by URL), and those sent there carrying each session id. */
  sent: Map<string, number>;
  sessionsSeen: Map<string, Set<string>>;
  /** Requests answered 502 because their replica failed after receiving them. */
  failed: number;
  /** Requests being answered by each upstream now. */
  inFlight: Map<string, number>;
  dead: Set<string>;
  close(): Promise<void>;
}

export async function startRoundRobin(upstreams: string[]): Promise<RoundRobin> {
  let next = 0;
  const state: Omit<RoundRobin, 'url' | 'close'> = {
    sent: new Map(),
    sessionsSeen: new Map(),
    failed: 0,
    inFlight: new Map(),
    dead: new Set(),
  };
  const bump = (map: Map<string, number>, key: string, by: number) => map.set(key, (map.get(key) ?? 0) + by);

  function pick(): string | undefined {
    for (let i = 0; i < upstreams.length; i++) {
      const upstream = upstreams[next++ % upstreams.length]!;
      if (!state.dead.has(upstream)) return upstream;
    }
    return undefined;
  }

  function forward(req: IncomingMessage, body: Buffer, res: import('node:http').ServerResponse): void {
    const upstream = pick();
    if (!upstream) {
      res.writeHead(503).end();
      return;
    }
    const target = new URL(req.url ?? '/', upstream);
    const headers = { ...req.headers, host: target.host };
    bump(state.sent, upstream, 1);
    const session = req.headers['mcp-session-id'];
    if (typeof session === 'string') {
      const seen = state.sessionsSeen.get(session) ?? new Set<string>();
      seen.add(upstream);
      state.sessionsSeen.set(session, seen);
    }
    bump(state.inFlight, upstream, 1);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      bump(state.inFlight, upstream, -1);
    };
    const out = request(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', finish);
      answer.on('error', () => {
        finish();
        res.destroy();
      });
    });
    out.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      if (error.code === 'ECONNREFUSED' && !res.headersSent) {
        // Gone: never reached it, so the request goes to the next replica, and this one is skipped from now on.
        state.dead.add(upstream);
        forward(req, body, res);
        return;
      }
      state.failed++;
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    res.on('close', () => {
      if (!done) out.destroy();
    });
    out.end(body);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ...state,
    get failed() {
      return state.failed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
