/**
 * @module bench/groups/peers: the gateway's /mcp/<stdio backend> beside the other gateways (bench/peers.ts: mcp-hub,
 * mcp-proxy, supergateway at pinned versions), each in front of the same stdio echo server, one session per worker
 * at concurrency 16 and 64, rounds interleaved; then the same blocks again while one busy-loop process takes a core,
 * and how much of its throughput each loses. The lean prototype runs in the same blocks as the machine's reference.
 * A peer that cannot run is reported with the reason.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { closeAll, echoCall } from '../calls.js';
import { closedLoop } from '../loop.js';
import { STDIO_BACKEND } from '../fixtures.js';
import { createAgent, type RpcClient } from '../mcp-client.js';
import { runBlock, type Summary, type Target } from '../measure.js';
import {
  PEER_NAMES,
  openPeerSession,
  type PeerTransport,
  installPeers,
  pinnedVersions,
  startPeer,
  type StartedPeer,
} from '../peers.js';
import { alive, childPids } from '../procfs.js';
import { stdioBackendPid, type Rig } from '../rig.js';
import { QUICK, SETTINGS } from '../settings.js';

export const PEER_CONCURRENCY = [16, 64];
export const GATEWAY_LABEL = 'mcp-gateway';
/**
 * The lean prototype (bench/lean-proxy.ts) runs in every block as this machine's reference, not as a peer: what a
 * passthrough with next to no code of its own gets here, idle and beside the busy core.
 */
export const PROTOTYPE_LABEL = 'lean prototype';

export interface PeerRow {
  target: string;
  version: string | null;
  concurrency: number;
  load: 'idle' | 'contended';
  summary: Summary | null;
  /** Why there are no figures. */
  skipped?: string;
  /** Contended rows: the share of the same target's idle calls/s lost, %. */
  lostPct?: number;
}

export interface PeersResult {
  dir: string;
  rows: PeerRow[];
  notes: string[];
}

