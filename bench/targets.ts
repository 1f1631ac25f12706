/**
 * @module bench/targets: the performance targets (added latency, throughput ratio, CPU per call, tools/list and
 * search latency, idle and per-session memory, cold start), each checked against a run's figures.
 */
import { STDIO_BACKEND } from './fixtures.js';
import type { ColdStartResult } from './groups/cold-start.js';
import type { InstructionsResult } from './groups/instructions.js';
import {
  GATEWAY_LABEL,
  PEER_CONCURRENCY,
  PROTOTYPE_LABEL,
  type PeerRow,
  type PeersResult,
} from './groups/peers.js';
import type { SearchResult } from './groups/search.js';
import type { SessionsResult } from './groups/sessions.js';
import type { ThroughputRow } from './measure.js';
import { fmt } from './report.js';

export interface TargetCheck {
  target: string;
  limit: string;
  measured: string;
  met: boolean | null;
  /**
   * What this machine allows, for the targets that depend on it: the same figure for one bare node:http hop
   * (calibration) and for the lean prototype, so that a miss can be read as the gateway's or the machine's.
   */
  floor?: string;
}

export function checkTargets(
  rows: ThroughputRow[],
  search: SearchResult[],
  sessions: SessionsResult | undefined,
  cold: ColdStartResult[],
  peers?: PeersResult,
  instructions?: InstructionsResult,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const find = (group: string, transport: string, concurrency: number, sessions = 'per-worker') =>
    rows.find(
      (r) =>
        r.group === group &&
        r.transport === transport &&
        r.concurrency === concurrency &&
        r.sessions === sessions,
    );
  const bareHttp = (c: number) => find('calibration', 'http', c);
  const bareStdio = (c: number) => find('calibration', 'stdio', c);
  const floor = (bare: string | undefined, prototype: string | undefined) =>
    [bare && `bare hop ${bare}`, prototype && `prototype ${prototype}`].filter(Boolean).join(', ') ||
    undefined;

  const pass = rows.filter((r) => r.group === 'passthrough' && r.vsDirect);
  for (const r of pass.filter((r) => r.concurrency === 1)) {
    const added = r.vsDirect!.addedP50Ms;
    const bare = bareHttp(1)?.summary.p50Ms;
    const prototype = find('prototype', r.transport, 1)?.vsDirect?.addedP50Ms;
    // One more HTTP round trip is the least a gateway adds: a bare one's whole p50, and 0.05 ms of its own work.
    checks.push({
      target: `gateway-added p50, ${r.transport} c=1`,
      limit: '≤ bare hop + 0.05 ms',
      measured: `${fmt(added, 3)} ms`,
      met: bare === undefined ? null : added <= bare + 0.05,
      floor: floor(
        bare === undefined ? undefined : `${fmt(bare, 3)} ms`,
        prototype === undefined ? undefined : `+${fmt(prototype, 3)} ms`,
      ),
    });
  }
  for (const r of pass.filter((r) => r.concurrency === 16)) {
    const ratio = r.vsDirect!.throughputRatio;
    const http = bareHttp(16)?.summary.callsPerS;
    const stdio = bareStdio(16)?.summary.callsPerS;
    // Against a stdio baseline the gateway puts an HTTP hop where a pipe was: a bare HTTP hop over a bare pipe.
    const bare = r.transport === 'stdio' && http && stdio ? `${fmt(http / stdio, 2)}×` : undefined;
    const prototype = find('prototype', r.transport, 16, r.sessions)?.vsDirect?.throughputRatio;
    checks.push({
      target: `throughput vs direct, ${r.transport} c=16 ${r.sessions}`,
      limit: '≥ 0.70×',
      measured: `${fmt(ratio, 2)}×`,
      met: ratio >= 0.7,
      floor: floor(bare, prototype === undefined ? undefined : `${fmt(prototype, 2)}×`),
    });
  }
  for (const r of pass.filter((r) => r.concurrency === 16 && r.sessions === 'per-worker')) {
    const us = r.summary.gatewayCpuUs;
    // A gateway serves HTTP (a bare node:http server's CPU per call) and then also talks to its backend.
    const bare = bareHttp(16)?.summary.backendCpuUs;
    const prototype = find('prototype', r.transport, 16)?.summary.gatewayCpuUs;
    checks.push({
      target: `gateway CPU per passthrough call, ${r.transport} c=16`,
      limit: '≤ 1.25× prototype',
      measured: `${fmt(us, 0)} µs${us != null && prototype ? ` (${fmt(us / prototype, 2)}×)` : ''}`,
      met: us == null || !prototype ? null : us <= 1.25 * prototype,
      floor: floor(
        bare == null ? undefined : `${fmt(bare, 0)} µs (server side only)`,
        prototype == null ? undefined : `${fmt(prototype, 0)} µs`,
      ),
    });
  }
  for (const r of rows.filter(
    (r) => r.group === 'tools/list' && r.transport !== 'meta' && r.target !== 'direct',
  )) {
    checks.push({
      target: `tools/list p50 via ${r.target} (${r.transport === 'stdio' ? 'catalog' : 'session cache'})`,
      limit: '≤ 1 ms',
      measured: `${fmt(r.summary.p50Ms, 3)} ms`,
      met: r.summary.p50Ms <= 1,
    });
  }
  for (const s of search.filter((s) => s.tools === 10_000)) {
    checks.push({
      target: 'gateway_search_tools p50, 10,000 tools',
      limit: '≤ 5 ms',
      measured: `${fmt(s.gateway.p50Ms, 3)} ms`,
      met: s.gateway.p50Ms <= 5,
    });
  }
  if (sessions) {
    checks.push({
      target: 'idle RSS',
      limit: '≤ 70 MB',
      measured: `${fmt(sessions.idleRssMb, 1)} MB`,
      met: sessions.idleRssMb === null ? null : sessions.idleRssMb <= 70,
    });
    const stdio = sessions.steps[0];
    if (stdio) {
      // Fewer sessions say little: the heap grows in steps, so a small count overstates the cost per session.
      const enough = sessions.sessions >= 1000;
      const scaled = stdio.addedMb === null ? null : (stdio.addedMb * 1000) / sessions.sessions;
      checks.push({
        target: `1,000 idle sessions (/mcp/${STDIO_BACKEND}${enough ? '' : `; only ${sessions.sessions} opened`})`,
        limit: '≤ +40 MB',
        measured: `${fmt(scaled, 1)} MB`,
        met: scaled === null || !enough ? null : scaled <= 40,
        floor: `+${fmt(sessions.stdioStepWithoutServiceEnv.addedMb, 1)} MB without the service files' MALLOC_TRIM_THRESHOLD_`,
      });
      checks.push({
        target: 'no process per session (shared stdio)',
        limit: '1 child',
        measured: `${stdio.children} children`,
        met: stdio.children <= 1,
      });
    }
  }
  if (peers) checks.push(...peerTargets(peers));
  if (instructions) checks.push(...instructionTargets(instructions));
  const persisted = cold.find((c) => c.variant.startsWith('persisted catalog (2'));
  const bare = cold.find((c) => c.variant.startsWith('node -e 0'));
  if (persisted) {
    checks.push({
      target: 'cold start to first answer, persisted catalog',
      limit: '≤ 250 ms',
      measured: `${fmt(persisted.firstAnswerMs, 0)} ms`,
      met: persisted.firstAnswerMs <= 250,
    });
    if (bare) {
      checks.push({
        target: 'cold start beyond `node -e 0`, persisted catalog',
        limit: '≤ +150 ms',
        measured: `+${fmt(persisted.firstAnswerMs - bare.firstAnswerMs, 0)} ms`,
        met: persisted.firstAnswerMs - bare.firstAnswerMs <= 150,
        floor: `node -e 0 ${fmt(bare.firstAnswerMs, 0)} ms (median, same run)`,
      });
    }
  }
  return checks;
}

