/**
 * @module daemon: the HTTP gateway. On the core every way of serving shares (gateway-core.ts) it builds the session
 * table, the runtime (reloads, the admin API), the HTTP app and the listening server, and knows their order of start
 * and shutdown.
 */
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { getRequestListener } from '@hono/node-server';
import type { GatewayConfig } from './config/index.js';
import { scrubFromLogs, type Logger } from './log.js';
import { createApp } from './http/app.js';
import { ListenStreams } from './http/modern-listen.js';
import { withFastPath } from './http/fast-path.js';
import type { Registry, RegistryDeps } from './registry/registry.js';
import { META_ENDPOINT, SessionTable } from './session/session-table.js';
import { VERSION } from './version.js';
import { errorMessage } from './errors.js';
import { RestSessions } from './api/rest-sessions.js';
import { NO_CALL_METRICS, Usage } from './api/usage.js';
import { deferredSessionStore } from './store/session-store.js';
import { openRestSessionStore, restSessionsStored } from './store/rest-session-store.js';
import { lockStateDir, type StateDirLock } from './store/state-dir.js';
import type { Catalog } from './catalog/catalog.js';
import { snapshotFile } from './store/snapshot-file.js';
import { watchConfigFile } from './admin/config-watch.js';
import { effectiveBackends } from './admin/effective-backends.js';
import { registrationStore } from './admin/registrations.js';
import { shareRegistrations } from './admin/shared-registrations.js';
import { sharedDocs } from './store/shared-docs.js';
import { Runtime } from './admin/runtime.js';
import type { Metrics } from './metrics/metrics.js';
import { createCore } from './gateway-core.js';
import { createRedisState } from './store/redis-state.js';
import { redisBindings } from './store/redis-bindings.js';
import { redisRequestCounts } from './store/redis-request-counts.js';
import { startGatewayQueue } from './queue/gateway-queue.js';
import type { ToolQueue } from './queue/tool-queue.js';
import { PIPELINES_BACKEND, PIPELINES_DESCRIPTION } from './pipelines/pipelines.js';
import { createAuthenticator } from './auth/authenticator.js';
import { bindRefusal, isLoopbackHost } from './auth/bind-check.js';

/** Tunables that are not (yet) in servers.yaml; all in one place. */
export const RUNTIME_DEFAULTS = {
  /** A forwarded call never runs longer than this, however much progress it reports. */
  maxCallMs: 10 * 60_000,
  /** How long shutdown lets calls in flight finish before it closes everything. */
  shutdownGraceMs: 10_000,
  /**
   * The HTTP server's clocks, instead of Node's (300 s for a request body): a client sending its headers or body a
   * byte at a time must not hold a connection for minutes. SSE responses are not bounded by them: they apply while
   * the request is being received.
   */
  http: {
    /** From the connection (or the end of the previous request) to the end of the headers. */
    headersTimeoutMs: 10_000,
    /** From the connection to the end of the request body. */
    requestTimeoutMs: 30_000,
    /** An idle keep-alive connection is closed after this. */
    keepAliveTimeoutMs: 5_000,
  },
} as const;

export type HttpTimeouts = { [K in keyof (typeof RUNTIME_DEFAULTS)['http']]: number };

/** At shutdown, how long responses already being written may take to reach their clients. */
const RESPONSE_FLUSH_MS = 2_000;
/** In the state directory: the backend processes running now, for the next start to reap after a crash. */
const LEDGER_FILE = 'backend-processes.json';
/** The `code` of the error listen() rejects with when another gateway holds the state directory. */
export const STATE_DIR_LOCKED = 'ESTATEDIRLOCKED';
const REST_SWEEP_MS = 60_000;
/** In the state directory: the backends the admin API added, and what it enabled or disabled. */
const REGISTRATIONS_FILE = 'registrations.json';
/** The `code` of the error listen() rejects with when the address is beyond loopback and nothing authenticates. */
export const UNAUTHENTICATED_BIND = 'EUNAUTHENTICATEDBIND';

