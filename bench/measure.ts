/**
 * @module bench/measure: one measured round of a closed loop against a target (calls/s, latency quantiles, CPU per
 * call of the gateway, the backend and the load client, gateway RSS), the median over rounds, the interleaved block
 * that runs several targets in a rotating order, and the throughput row the report and the JSON are made of.
 */
import { closedLoop, median, quantile, type Call } from './loop.js';
import { cpuMicros, machineTicks, rssBytes } from './procfs.js';
import { SETTINGS, type Sharing } from './settings.js';

export interface RoundSample {
  calls: number;
  errors: number;
  callsPerS: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** CPU time of the gateway process (not its children) per call, µs. */
  gatewayCpuUs: number | null;
  /** CPU time of the backend process per call, µs. */
  backendCpuUs: number | null;
  /** The load client's own CPU per call (µs) and as a share of one core (%). */
  clientCpuUs: number;
  clientCpuPct: number;
  /** How busy all the machine's cores were over the round, whoever used them (%). */
  machineBusyPct: number | null;
  gatewayRssMb: number | null;
}

export interface Summary extends RoundSample {
  rounds: number;
  firstError?: string;
}

export interface Probe {
  gatewayPid?: number;
  backendPid?: () => number | undefined;
}

export interface Target {
  label: string;
  probe: Probe;
  call: Call;
}

export const mb = (bytes: number | null) => (bytes === null ? null : bytes / 1024 / 1024);

async function measureRound(target: Target, concurrency: number, durationMs: number) {
  const { gatewayPid, backendPid } = target.probe;
  const backend = backendPid?.();
  const gw0 = gatewayPid ? cpuMicros(gatewayPid) : null;
  const be0 = backend ? cpuMicros(backend) : null;
  const client0 = process.cpuUsage();
  const machine0 = machineTicks();
  const loop = await closedLoop(concurrency, durationMs, SETTINGS.maxCallsPerRound, target.call);
  const machine1 = machineTicks();
  const client = process.cpuUsage(client0);
  const gw1 = gatewayPid ? cpuMicros(gatewayPid) : null;
  const be1 = backend ? cpuMicros(backend) : null;
  const perCall = (a: number | null, b: number | null) =>
    a === null || b === null || loop.calls === 0 ? null : (b - a) / loop.calls;
  const clientUs = client.user + client.system;
  const sample: RoundSample = {
    calls: loop.calls,
    errors: loop.errors,
    callsPerS: loop.calls / (loop.elapsedMs / 1000),
    p50Ms: quantile(loop.latencies, 0.5),
    p90Ms: quantile(loop.latencies, 0.9),
    p99Ms: quantile(loop.latencies, 0.99),
    gatewayCpuUs: perCall(gw0, gw1),
    backendCpuUs: perCall(be0, be1),
    clientCpuUs: loop.calls ? clientUs / loop.calls : NaN,
    clientCpuPct: (clientUs / (loop.elapsedMs * 1000)) * 100,
    machineBusyPct:
      machine0 && machine1 && machine1.total > machine0.total
        ? ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100
        : null,
    gatewayRssMb: gatewayPid ? mb(rssBytes(gatewayPid)) : null,
  };
  return { sample, firstError: loop.firstError };
}

function summarize(samples: RoundSample[], firstError: string | undefined): Summary {
  const med = (pick: (s: RoundSample) => number | null) => {
    const values = samples.map(pick).filter((v): v is number => v !== null);
    return values.length ? median(values) : null;
  };
  return {
    rounds: samples.length,
    calls: samples.reduce((n, s) => n + s.calls, 0),
    errors: samples.reduce((n, s) => n + s.errors, 0),
    callsPerS: med((s) => s.callsPerS) ?? NaN,
    p50Ms: med((s) => s.p50Ms) ?? NaN,
    p90Ms: med((s) => s.p90Ms) ?? NaN,
    p99Ms: med((s) => s.p99Ms) ?? NaN,
    gatewayCpuUs: med((s) => s.gatewayCpuUs),
    backendCpuUs: med((s) => s.backendCpuUs),
    clientCpuUs: med((s) => s.clientCpuUs) ?? NaN,
    clientCpuPct: med((s) => s.clientCpuPct) ?? NaN,
    machineBusyPct: med((s) => s.machineBusyPct),
    gatewayRssMb: med((s) => s.gatewayRssMb),
    ...(firstError ? { firstError } : {}),
  };
}

/** Warms every target up, then runs `rounds` rounds, each target once per round, in a rotating order. */
export async function runBlock(targets: Target[], concurrency: number): Promise<Map<string, Summary>> {
  for (const target of targets)
    await closedLoop(concurrency, SETTINGS.warmupMs, SETTINGS.maxCallsPerRound, target.call);
  const samples = new Map<string, RoundSample[]>(targets.map((t) => [t.label, []]));
  const errors = new Map<string, string>();
  for (let round = 0; round < SETTINGS.rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(i + round) % targets.length]!;
      const { sample, firstError } = await measureRound(target, concurrency, SETTINGS.durationMs);
      samples.get(target.label)!.push(sample);
      if (firstError && !errors.has(target.label)) errors.set(target.label, firstError);
    }
  }
  return new Map(targets.map((t) => [t.label, summarize(samples.get(t.label)!, errors.get(t.label))]));
}

export interface ThroughputRow {
  group: string;
  transport: 'stdio' | 'http' | 'meta';
  concurrency: number;
  sessions: Sharing | 'n/a';
  target: string;
  summary: Summary;
  /** Against the direct row of the same block: throughput ratio and added median latency. */
  vsDirect?: { throughputRatio: number; addedP50Ms: number; addedP99Ms: number };
}

export function compare(gateway: Summary, direct: Summary): ThroughputRow['vsDirect'] {
  return {
    throughputRatio: gateway.callsPerS / direct.callsPerS,
    addedP50Ms: gateway.p50Ms - direct.p50Ms,
    addedP99Ms: gateway.p99Ms - direct.p99Ms,
  };
}
