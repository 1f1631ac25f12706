/**
 * @module usage: tool calls since start through the meta-tools, the flat surface, REST sessions and the REST tool API
 * (not `/mcp/<backend>`, which mirrors a backend), per server and tool and per REST session, with their outcomes and
 * latency percentiles (`GET /api/v1/stats`). Latencies are kept in a bounded ring per key (the last 1,000), so that a busy
 * tool costs constant memory; the percentiles are of those.
 */
import type { Metrics } from '../metrics/metrics.js';

const RING = 1_000;
/** REST sessions tracked at once; beyond it the oldest is forgotten (its rows, not the server totals). */
const MAX_SESSIONS = 10_000;

interface Series {
  calls: number;
  outcomes: Record<string, number>;
  latencies: number[];
  next: number;
}

/** For a context without metrics: the calls are still recorded here. */
export const NO_CALL_METRICS: Pick<Metrics, 'requestDone' | 'metaToolCall' | 'searched'> = {
  requestDone: () => {},
  metaToolCall: () => {},
  searched: () => {},
};

export interface SeriesView {
  calls: number;
  outcomes: Record<string, number>;
  latency_ms: { p50: number; p90: number; p99: number; max: number };
}

export interface ToolUsage extends SeriesView {
  server: string;
  tool: string;
}

export class Usage {
  readonly since = new Date();
  private readonly tools = new Map<string, Series>();
  private readonly sessions = new Map<string, { owner: string; tools: Map<string, Series> }>();

  /** `owner`'s sessions' rows beside the totals: another client's sessions are not its business. */
  view(owner: string): { since: string; tools: ToolUsage[]; sessions: Record<string, ToolUsage[]> } {
    const sessions: Record<string, ToolUsage[]> = {};
    for (const [id, rows] of this.sessions) if (rows.owner === owner) sessions[id] = rowsOf(rows.tools);
    return { since: this.since.toISOString(), tools: rowsOf(this.tools), sessions };
  }

  /** The gateway's call metrics, with every finished tool call counted here too (the totals). */
  observing<M extends Pick<Metrics, 'requestDone'>>(metrics: M): M {
    return wrap(metrics, (backend, tool, outcome, ms) => add(this.tools, key(backend, tool), outcome, ms));
  }

  /**
   * For a REST session's calls: `metrics` (already `observing`, so that the totals count each call once) with each
   * call also counted on the session's rows.
   */
  observingSession<M extends Pick<Metrics, 'requestDone'>>(
    metrics: M,
    session: { id: string; owner: string },
  ): M {
    return wrap(metrics, (backend, tool, outcome, ms) =>
      add(this.rowsOf(session), key(backend, tool), outcome, ms),
    );
  }

  private rowsOf(session: { id: string; owner: string }): Map<string, Series> {
    let rows = this.sessions.get(session.id);
    if (!rows) {
      if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
      rows = { owner: session.owner, tools: new Map() };
      this.sessions.set(session.id, rows);
    }
    return rows.tools;
  }
}

function wrap<M extends Pick<Metrics, 'requestDone'>>(
  metrics: M,
  count: (backend: string, tool: string, outcome: string, ms: number) => void,
): M {
  const requestDone: Metrics['requestDone'] = (route, backend, method, outcome, seconds, tool) => {
    metrics.requestDone(route, backend, method, outcome, seconds, tool);
    if (method === 'tools/call' && tool !== undefined) count(backend, tool, outcome, seconds * 1000);
  };
  return { ...metrics, requestDone };
}

function key(server: string, tool: string): string {
  return `${server}\u0000${tool}`;
}

function add(map: Map<string, Series>, key: string, outcome: string, ms: number): void {
  let s = map.get(key);
  if (!s) map.set(key, (s = { calls: 0, outcomes: {}, latencies: [], next: 0 }));
  s.calls++;
  s.outcomes[outcome] = (s.outcomes[outcome] ?? 0) + 1;
  if (s.latencies.length < RING) s.latencies.push(ms);
  else s.latencies[s.next] = ms;
  s.next = (s.next + 1) % RING;
}

function rowsOf(map: Map<string, Series>): ToolUsage[] {
  return [...map]
    .map(([key, s]) => {
      const [server = '', tool = ''] = key.split('\u0000');
      const sorted = [...s.latencies].sort((a, b) => a - b);
      const at = (q: number) =>
        round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
      return {
        server,
        tool,
        calls: s.calls,
        outcomes: { ...s.outcomes },
        latency_ms: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted.at(-1) ?? 0) },
      };
    })
    .sort((a, b) => (a.server === b.server ? (a.tool < b.tool ? -1 : 1) : a.server < b.server ? -1 : 1));
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