export interface GatewayOptions {
  maxCallMs?: number;
  shutdownGraceMs?: number;
  /** Index the backends the catalog does not know when the gateway starts (default true). */
  discover?: boolean;
  /** Overrides of RUNTIME_DEFAULTS.http (tests make them short). */
  http?: Partial<HttpTimeouts>;
  /** Values no client may read (`LoadedConfig.secrets`); by default the config's env and header values. */
  secrets?: readonly string[];
  /** The config file as read (before command-line overrides): reloads read it again and compare with this. */
  configFile?: { path: string; config: GatewayConfig };
  /** Reload when the config file changes on disk (default false; `serve` turns it on). */
  watchConfig?: boolean;
  /** The environment the config file's `${VAR}`s expand from on a reload (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Restart policy, clock and randomness of the backend supervisors (tests make them small and fake). */
  supervision?: Pick<RegistryDeps, 'policy' | 'now' | 'random'>;
}

export interface Gateway {
  readonly registry: Registry;
  readonly catalog: Catalog;
  readonly sessions: SessionTable;
  /** The modern clients' `subscriptions/listen` streams on the meta endpoints. */
  readonly listens: Pick<ListenStreams, 'count'>;
  /** Its own Prometheus registry and recording methods (served at /metrics). */
  readonly metrics: Metrics;
  /** Changes at runtime: reloads of the config file, the admin API's additions. */
  readonly runtime: Runtime;
  /** Binds the configured host and port; resolves with the URL it listens on. */
  listen(): Promise<string>;
  /** Stops accepting, lets calls in flight finish (bounded), closes client sessions, stops every backend. */
  close(): Promise<void>;
}