/**
 * gateway ÷ best peer (calls/s), idle and beside a busy core, at each concurrency; beside it, the gateway loses no more
 * than they. The lean prototype's figures are this machine's reference, not a peer's.
 */
function peerTargets(peers: PeersResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const c of PEER_CONCURRENCY) {
    const at = (load: string) =>
      peers.rows.filter((r) => r.concurrency === c && r.load === load && r.summary);
    const prototypeIn = (rows: PeerRow[]) => rows.find((r) => r.target === PROTOTYPE_LABEL);
    for (const load of ['idle', 'contended'] as const) {
      const rows = at(load);
      const gateway = rows.find((r) => r.target === GATEWAY_LABEL);
      if (!gateway) continue;
      const best = rows.filter(isPeer).sort((a, b) => b.summary!.callsPerS - a.summary!.callsPerS)[0];
      const ratio = best ? gateway.summary!.callsPerS / best.summary!.callsPerS : null;
      const prototype = prototypeIn(rows);
      checks.push({
        target: `throughput, gateway ÷ best peer, stdio c=${c}${load === 'idle' ? '' : ' beside a busy core'}`,
        limit: '≥ 3×',
        measured: ratio === null ? 'no peer ran' : `${fmt(ratio, 2)}× (best: ${best!.target})`,
        met: ratio === null ? null : ratio >= 3,
        floor:
          prototype && best
            ? `prototype ${fmt(prototype.summary!.callsPerS / best.summary!.callsPerS, 2)}×`
            : undefined,
      });
    }
    const lost = at('contended').filter((r) => r.lostPct !== undefined);
    const own = lost.find((r) => r.target === GATEWAY_LABEL)?.lostPct;
    const theirs = lost.filter(isPeer);
    if (own === undefined || theirs.length === 0) continue;
    const least = Math.min(...theirs.map((r) => r.lostPct!));
    const prototype = prototypeIn(lost);
    checks.push({
      target: `throughput lost beside a busy core, stdio c=${c}`,
      limit: "≤ the peers' loss",
      measured: `${fmt(own, 0)} % (peers: ${theirs.map((r) => `${r.target} ${fmt(r.lostPct, 0)} %`).join(', ')})`,
      met: own <= least,
      floor: prototype ? `prototype lost ${fmt(prototype.lostPct, 0)} %` : undefined,
    });
  }
  return checks;
}

function isPeer(row: PeerRow): boolean {
  return row.target !== GATEWAY_LABEL && row.target !== PROTOTYPE_LABEL;
}

/** Instructions per passthrough call, gateway ÷ lean prototype, counted under callgrind in the same run. */
function instructionTargets(result: InstructionsResult): TargetCheck[] {
  if (result.skipped) {
    return [
      {
        target: 'instructions per passthrough call ÷ prototype',
        limit: '≤ 1.25×',
        measured: `skipped: ${result.skipped}`,
        met: null,
      },
    ];
  }
  return (['stdio', 'http'] as const).flatMap((transport) => {
    const ratio = result.ratios[transport];
    if (ratio === undefined) return [];
    const at = (target: string) => result.rows.find((r) => r.target === target && r.transport === transport);
    return [
      {
        target: `instructions per passthrough call ÷ prototype, ${transport}`,
        limit: '≤ 1.25×',
        measured: `${fmt(ratio, 2)}× (${fmt(at('gateway')!.perCall / 1000, 0)}k ÷ ${fmt(at('lean prototype')!.perCall / 1000, 0)}k)`,
        met: ratio <= 1.25,
      },
    ];
  });
}
