/**
 * @module metrics: the gateway's Prometheus metrics (prom-client) on a registry of its own, with one typed recording
 * method per thing the gateway observes. A leaf: it imports nothing from the gateway but types, and reads live
 * counts (sessions, catalog size) only when scraped. Label values come from fixed sets (labels.ts), the configured
 * backends or the catalog; child series are looked up once and kept, so recording is a few map lookups.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { talliedCounter, talliedHistogram } from './tally.js';
import {
  BACKEND_STATES,
  type BackendStateLabel,
  OTHER,
  methodLabel,
  type CallOutcome,
  type CallRoute,
  type HttpRoute,
} from './labels.js';

export interface MetricsOptions {
  /** The configured backends: the only values of every `backend` label; their series start at 0. */
  backends: readonly string[];
  /** The meta-tools' names: the only values of `tool` on mcp_gateway_meta_tool_calls_total. */
  metaTools: readonly string[];
  /** Whether /mcp is served (its session gauge is exported). */
  meta: boolean;
  version: string;
  /** Live client sessions of /mcp (`backend` undefined) or /mcp/<backend>; read when scraped. */
  sessions?: (backend: string | undefined) => number;
  /** Tools the catalog holds for a backend; read when scraped. */
  catalogTools?: (backend: string) => number;
  /** Whether the catalog knows this tool: only such names become `tool` label values, the rest are `other`. */
  knownTool?: (backend: string, tool: string) => boolean;
  /** Node process metrics (CPU, memory, event loop, GC); on unless turned off. */
  processMetrics?: boolean;
  /** Whether the shared state store (Redis) answers; absent: the embedded state, no series. Read when scraped. */
  stateStoreUp?: () => boolean;
}

/** What a backend's supervisor reports; the registry layer sees only this. */
export interface BackendMetrics {
  backendState(backend: string, state: BackendStateLabel): void;
  /** A start (process spawned or connection opened, then initialized) succeeded after `seconds`. */
  backendStarted(backend: string, seconds: number, restart: boolean): void;
  backendStartFailed(backend: string): void;
  backendHibernated(backend: string): void;
  /** The backend's process or connection ended without the gateway asking. */
  backendCrashed(backend: string): void;
}

/** What the forwarding of one request reports. */
export interface CallMetrics {
  /** `tool` is the tools/call name, for mcp_gateway_tool_calls_total. */
  requestDone(
    route: CallRoute,
    backend: string,
    method: string,
    outcome: CallOutcome,
    seconds: number,
    tool?: string,
  ): void;
}

/** What a passthrough session reports. */
export type PassthroughMetrics = Pick<Metrics, 'requestDone' | 'toolListFromCache'>;

export interface Metrics extends BackendMetrics, CallMetrics {
  /** A tools/list on /mcp/:backend answered from the gateway's cache, without the backend. */
  toolListFromCache(backend: string): void;
  readonly registry: Registry;
  /** One answered HTTP request (the status of its response; a stream counts when it starts). */
  httpRequest(route: HttpRoute, status: number): void;
  metaToolCall(tool: string, outcome: 'ok' | 'error'): void;
  /** A gateway_search_tools query that ran, with how many tools it found. */
  searched(hits: number): void;
  /** The configured backends changed (a reload): their names are the `backend` label values from now on. */
  setBackends(names: readonly string[]): void;
  /** One command to the shared state store, and whether it succeeded. */
  stateStoreCommand(seconds: number, ok: boolean): void;
}

/** From 100 µs (the gateway's own overhead on a fast stdio call) to 10 min (the longest call allowed). */
const REQUEST_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
  120, 300, 600,
];
/** A backend start: an HTTP handshake takes milliseconds, `npx -y some-package` tens of seconds. */
const START_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