export function createGateway(config: GatewayConfig, log: Logger, options: GatewayOptions = {}): Gateway {
  const { maxCallMs = RUNTIME_DEFAULTS.maxCallMs, shutdownGraceMs = RUNTIME_DEFAULTS.shutdownGraceMs } =
    options;
  const env = options.env ?? process.env;
  const configPath = options.configFile?.path ?? join(process.cwd(), 'servers.yaml');
  // The backends served: the file's and those the admin API added in an earlier run.
  // With `state.store: redis`, what replicas share; the embedded state otherwise.
  const state =
    config.state.store === 'redis'
      ? createRedisState(
          {
            url: config.state.url,
            prefix: config.state.prefix,
            connectTimeoutMs: config.state.connect_timeout_ms,
            commandTimeoutMs: config.state.command_timeout_ms,
          },
          log,
        )
      : undefined;
  const localRegistrations = registrationStore(snapshotFile(join(config.state_dir, REGISTRATIONS_FILE), log));
  const sharedRegistrations = state
    ? shareRegistrations(localRegistrations, sharedDocs(state, 'registrations', 'registrations'), log)
    : undefined;
  const registrations = sharedRegistrations?.store ?? localRegistrations;
  const registered = registrations.read();
  const initial = effectiveBackends(config, registered, dirname(configPath), log);
  const sessions = new SessionTable(
    config.session_idle_timeout * 1000,
    config.max_sessions,
    config.auth.mode === 'on' ? config.auth.max_sessions_per_client : Infinity,
  );
  if (state) {
    const bindings = redisBindings(state, config.session_idle_timeout * 1000);
    bindings.onEnded((id) => void sessions.drop(id));
    state.onRecover(() => void sessions.republish());
    sessions.shared = {
      bindings,
      // A session whose state is a process (or a backend session) of the replica that opened it stays there.
      movable(endpoint) {
        const backend = core.registry.definition(endpoint);
        if (!backend) return true;
        return !backend.stateful && !(backend.transport === 'stdio' && backend.scope === 'session');
      },
    };
  }
  const core = createCore(config, log, {
    maxCallMs,
    ledgerFile: LEDGER_FILE,
    backends: initial.backends,
    secrets: [...(options.secrets ?? []), ...initial.secrets],
    ...(options.discover !== undefined ? { discover: options.discover } : {}),
    ...(options.supervision ? { supervision: options.supervision } : {}),
    sessions: (backend) => sessions.count(backend ?? META_ENDPOINT),
    state,
  });
  const { registry, catalog, metrics } = core;
  let accepting = true;
  const origin = {
    bindHost: config.host,
    allowedHosts: config.allowed_hosts,
    allowedOrigins: config.allowed_origins,
  };
  const runtime = new Runtime({
    registry,
    sessions,
    catalog,
    discovery: core.discovery,
    metrics,
    log,
    store: registrations,
    registrations: registered,
    sources: initial.sources,
    virtualServers:
      core.pipelines.size > 0 ? new Map([[PIPELINES_BACKEND, PIPELINES_DESCRIPTION]]) : new Map(),
    initial: { config: options.configFile?.config ?? config, path: configPath },
    configFile: options.configFile?.path,
    env,
    learnSecrets: (secrets) => scrubFromLogs(log, secrets),
    applyTopLevel(next) {
      // What a running gateway can take on at once; runtime.ts reports the rest as needing a restart.
      origin.allowedHosts = next.allowed_hosts;
      origin.allowedOrigins = next.allowed_origins;
      sessions.capacity = next.max_sessions;
      log.level = next.log_level;
    },
  });
  const auth = createAuthenticator(config, () => runtime.admin.token);
  // Each client's rate counted across replicas (approximately: the others' requests arrive a flush later).
  const requestCounts = state ? redisRequestCounts(state) : undefined;
  auth.limiter.shared = requestCounts;
  const restStore = deferredSessionStore(() =>
    openRestSessionStore({ stateDir: config.state_dir, key: config.rest_sessions.key, state, log }),
  );
  const restSessions = new RestSessions({ store: restStore, registry, config: config.rest_sessions });
  const usage = new Usage();
  // Every tool call through the meta-tools, the flat surface and REST is counted for /api/v1/stats.
  const meta = { ...core.meta, metrics: usage.observing(core.meta.metrics ?? NO_CALL_METRICS) };
  const listens = new ListenStreams(catalog, () => sessions.capacity, {
    name: 'mcp-gateway',
    version: VERSION,
  });
  const app = createApp({
    listens,
    auth,
    registry,
    catalog,
    sessions,
    log,
    meta: config.enable_meta_mcp ? meta : undefined,
    pipelines: core.pipelines,
    metrics,
    admin: { runtime, registry, log, version: VERSION, maxTotalMs: maxCallMs },
    configStatus: () => runtime.status(),
    ...(state ? { stateStore: () => state.status() } : {}),
    ready: () => accepting,
    version: VERSION,
    startedAt: Date.now(),
    maxTotalMs: maxCallMs,
    maxBodyBytes: config.max_body_bytes,
    origin,
    rest: { meta, restSessions, usage },
  });

  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  let releaseStateDir: (() => void) | undefined;
  let stopWatching: (() => void) | undefined;

  // With Redis, this replica also runs tool calls queued in a stream (deploy/README.md "Queued tool calls").
  let queue: Promise<ToolQueue | undefined> | undefined;
  function startQueue(): void {
    if (!state || config.state.store !== 'redis' || !config.state.queue || !accepting) return;
    const redis = state;
    queue = startGatewayQueue({
      redis: {
        sendCommand: (args) => redis.run((c) => c.sendCommand(args)),
        duplicate: () => redis.blockingConnection(),
      },
      prefix: config.state.prefix,
      meta,
      config: () => config,
      log,
    }).catch((error: unknown) => {
      log.warn({ err: errorMessage(error) }, 'tool queue: not started; tried again when redis returns');
      return undefined;
    });
  }
  state?.onRecover(() => void queue?.then((running) => running ?? startQueue()));

  function started(): void {
    sessions.startSweeping();
    // Opened once the state directory is ours; a store that cannot open is reported, and its requests fail alone.
    // Only when it may hold sessions already (a database from an earlier run, or Redis shared with other replicas):
    // otherwise the first REST session opens it, and a gateway that serves none never loads the SQLite driver (~6 MB
    // of an idle gateway's memory).
    if (state || restSessionsStored(config.state_dir)) {
      try {
        restStore.open();
      } catch (error) {
        log.error({ err: errorMessage(error) }, 'rest sessions: the session store could not be opened');
      }
    }
    restSessions.startSweeping(REST_SWEEP_MS, (error) =>
      log.warn({ err: errorMessage(error) }, 'rest sessions: sweep failed'),
    );
    core.start();
    startQueue();
    if (options.watchConfig && options.configFile)
      stopWatching = watchConfigFile(options.configFile.path, () => void runtime.reload());
  }

  async function shutdown(): Promise<void> {
    accepting = false;
    stopWatching?.();
    // A listen stream is no call to wait for: its client is told at once that this process is going.
    listens.closeAll();
    sharedRegistrations?.stop();
    requestCounts?.stop();
    const listening = server;
    // Before the backends drain: its calls under way need them; those it gives up on stay pending for another replica.
    await (await queue)?.stop();
    // No new connections from here on; calls already under way get the grace period to finish.
    const stopped = listening ? new Promise<void>((resolve) => listening.close(() => resolve())) : undefined;
    await core.drain(shutdownGraceMs);
    await sessions.closeAll();
    await restSessions.close();
    await core.close();
    // The sessions' streams are closed now: responses still being written finish, and each connection is closed
    // once idle; whatever is still busy after a moment (a client that stopped reading) is cut.
    if (listening) {
      let flushed = false;
      void stopped?.then(() => (flushed = true));
      const flushDeadline = Date.now() + RESPONSE_FLUSH_MS;
      while (!flushed && Date.now() < flushDeadline) {
        listening.closeIdleConnections();
        await delay(10);
      }
      listening.closeAllConnections();
    }
    await stopped;
    await state?.close();
    releaseStateDir?.();
    log.info('gateway stopped');
  }

  return {
    registry,
    catalog,
    sessions,
    listens,
    metrics,
    runtime,
    async listen() {
      // Before the first request: what the other replicas know is read before this one answers.
      await state?.connect();
      if (sharedRegistrations) {
        const shared = await sharedRegistrations.current();
        if (shared) await runtime.adopt(shared);
        // The first replica with Redis brings what its state directory held.
        else if (Object.keys(registered.servers).length + Object.keys(registered.enabled).length > 0)
          await registrations.write(registered);
        sharedRegistrations.follow(async (next) => void (await runtime.adopt(next)));
      }
      return new Promise((resolve, reject) => {
        const refusal = bindRefusal(config.host, config.auth);
        if (refusal !== undefined) {
          reject(Object.assign(new Error(refusal), { code: UNAUTHENTICATED_BIND }));
          return;
        }
        // At every start, so that a gateway left open on purpose is never forgotten.
        if (config.auth.mode === 'none')
          log.warn(
            { host: config.host, loopback: isLoopbackHost(config.host) },
            'auth: none: serving without authentication; anyone who reaches this address can call every backend',
          );
        const listener = withFastPath(
          { sessions, origin, maxBodyBytes: config.max_body_bytes, metrics, log, auth },
          lazyAppListener(app.fetch, config.host, log),
        );
        const timeouts = { ...RUNTIME_DEFAULTS.http, ...options.http };
        const listening = createServer(
          {
            headersTimeout: timeouts.headersTimeoutMs,
            requestTimeout: timeouts.requestTimeoutMs,
            keepAliveTimeout: timeouts.keepAliveTimeoutMs,
            // Node checks the two timeouts above only this often (30 s by default).
            connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeoutMs / 2),
          },
          listener,
        );
        // Beyond it, Node closes a new connection at once: a flood of connections cannot exhaust file descriptors.
        listening.maxConnections = config.max_connections;
        listening.listen(config.port, config.host, () => {
          // Locked once the port is ours (a port in use is the likelier mistake, and is named first), and before
          // this turn ends: no request is read before it, so nothing starts a backend in a directory we do not hold.
          let lock: StateDirLock;
          try {
            lock = lockStateDir(config.state_dir);
          } catch (error) {
            listening.close();
            reject(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (!lock.ok) {
            listening.close();
            reject(Object.assign(new Error(lock.message), { code: STATE_DIR_LOCKED }));
            return;
          }
          releaseStateDir = lock.release;
          core.reap();
          const info = listening.address() as AddressInfo;
          const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
          started();
          resolve(`http://${host}:${info.port}`);
        });
        listening.once('error', reject);
        server = listening;
      });
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}

/**
 * The app as a node:http listener, made on the first request that the fast path does not take. @hono/node-server
 * reads the global Request, Response and Headers as it loads, which makes Node load its own fetch implementation:
 * about 11 MB of an idle gateway's memory (measured), for a gateway that has not been asked anything yet.
 */
function lazyAppListener(
  fetch: Parameters<typeof getRequestListener>[0],
  hostname: string,
  log: Logger,
): RequestListener {
  let listener: RequestListener | undefined;
  let loading: Promise<RequestListener> | undefined;
  return function appListener(req, res) {
    if (listener) return void listener(req, res);
    loading ??= import('@hono/node-server').then(
      (server) => (listener = server.getRequestListener(fetch, { hostname }) as RequestListener),
    );
    loading.then(
      (ready) => ready(req, res),
      (error: unknown) => {
        log.error({ err: errorMessage(error) }, 'the HTTP app could not be loaded');
        res.writeHead(500).end();
      },
    );
  };
}