async function openBatched(
  url: string,
  n: number,
  transport: PeerTransport = 'streamable',
): Promise<{ sessions: RpcClient[]; close(): Promise<void> }> {
  const agent = createAgent(128);
  const sessions: RpcClient[] = [];
  const close = async () => {
    await closeAll(sessions);
    agent.destroy();
  };
  try {
    for (let i = 0; i < n; i += 16) {
      const k = Math.min(16, n - i);
      const batch = await Promise.allSettled(
        Array.from({ length: k }, () => openPeerSession(transport, agent, url)),
      );
      for (const b of batch) if (b.status === 'fulfilled') sessions.push(b.value);
      const failure = batch.find((b) => b.status === 'rejected');
      if (failure) throw failure.reason;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { sessions, close };
}

/**
 * Before the first block, every target serves calls for a while: a freshly started peer's first thousands of calls
 * run unoptimized, and the blocks' own 200 ms warm-up left them to the first (idle) block, where the peers then ran
 * 2-2.5x slower than in the contended block after it.
 */
const WARMUP_MS = QUICK ? 300 : 3_000;

async function warmUp(
  targets: Array<{ url: string; transport?: PeerTransport; tool?: string }>,
): Promise<void> {
  process.stderr.write(`  warming every target up (${WARMUP_MS} ms each) …\n`);
  for (const target of targets) {
    let opened: Awaited<ReturnType<typeof openBatched>>;
    try {
      opened = await openBatched(target.url, 16, target.transport);
    } catch {
      continue; // the block reports why it cannot open its sessions
    }
    try {
      await closedLoop(16, WARMUP_MS, SETTINGS.maxCallsPerRound, echoCall(opened.sessions, target.tool));
    } catch {
      // A call that fails here fails in the block too, where it is counted.
    } finally {
      await opened.close();
    }
  }
}

/** `node -e 'for(;;){}'`: one process that keeps one core busy, stopped by its pid. */
function busyLoop(): { pid: number; stop(): Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid,
    stop: async () => {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      await exited;
    },
  };
}

export async function peersGroup(rig: Rig, dir: string): Promise<PeersResult> {
  const pins = pinnedVersions();
  const rows: PeerRow[] = [];
  const notes: string[] = [];
  const install = await installPeers();
  const peers: StartedPeer[] = [];
  const failed = new Map<string, string>();
  const work = join(dir, 'peers');
  mkdirSync(work, { recursive: true });
  try {
    for (const name of PEER_NAMES) {
      if (install.error) {
        failed.set(name, install.error);
        continue;
      }
      try {
        peers.push(await startPeer(name, install.dir, work));
      } catch (error) {
        failed.set(name, error instanceof Error ? error.message : String(error));
      }
    }
    const gatewayUrl = `${rig.gateway.url}/mcp/${STDIO_BACKEND}`;
    const prototypeUrl = `${rig.lean.url}/mcp/${STDIO_BACKEND}`;
    await warmUp([
      { url: gatewayUrl },
      { url: prototypeUrl },
      ...peers.map((p) => ({ url: p.url, transport: p.transport, tool: p.tool })),
    ]);
    // After the warm-up: the gateway starts its stdio backend on the first session that needs it.
    const gatewayBackend = await stdioBackendPid(rig.gateway);
    const prototypeBackend = childPids(rig.lean.pid)[0];
    for (const load of ['idle', 'contended'] as const) {
      for (const c of PEER_CONCURRENCY) {
        const gateway = await openBatched(gatewayUrl, c);
        const prototype = await openBatched(prototypeUrl, c);
        const opened = [gateway, prototype];
        const targets: Target[] = [
          {
            label: GATEWAY_LABEL,
            probe: { gatewayPid: rig.gateway.pid, backendPid: () => gatewayBackend },
            call: echoCall(gateway.sessions),
          },
          {
            label: PROTOTYPE_LABEL,
            probe: { gatewayPid: rig.lean.pid, backendPid: () => prototypeBackend },
            call: echoCall(prototype.sessions),
          },
        ];
        const blockFailed = new Map<string, string>();
        for (const p of peers) {
          let sessions: Awaited<ReturnType<typeof openBatched>>;
          try {
            sessions = await openBatched(p.url, c, p.transport);
          } catch (error) {
            blockFailed.set(
              p.name,
              `${c} sessions: ${error instanceof Error ? error.message : String(error)}`,
            );
            continue;
          }
          opened.push(sessions);
          // One backend process (mcp-hub, mcp-proxy): its CPU; one per session (supergateway): not summed, left out.
          const children = childPids(p.pid);
          targets.push({
            label: p.name,
            probe: {
              gatewayPid: p.pid,
              backendPid: () => (children.length === 1 ? children[0] : undefined),
            },
            call: echoCall(sessions.sessions, p.tool),
          });
        }
        process.stderr.write(`  stdio c=${c} per-worker, ${load} …\n`);
        const busy = load === 'contended' ? busyLoop() : undefined;
        let result: Map<string, Summary>;
        try {
          result = await runBlock(targets, c);
        } finally {
          await busy?.stop();
          for (const o of opened) await o.close();
        }
        for (const target of [GATEWAY_LABEL, PROTOTYPE_LABEL, ...PEER_NAMES]) {
          const summary = result.get(target) ?? null;
          const idle = rows.find((r) => r.target === target && r.concurrency === c && r.load === 'idle');
          rows.push({
            target,
            version: target in pins ? pins[target as keyof typeof pins] : null,
            concurrency: c,
            load,
            summary,
            ...(summary ? {} : { skipped: failed.get(target) ?? blockFailed.get(target) ?? 'not started' }),
            ...(load === 'contended' && summary && idle?.summary
              ? { lostPct: (1 - summary.callsPerS / idle.summary.callsPerS) * 100 }
              : {}),
          });
        }
      }
    }
    notes.push(
      `peers installed in ${install.dir} (npm, pinned in bench/peers/package.json); each in front of its own \`node dist/bench/echo-server.js --stdio\`, on 127.0.0.1`,
      'mcp-hub: its /mcp (HTTP+SSE, the only transport it serves to clients; tool echo__echo; one shared stdio process); mcp-proxy: --server stream (Streamable HTTP at /mcp, sessions, one shared stdio process); supergateway: --outputTransport streamableHttp --stateful (one stdio process per session); mcp-hub and supergateway have no listen-address flag: started with bench/peer-loopback.ts preloaded, which binds their listen(port) to 127.0.0.1',
      'CPU µs/call = the gateway process only (not its backend children); be µs/call only where the peer has a single backend process; cl µs/call = the load client (this process); machine % = how busy both cores were over the round, whoever used them',
      'contended: the same block while one `node -e "for(;;){}"` process runs beside it; lost % = 1 − contended calls/s ÷ idle calls/s of the same target',
      ...(QUICK ? ['QUICK: smoke figures only'] : []),
    );
    return { dir: install.dir, rows, notes };
  } finally {
    for (const p of peers) await p.stop();
  }
}
