/**
 * @module bench/report: the printed report: number formatting, aligned text tables, and the run's summary (machine,
 * throughput, search, sessions, cold start, targets) written to stdout.
 */
import { STDIO_BACKEND } from './fixtures.js';
import type { ColdStartResult } from './groups/cold-start.js';
import type { HttpClientsResult } from './groups/http-clients.js';
import type { InstructionsResult } from './groups/instructions.js';
import type { PeersResult } from './groups/peers.js';
import type { SearchResult } from './groups/search.js';
import type { SessionsResult } from './groups/sessions.js';
import type { Machine } from './machine.js';
import type { ThroughputRow } from './measure.js';
import { QUICK, SETTINGS } from './settings.js';
import type { TargetCheck } from './targets.js';

export const fmt = (n: number | null | undefined, digits = 2) =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits);

/** The first two columns and any in `textColumns` are left-aligned; the rest are figures, right-aligned. */
function table(headers: string[], body: string[][], textColumns: number[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const left = (i: number) => i < 2 || textColumns.includes(i);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function throughputTable(rows: ThroughputRow[]): string {
  return table(
    [
      'scenario',
      'target',
      'calls/s',
      'ratio',
      'p50 ms',
      'p99 ms',
      '+p50 ms',
      'gw µs/call',
      'be µs/call',
      'cl µs/call',
      'cl %',
      'gw RSS MB',
      'err',
    ],
    rows.map((r) => [
      `${r.group} ${r.transport} c=${r.concurrency}${r.concurrency > 1 ? ` ${r.sessions}` : ''}`,
      r.target,
      fmt(r.summary.callsPerS, 0),
      r.vsDirect ? fmt(r.vsDirect.throughputRatio, 2) : '',
      fmt(r.summary.p50Ms, 3),
      fmt(r.summary.p99Ms, 3),
      r.vsDirect ? fmt(r.vsDirect.addedP50Ms, 3) : '',
      r.target === 'direct' ? '' : fmt(r.summary.gatewayCpuUs, 0),
      fmt(r.summary.backendCpuUs, 0),
      fmt(r.summary.clientCpuUs, 0),
      fmt(r.summary.clientCpuPct, 0),
      fmt(r.summary.gatewayRssMb, 0),
      String(r.summary.errors),
    ]),
  );
}

function peersTable(peers: PeersResult): string {
  return table(
    [
      'peers stdio',
      'target',
      'calls/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/call',
      'be µs/call',
      'cl µs/call',
      'machine %',
      'lost %',
      'err',
      'note',
    ],
    peers.rows.map((r) => {
      const s = r.summary;
      return [
        `c=${r.concurrency} per-worker ${r.load}`,
        r.version ? `${r.target} ${r.version}` : r.target,
        fmt(s?.callsPerS, 0),
        fmt(s?.p50Ms, 3),
        fmt(s?.p99Ms, 3),
        fmt(s?.gatewayCpuUs, 0),
        fmt(s?.backendCpuUs, 0),
        fmt(s?.clientCpuUs, 0),
        fmt(s?.machineBusyPct, 0),
        r.lostPct === undefined ? '' : fmt(r.lostPct, 0),
        s ? String(s.errors) : '',
        r.skipped ? `could not run: ${r.skipped}` : (s?.firstError ?? ''),
      ];
    }),
    [11],
  );
}

function httpClientsReport(clients: HttpClientsResult): string[] {
  return [
    table(
      ['HTTP backend client, c=16', 'client', 'calls/s', 'p50 ms', 'cl µs/call'],
      clients.rows.map((r) => [
        r.backend,
        r.client,
        fmt(r.summary.callsPerS, 0),
        fmt(r.summary.p50Ms, 3),
        fmt(r.summary.clientCpuUs, 0),
      ]),
    ),
    ...clients.firstRequest.map(
      (f) =>
        `first request in a fresh process, ${f.client}: ${fmt(f.ms, 1)} ms, RSS +${fmt(f.rssAddedMb, 1)} MB (median of 3)`,
    ),
    '(cl µs/call = this process, which runs the client; the backend is another process)',
  ];
}

export function printReport(
  result: {
    machine: Machine;
    durationS: number;
    throughput: ThroughputRow[];
    peers?: PeersResult | undefined;
    instructions?: InstructionsResult | undefined;
    httpClients?: HttpClientsResult | undefined;
    gatewayRssAfterLoadMb: number | null;
    search: SearchResult[];
    sessions: SessionsResult | undefined;
    coldStart: ColdStartResult[];
    targets: TargetCheck[];
  },
  file: string,
): void {
  const m = result.machine;
  const out: string[] = [];
  out.push(
    `machine: ${m.cpus}× ${m.cpuModel}, ${m.totalMemoryGb} GB, node ${m.node}, ${m.os}, load ${m.loadAverageAtStart.join(' ')} → ${m.loadAverageAtEnd?.join(' ')}, pinned: no, commit ${m.gitCommit}${m.gitDirty ? ' (src modified)' : ''}`,
    ...(SETTINGS.gateway
      ? [`gateway measured: ${SETTINGS.gateway} (BENCH_GATEWAY), not this checkout's`]
      : []),
    `rounds ${SETTINGS.rounds} × ${SETTINGS.durationMs} ms per target, medians over rounds; run took ${result.durationS} s` +
      (QUICK ? ' (QUICK: a smoke run, too short to warm up; do not compare its figures)' : ''),
    '',
  );
  if (result.throughput.length) {
    out.push(
      throughputTable(result.throughput),
      `gateway RSS after the load: ${fmt(result.gatewayRssAfterLoadMb, 1)} MB`,
      '',
    );
  }
  const ins = result.instructions;
  if (ins?.skipped) out.push(`instructions per call: skipped (${ins.skipped})`, '');
  else if (ins) {
    out.push(
      table(
        ['instructions per call', 'target', 'per call', 'samples', 'uncorrected', 'idle /s'],
        ins.rows.map((r) => [
          r.transport,
          r.target,
          fmt(r.perCall, 0),
          r.samples.map((x) => x.toFixed(0)).join(' '),
          r.raw.map((x) => x.toFixed(0)).join(' '),
          fmt(r.idlePerS, 0),
        ]),
        [3, 4],
      ),
      ...(ins.start
        ? [
            `cold start, instructions from spawn to the first tools/list answer: gateway ${fmt(ins.start.gateway / 1e6, 0)} M, node -e 0 ${fmt(ins.start.nodeE0 / 1e6, 0)} M`,
          ]
        : []),
      `(callgrind; warm-up ${ins.warmup} calls, then (I₂ − I₁) ÷ (${ins.n2} − ${ins.n1}) sequential calls, each block less what the process spends idle in as long (idle /s), median of ${ins.repeats})`,
      '',
    );
  }
  if (result.httpClients) out.push(...httpClientsReport(result.httpClients), '');
  if (result.peers) out.push(peersTable(result.peers), ...result.peers.notes.map((n) => `(${n})`), '');
  if (result.search.length) {
    out.push(
      table(
        [
          'gateway_search_tools',
          'target',
          'calls/s',
          'p50 ms',
          'p99 ms',
          'gw µs/call',
          'first ms',
          'build ms',
          'gw RSS MB',
        ],
        result.search.flatMap((s) => [
          [
            `${s.tools} tools / ${s.servers} servers`,
            'gateway /mcp',
            fmt(s.gateway.callsPerS, 0),
            fmt(s.gateway.p50Ms, 3),
            fmt(s.gateway.p99Ms, 3),
            fmt(s.gateway.gatewayCpuUs, 0),
            fmt(s.firstSearchMs, 1),
            '',
            fmt(s.gatewayRssMb, 0),
          ],
          [
            '',
            'in-process index',
            fmt(s.inProcess.callsPerS, 0),
            fmt(s.inProcess.p50Ms, 3),
            fmt(s.inProcess.p99Ms, 3),
            '',
            '',
            fmt(s.inProcessBuildMs, 1),
            '',
          ],
        ]),
      ),
      ...result.search
        .filter((s) => s.answer)
        .map((s) => {
          const a = s.answer!;
          return (
            `search answer (${s.tools} tools, mean of ${a.queries} queries): ${fmt(a.bytes, 0)} bytes ` +
            `(text block ${fmt(a.textBytes, 0)}, structuredContent ${fmt(a.structuredBytes, 0)}), ` +
            `${fmt(a.inputSchemas, 1)} input schemas in each; tokens: text block ${fmt(a.textTokens, 0)}, ` +
            `whole result ${fmt(a.resultTokens, 0)}; JSON.stringify ${fmt(a.stringifyUs, 1)} µs per answer ` +
            `(the text block's object alone ${fmt(a.stringifyTextUs, 1)} µs)`
          );
        }),
      '',
    );
  }
  const s = result.sessions;
  if (s) {
    out.push(
      `sessions: idle RSS ${fmt(s.idleRssMb, 1)} MB; with one /mcp/${STDIO_BACKEND} session and its backend running ${fmt(s.oneSessionRssMb, 1)} MB`,
      table(
        ['+ idle sessions', 'endpoint', 'RSS MB', '+MB', 'KB/session', 'children'],
        s.steps.map((step) => [
          String(step.count),
          step.endpoint,
          fmt(step.rssMb, 1),
          fmt(step.addedMb, 1),
          fmt(step.perSessionKb, 1),
          String(step.children),
        ]),
      ),
      `(HTTP echo backend RSS with those sessions: ${fmt(s.httpBackendRssMb, 1)} MB; the first step on a gateway started without the service files' MALLOC_TRIM_THRESHOLD_: +${fmt(s.stdioStepWithoutServiceEnv.addedMb, 1)} MB)`,
      '',
    );
  }
  if (result.coldStart.length) {
    out.push(
      table(
        ['cold start', 'rounds', 'listening ms', 'first answer ms', 'samples'],
        result.coldStart.map((c) => [
          c.variant,
          String(c.rounds),
          fmt(c.listeningMs, 0),
          fmt(c.firstAnswerMs, 0),
          c.samples.map((x) => x.toFixed(0)).join(' '),
        ]),
      ),
      '',
    );
  }
  if (result.targets.length) {
    out.push(
      table(
        ['target', 'limit', 'measured', 'met', 'this machine'],
        result.targets.map((t) => [
          t.target,
          t.limit,
          t.measured,
          t.met === null ? '?' : t.met ? 'yes' : 'NO',
          t.floor ?? '',
        ]),
        [4],
      ),
      '',
    );
  }
  out.push(`results: ${file}`);
  process.stdout.write(`${out.join('\n')}\n`);
}