const PREFIX = 'mcp_gateway_';
const EVENT_LOOP_SAMPLE_MS = 100;
const NON_COUNTERS_NAMED_TOTAL = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** A map that makes each value on first use; keys come from bounded sets, so it stays small. */
function cached<K, V>(make: (key: K) => V): (key: K) => V {
  const values = new Map<K, V>();
  return (key) => {
    let value = values.get(key);
    if (value === undefined) {
      value = make(key);
      values.set(key, value);
    }
    return value;
  };
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics !== false) {
    // The event-loop delay is sampled by a timer: at prom-client's default 10 ms it woke an idle gateway 100 times a
    // second; 100 ms still shows a stalled loop in the percentiles.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    // Gauges named *_total, which promtool rejects; the per-type gauges without the suffix hold the same counts.
    for (const name of NON_COUNTERS_NAMED_TOTAL) registry.removeSingleMetric(name);
  }

  new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; the version label says which mcp-gateway this is.',
    labelNames: ['version'],
    registers,
  }).set({ version: options.version }, 1);

  // The counters and the histogram every request touches are tallied (tally.ts), read when a scrape collects them.
  const httpTallies = talliedCounter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests answered, by route pattern and status code.',
    labelNames: ['route', 'code'],
    registers,
  });
  const requestTallies = talliedCounter({
    name: `${PREFIX}requests_total`,
    help: 'JSON-RPC requests forwarded to a backend, by endpoint, backend, MCP method and outcome.',
    labelNames: ['route', 'backend', 'method', 'outcome'],
    registers,
  });
  const cachedToolLists = new Counter({
    name: `${PREFIX}cached_tool_lists_total`,
    help: 'tools/list requests on /mcp/:backend answered from the gateway cache, without asking the backend.',
    labelNames: ['backend'],
    registers,
  });
  const requestDuration = talliedHistogram({
    name: `${PREFIX}request_duration_seconds`,
    help: 'Time from receiving a JSON-RPC request to answering it, backend start included, by backend and method.',
    labelNames: ['backend', 'method'],
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const toolTallies = talliedCounter({
    name: `${PREFIX}tool_calls_total`,
    help: 'tools/call requests forwarded to a backend (passthrough and gateway_invoke), by tool and outcome; tools the catalog does not know are "other".',
    labelNames: ['backend', 'tool', 'outcome'],
    registers,
  });
  const backendState = new Gauge({
    name: `${PREFIX}backend_state`,
    help: '1 for the state each backend is in, 0 for the others.',
    labelNames: ['backend', 'state'],
    registers,
  });
  const backendUp = new Gauge({
    name: `${PREFIX}backend_up`,
    help: '1 while the backend is running (its process or connection is up), else 0.',
    labelNames: ['backend'],
    registers,
  });
  const backendStarts = new Counter({
    name: `${PREFIX}backend_starts_total`,
    help: 'Backend starts (a stdio process spawned, or a remote backend connection opened) by outcome.',
    labelNames: ['backend', 'outcome'],
    registers,
  });
  const backendStartDuration = new Histogram({
    name: `${PREFIX}backend_start_duration_seconds`,
    help: 'Time from starting a backend to the end of its MCP initialize, for successful starts.',
    labelNames: ['backend'],
    buckets: START_BUCKETS,
    registers,
  });
  const backendRestarts = new Counter({
    name: `${PREFIX}backend_restarts_total`,
    help: 'Successful starts after the backend had failed (crashed or could not start).',
    labelNames: ['backend'],
    registers,
  });
  const backendHibernations = new Counter({
    name: `${PREFIX}backend_hibernations_total`,
    help: 'Times a backend was stopped for sitting idle (idle_timeout) or after discovery.',
    labelNames: ['backend'],
    registers,
  });
  const backendCrashes = new Counter({
    name: `${PREFIX}backend_crashes_total`,
    help: 'Times a backend process exited or its connection ended without the gateway asking.',
    labelNames: ['backend'],
    registers,
  });
  const metaToolCalls = new Counter({
    name: `${PREFIX}meta_tool_calls_total`,
    help: 'Calls of the /mcp meta-tools, by tool and outcome (error: the result had isError).',
    labelNames: ['tool', 'outcome'],
    registers,
  });
  const searchQueries = new Counter({
    name: `${PREFIX}search_queries_total`,
    help: 'gateway_search_tools queries that ran.',
    registers,
  });
  const searchZeroResults = new Counter({
    name: `${PREFIX}search_zero_results_total`,
    help: 'gateway_search_tools queries that found no tool.',
    registers,
  });

  const { sessions, catalogTools } = options;
  /** The configured backends now; a reload changes them. */
  let configured: readonly string[] = options.backends;
  if (sessions) {
    const endpoints = (): Array<[string, string | undefined]> => [
      ...(options.meta ? [['/mcp', undefined] as [string, undefined]] : []),
      ...configured.map((b): [string, string] => [`/mcp/${b}`, b]),
    ];
    new Gauge({
      name: `${PREFIX}client_sessions`,
      help: 'Open client sessions, by MCP endpoint.',
      labelNames: ['endpoint'],
      registers,
      collect() {
        this.reset();
        for (const [endpoint, backend] of endpoints()) this.set({ endpoint }, sessions(backend));
      },
    });
  }
  if (catalogTools) {
    new Gauge({
      name: `${PREFIX}catalog_tools`,
      help: "Tools in the gateway's catalog, by backend (0 until the backend has been indexed).",
      labelNames: ['backend'],
      registers,
      collect() {
        this.reset();
        for (const backend of configured) this.set({ backend }, catalogTools(backend));
      },
    });
  }

  /** Everything recorded about one backend, with its child series looked up once. */
  function backendSeries(backend: string) {
    const states = Object.fromEntries(
      BACKEND_STATES.map((state) => [state, backendState.labels(backend, state)]),
    ) as Record<BackendStateLabel, Gauge.Internal<string>>;
    const series = {
      state: undefined as BackendStateLabel | undefined,
      states,
      up: backendUp.labels(backend),
      startsOk: backendStarts.labels(backend, 'ok'),
      startsFailed: backendStarts.labels(backend, 'error'),
      startDuration: backendStartDuration.labels(backend),
      restarts: backendRestarts.labels(backend),
      hibernations: backendHibernations.labels(backend),
      crashes: backendCrashes.labels(backend),
      requests: cached((route: CallRoute) =>
        cached((method: string) =>
          cached((outcome: CallOutcome) => requestTallies.series({ route, backend, method, outcome })),
        ),
      ),
      duration: cached((method: string) => requestDuration.series({ backend, method })),
      cachedToolLists: cachedToolLists.labels(backend),
      tools: cached((tool: string) =>
        cached((outcome: CallOutcome) => toolTallies.series({ backend, tool, outcome })),
      ),
      /** Tool names already vetted against the catalog. */
      knownTools: new Set<string>(),
    };
    // Series a dashboard needs from the start, so that rate() and increase() see the first event.
    for (const counter of [
      series.startsOk,
      series.startsFailed,
      series.restarts,
      series.hibernations,
      series.crashes,
    ])
      counter.inc(0);
    backendStartDuration.zero({ backend });
    return series;
  }

  const backends = new Map(options.backends.map((b) => [b, backendSeries(b)]));
  let unknown: ReturnType<typeof backendSeries> | undefined;
  // A name the configuration does not have cannot reach here; if one did, it must not become a label value.
  const series = (backend: string) => backends.get(backend) ?? (unknown ??= backendSeries(OTHER));
  for (const backend of options.backends) setState(backend, 'stopped');

  const metaTools = new Set(options.metaTools);
  for (const tool of options.metaTools)
    for (const outcome of ['ok', 'error']) metaToolCalls.labels(tool, outcome).inc(0);
  const metaCalls = cached((tool: string) => ({
    ok: metaToolCalls.labels(tool, 'ok'),
    error: metaToolCalls.labels(tool, 'error'),
  }));
  const http = cached((route: HttpRoute) =>
    cached((status: number) => httpTallies.series({ route, code: String(status) })),
  );

  function setState(backend: string, state: BackendStateLabel): void {
    const s = series(backend);
    if (s.state === state) return;
    if (s.state !== undefined) s.states[s.state].set(0);
    else for (const other of BACKEND_STATES) s.states[other].set(0);
    s.states[state].set(1);
    s.up.set(state === 'running' ? 1 : 0);
    s.state = state;
  }

  function toolLabel(backend: string, s: ReturnType<typeof series>, tool: string): string {
    if (s.knownTools.has(tool)) return tool;
    if (!options.knownTool?.(backend, tool)) return OTHER;
    s.knownTools.add(tool);
    return tool;
  }

  const stateUp = options.stateStoreUp;
  if (stateUp)
    new Gauge({
      name: `${PREFIX}state_store_up`,
      help: '1 while the shared state store (Redis) answers; 0 while replicas serve from their own state.',
      registers,
      collect() {
        this.set(stateUp() ? 1 : 0);
      },
    });
  const stateCommands = new Histogram({
    name: `${PREFIX}state_store_command_seconds`,
    help: 'Commands to the shared state store (Redis), by outcome.',
    labelNames: ['outcome'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: stateUp ? registers : [],
  });
  const stateOk = stateCommands.labels('ok');
  const stateFailed = stateCommands.labels('error');

  return {
    registry,
    stateStoreCommand(seconds, ok) {
      (ok ? stateOk : stateFailed).observe(seconds);
    },
    httpRequest(route, status) {
      http(route)(status).inc();
    },
    requestDone(route, backend, method, outcome, seconds, tool) {
      const s = series(backend);
      const m = methodLabel(method);
      s.requests(route)(m)(outcome).inc();
      s.duration(m).observe(seconds);
      if (tool !== undefined) s.tools(toolLabel(backend, s, tool))(outcome).inc();
    },
    backendState: setState,
    backendStarted(backend, seconds, restart) {
      const s = series(backend);
      s.startsOk.inc();
      s.startDuration.observe(seconds);
      if (restart) s.restarts.inc();
    },
    backendStartFailed(backend) {
      series(backend).startsFailed.inc();
    },
    backendHibernated(backend) {
      series(backend).hibernations.inc();
    },
    backendCrashed(backend) {
      series(backend).crashes.inc();
    },
    metaToolCall(tool, outcome) {
      metaCalls(metaTools.has(tool) ? tool : OTHER)[outcome].inc();
    },
    toolListFromCache(backend) {
      series(backend).cachedToolLists.inc();
    },
    searched(hits) {
      searchQueries.inc();
      if (hits === 0) searchZeroResults.inc();
    },
    setBackends(names) {
      configured = names;
      for (const name of names) {
        if (backends.has(name)) continue;
        backends.set(name, backendSeries(name));
        setState(name, 'stopped');
      }
    },
  };
}
