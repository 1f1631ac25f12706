/**
 * @module bench/peers: the other gateways the bench measures beside mcp-gateway (group `peers`): their pinned
 * versions (bench/peers/package.json, the only thing of theirs in this repository), installed by the bench with npm
 * into a cache directory outside the repository only when missing, and each started on a 127.0.0.1 port in front of
 * its own stdio echo backend, ready once an echo call through it has been answered. Every process is stopped by its
 * pid, the peer's backend children too.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkText } from './calls.js';
import { HttpMcpSession, SseMcpSession, createAgent, type RpcClient } from './mcp-client.js';
import { ECHO_SERVER } from './processes.js';
import { alive, childPids } from './procfs.js';

/** The manifest in the source tree (tsc does not copy JSON to dist/). */
const MANIFEST = fileURLToPath(new URL('../../bench/peers/package.json', import.meta.url));
const LOOPBACK = pathToFileURL(fileURLToPath(new URL('./peer-loopback.js', import.meta.url))).href;
const INSTALL_TIMEOUT_MS = 240_000;
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

export type PeerName = 'mcp-hub' | 'mcp-proxy' | 'supergateway';
export const PEER_NAMES: PeerName[] = ['mcp-hub', 'mcp-proxy', 'supergateway'];

export function pinnedVersions(): Record<PeerName, string> {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { dependencies: Record<PeerName, string> };
  return manifest.dependencies;
}

/** BENCH_PEERS_DIR, else a directory in the OS temp dir named after the manifest's content (a new pin, a new dir). */
export function peersDir(): string {
  const hash = createHash('sha256').update(readFileSync(MANIFEST)).digest('hex').slice(0, 12);
  return process.env.BENCH_PEERS_DIR ?? join(os.tmpdir(), `mcp-gateway-bench-peers-${hash}`);
}

function installedVersion(dir: string, name: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version;
  } catch {
    return undefined;
  }
}

/**
 * Installs the pinned versions with `npm install --prefix <dir>` when any is missing or another version; returns
 * the directory, or why not (npm's last lines).
 */
export async function installPeers(): Promise<{ dir: string; error?: string }> {
  const dir = peersDir();
  const pins = pinnedVersions();
  if (PEER_NAMES.every((n) => installedVersion(dir, n) === pins[n])) return { dir };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), readFileSync(MANIFEST));
  process.stderr.write(`  installing ${PEER_NAMES.map((n) => `${n}@${pins[n]}`).join(', ')} into ${dir} …\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const error = await new Promise<string | undefined>((resolve) => {
    execFile(
      npm,
      ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save'],
      { cwd: dir, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (failure, _stdout, stderr) =>
        resolve(
          failure ? `npm install failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : undefined,
        ),
    );
  });
  if (error) return { dir, error };
  const wrong = PEER_NAMES.filter((n) => installedVersion(dir, n) !== pins[n]);
  return wrong.length ? { dir, error: `npm install did not install ${wrong.join(', ')}` } : { dir };
}

/** A free 127.0.0.1 port (asked of the OS, then released for the peer to take). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

export type PeerTransport = 'streamable' | 'sse';

/** Opens one client session on a peer's endpoint, in the transport it speaks. */
export function openPeerSession(transport: PeerTransport, agent: Agent, url: string): Promise<RpcClient> {
  return transport === 'sse' ? SseMcpSession.open(agent, url) : HttpMcpSession.open(agent, url);
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'"'"'`)}'`;

interface PeerCommand {
  /** The peer's executable (its package.json bin) and arguments. */
  main: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Path of the Streamable HTTP endpoint and the echo tool's name there. */
  path: string;
  tool: string;
  /** Streamable HTTP, or the older HTTP+SSE transport (GET the path, POST where its `endpoint` event says). */
  transport: PeerTransport;
}

function command(name: PeerName, dir: string, port: number, workDir: string): PeerCommand {
  const modules = join(dir, 'node_modules');
  const echo = [process.execPath, ECHO_SERVER, '--stdio'];
  switch (name) {
    case 'mcp-proxy':
      // Streamable HTTP only, sessions on (its default), one shared upstream stdio process.
      return {
        main: join(modules, 'mcp-proxy', 'dist', 'bin', 'mcp-proxy.mjs'),
        args: ['--port', String(port), '--host', '127.0.0.1', '--server', 'stream', '--', ...echo],
        path: '/mcp',
        tool: 'echo',
        transport: 'streamable',
      };
    case 'supergateway':
      // Stateful Streamable HTTP: one stdio child per session (its design); the command is run by a shell.
      return {
        main: join(modules, 'supergateway', 'dist', 'index.js'),
        args: [
          '--stdio',
          echo.map(shellQuote).join(' '),
          '--outputTransport',
          'streamableHttp',
          '--stateful',
          '--port',
          String(port),
          '--logLevel',
          'none',
        ],
        path: '/mcp',
        tool: 'echo',
        transport: 'streamable',
      };
    case 'mcp-hub': {
      // Its unified endpoint /mcp speaks only HTTP+SSE and names a tool <server>__<tool>; its state goes to a scratch HOME.
      const config = join(workDir, 'mcp-hub.json');
      writeFileSync(
        config,
        JSON.stringify({ mcpServers: { echo: { command: process.execPath, args: echo.slice(1) } } }),
      );
      const home = join(workDir, 'home');
      mkdirSync(home, { recursive: true });
      return {
        main: join(modules, 'mcp-hub', 'dist', 'cli.js'),
        args: ['--port', String(port), '--config', config],
        env: {
          ...process.env,
          HOME: home,
          XDG_STATE_HOME: join(home, 'state'),
          XDG_CONFIG_HOME: join(home, 'config'),
          XDG_DATA_HOME: join(home, 'data'),
        },
        path: '/mcp',
        tool: 'echo__echo',
        transport: 'sse',
      };
    }
  }
}

export interface StartedPeer {
  name: PeerName;
  version: string;
  pid: number;
  url: string;
  tool: string;
  transport: PeerTransport;
  stop(): Promise<void>;
}

/** Every descendant pid of `pid` (children, their children, …), bounded. */
export function descendants(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length && found.length < 1_000) {
    for (const child of childPids(queue.shift()!)) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Starts `name` and waits (bounded) until an echo call through it is answered; rejects with the reason. */
export async function startPeer(name: PeerName, dir: string, workDir: string): Promise<StartedPeer> {
  const port = await freePort();
  const peerDir = join(workDir, name);
  mkdirSync(peerDir, { recursive: true });
  const cmd = command(name, dir, port, peerDir);
  if (!existsSync(cmd.main)) throw new Error(`not installed: ${cmd.main}`);
  const child = spawn(process.execPath, ['--import', LOOPBACK, cmd.main, ...cmd.args], {
    cwd: peerDir,
    env: cmd.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited (${signal ?? code})`));
  const pid = child.pid!;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const below = descendants(pid);
      if (exited === undefined && alive(pid)) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        process.kill(pid, 'SIGTERM');
        const timer = setTimeout(() => alive(pid) && process.kill(pid, 'SIGKILL'), STOP_GRACE_MS);
        await gone;
        clearTimeout(timer);
      }
      // A peer's backend children do not always end with it: each by its own pid.
      for (const p of below) if (alive(p)) process.kill(p, 'SIGKILL');
    })());
  const url = `http://127.0.0.1:${port}${cmd.path}`;
  const agent = createAgent(2);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  try {
    while (Date.now() < deadline) {
      if (exited) throw new Error(`${exited}; ${tail.slice(-3).join(' | ')}`);
      try {
        const session = await openPeerSession(cmd.transport, agent, url);
        checkText(
          await session.request('tools/call', { name: cmd.tool, arguments: { text: 'ready' } }),
          'ready',
        );
        await session.close();
        return {
          name,
          version: pinnedVersions()[name],
          pid,
          url,
          tool: cmd.tool,
          transport: cmd.transport,
          stop,
        };
      } catch (error) {
        last = (error instanceof Error ? error.message : String(error))
          .replace(/<[^>]*>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim();
        // Listening, but no Streamable HTTP endpoint there: waiting longer will not help.
        if (/^HTTP 40[45]/.test(last)) break;
        await delay(200);
      }
    }
    throw new Error(`no echo answer: ${last}`);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    agent.destroy();
  }
}
