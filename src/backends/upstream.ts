/**
 * @module upstream: one live MCP connection to a backend (an SDK Client over its transport), with what a gateway
 * needs on top: per-call timeouts that progress resets, progress tokens rewritten so that callers sharing the
 * connection never see each other's updates, notifications forwarded synchronously (the SDK dispatches them a tick
 * after responses, which loses the last progress update), and transport failures turned into gateway errors.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  ErrorCode,
  McpError,
  type ClientCapabilities,
  type JSONRPCMessage,
  type Notification,
  type Request,
  type Result,
  type ServerCapabilities,
  type Implementation,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { BackendConfig } from '../config/index.js';
import { GatewayError, RpcError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { HttpClientTransport, HttpStatusError } from './http-client.js';
import { createBackendTransport, type BackendTransport } from './transports.js';
import { SHARED_SCHEMA_VALIDATOR } from './schema-validator.js';
import { SubscriptionTable } from './subscriptions.js';
import type { Cancellation } from '../cancellation.js';
import type { ProcessLedger } from './process-ledger.js';

/**
 * A downstream party using this connection (a client session). Messages the backend sends on its own are routed to
 * the peer whose call is in flight when that is unambiguous, else to every attached peer (notifications) or to the
 * only attached peer (requests).
 */
export interface Peer {
  notify(notification: Notification, relatedRequestId: RequestId | undefined): void;
  request(
    request: Request,
    relatedRequestId: RequestId | undefined,
    extra: RequestHandlerExtra<Request, Notification>,
  ): Promise<Result>;
}

export interface Caller {
  peer: Peer;
  requestId: RequestId;
}

export interface CallOptions {
  /** The caller gave up (its client cancelled); the backend receives notifications/cancelled. */
  cancellation?: Cancellation;
  /** Idle timeout of the call; each progress notification starts it again. */
  timeoutMs: number;
  /** Hard cap however much progress arrives. */
  maxTotalMs: number;
  /** Receives the backend's progress for this call, with the caller's own token restored. */
  onProgress?: (params: Record<string, unknown>) => void;
  /** Who made the call, so that what the backend sends meanwhile can be related to it. */
  caller?: Caller;
}

export interface UpstreamInfo {
  capabilities: ServerCapabilities;
  serverInfo: Implementation;
  instructions: string | undefined;
}

const TOKEN_PREFIX = 'mcp-gateway:';
/** Ids of forwarded requests start far from the SDK Client's own (it sends only initialize, as 0). */
const FIRST_FORWARDED_ID = 1_000_000;
type Answer = { result: Result } | { error: RpcError };
/** The close reason of a connection the gateway ended itself (hibernation, session end, shutdown). */
export const CLOSED_BY_GATEWAY = 'closed by the gateway';
const TERMINATE_TIMEOUT_MS = 2_000;
/** Notifications about the backend's state rather than about a call: every attached peer gets them. */
const CONNECTION_WIDE = /^notifications\/(tools|prompts|resources)\/list_changed$/;
export type SubscriptionMethod = 'resources/subscribe' | 'resources/unsubscribe';

export class Upstream {
  private readonly progressRoutes = new Map<string, (params: Record<string, unknown>) => void>();
  private readonly inflight = new Set<Caller>();
  private activeCalls = 0;
  private lastActivityAt = Date.now();
  private readonly closeListeners: Array<(reason: string) => void> = [];
  private readonly observers: Array<(notification: Notification) => void> = [];
  /** Who subscribed to which resource URI on this connection. */
  private readonly subscriptions = new SubscriptionTable<Peer>();
  /** Forwarded requests awaiting their answer, by the id they were sent with. */
  private readonly pending = new Map<RequestId, (answer: Answer) => void>();
  private nextId = FIRST_FORWARDED_ID;
  private closedReason: string | undefined = undefined;
  private lostSession = false;

  private constructor(
    readonly name: string,
    private readonly client: Client,
    private readonly wire: BackendTransport,
    /** Shared with earlier connections of the same backend, so peers survive a restart of the process. */
    private readonly peers: Set<Peer>,
    private readonly shared: boolean,
  ) {}

  /** Connects and initializes; throws a GatewayError naming the backend (and its stderr tail) when it cannot. */
  static async connect(
    config: BackendConfig,
    options: {
      clientInfo: Implementation;
      capabilities: ClientCapabilities;
      log: Logger;
      connectTimeoutMs: number;
      /** Several client sessions use this connection (a shared stdio process): subscriptions are counted. */
      shared?: boolean;
      peers?: Set<Peer>;
      ledger?: ProcessLedger;
    },
  ): Promise<Upstream> {
    const log = options.log.child({ backend: config.name });
    const wire = createBackendTransport(config, {
      onStderrLine: (line) => log.debug({ stderr: line }, 'backend stderr'),
      onGarbage: (preview) =>
        log.warn({ stdout: preview }, 'backend wrote a non-protocol line on stdout; skipped'),
      ...(options.ledger ? { ledger: options.ledger } : {}),
    });
    const client = new Client(options.clientInfo, {
      capabilities: options.capabilities,
      jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR,
    });
    const upstream = new Upstream(
      config.name,
      client,
      wire,
      options.peers ?? new Set(),
      options.shared ?? false,
    );
    client.onerror = (error) => log.debug({ err: errorMessage(error) }, 'backend transport error');
    client.onclose = () => upstream.handleClose(upstream.endedBecause());
    client.fallbackRequestHandler = (request, extra) => upstream.handleServerRequest(request, extra);
    try {
      await client.connect(wire.transport, { timeout: options.connectTimeoutMs });
    } catch (error) {
      // Stops a child that started but never answered initialize (the stop ladder, group-wide).
      await client.close().catch(() => {});
      const timedOut = error instanceof McpError && error.code === ErrorCode.RequestTimeout;
      const cause = timedOut
        ? `it did not answer initialize within ${options.connectTimeoutMs / 1000} s`
        : (upstream.closedReason ?? describe(error));
      const stderr = wire.stderr.lines().slice(-10);
      const tail = stderr.length ? `; its stderr ends with: ${stderr.slice(-3).join(' | ')}` : '';
      throw new GatewayError(
        'backend_unavailable',
        `backend "${config.name}" could not be started: ${cause}${tail}`,
        {
          backend: config.name,
          retryable: true,
          ...(stderr.length ? { stderr } : {}),
        },
      );
    }
    upstream.interceptNotifications();
    if (wire.transport instanceof SSEClientTransport) {
      // The legacy SSE client reconnects its event stream by itself and never reports a close, so calls in flight
      // would wait for their timeout. A dropped stream ends this connection instead; the next call opens a new one.
      client.onerror = (error) => {
        log.debug({ err: errorMessage(error) }, 'backend transport error');
        if (error instanceof SseError && !upstream.closed) {
          upstream.handleClose('its event stream was lost');
          void client.close();
        }
      };
    }
    return upstream;
  }

  get info(): UpstreamInfo {
    return {
      capabilities: this.client.getServerCapabilities() ?? {},
      serverInfo: this.client.getServerVersion() ?? { name: this.name, version: '0.0.0' },
      instructions: this.client.getInstructions(),
    };
  }

  get pid(): number | undefined {
    return this.wire.pid();
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /**
   * True once the backend answered that it no longer knows this connection's session (it restarted): the request
   * that learned it was never processed, so it may be sent again on a new connection.
   */
  get sessionLost(): boolean {
    return this.lostSession;
  }

  /** Calls forwarded and not yet answered. */
  get callsInFlight(): number {
    return this.activeCalls;
  }

  /** When a call last started or ended (epoch ms); the idle clock starts here. */
  get lastActivity(): number {
    return this.lastActivityAt;
  }

  stderrTail(): string[] {
    return this.wire.stderr.lines();
  }

  /**
   * Forwards one request and resolves with the backend's result as it is, or rejects with an RpcError. The request
   * goes on the wire as a frame with an id of the gateway's own and its answer is taken off the wire before the SDK
   * Client sees it: the Client's per-message schema work would be most of the cost of a forwarded call, and the
   * caller (the client at the other end, or the meta-tools) checks the result anyway.
   */
  async request(method: string, params: Request['params'], options: CallOptions): Promise<Result> {
    if (this.closedReason) throw RpcError.from(this.unavailable(this.closedReason));
    const id = this.nextId++;
    const callerToken = params?._meta?.progressToken;
    const token = callerToken !== undefined && options.onProgress ? `${TOKEN_PREFIX}${id}` : undefined;
    if (token !== undefined) {
      // Rewritten so that two clients sharing this connection may both use token 1.
      params = { ...params, _meta: { ...params?._meta, progressToken: token } };
    }

    let settle!: (response: Answer) => void;
    const answered = new Promise<Result>((resolve, reject) => {
      settle = (response) => ('result' in response ? resolve(response.result) : reject(response.error));
    });
    const giveUp = (error: RpcError, reason: string) => {
      if (!this.pending.delete(id)) return;
      settle({ error });
      // As the SDK would: the backend may stop working on it.
      void this.notify({ method: 'notifications/cancelled', params: { requestId: id, reason } }).catch(
        () => {},
      );
    };
    const timer = setTimeout(() => {
      const reason = `backend "${this.name}" did not answer within ${options.timeoutMs / 1000} s`;
      const error = new GatewayError('backend_timeout', reason, {
        backend: this.name,
        timeout_s: options.timeoutMs / 1000,
      });
      giveUp(RpcError.from(error), reason);
    }, options.timeoutMs);
    const started = Date.now();
    if (token !== undefined && options.onProgress) {
      const forward = options.onProgress;
      this.progressRoutes.set(token, (progress) => {
        if (Date.now() - started < options.maxTotalMs) timer.refresh();
        forward({ ...progress, progressToken: callerToken });
      });
    }
    this.pending.set(id, settle);
    // After the call is pending: a cancellation that already happened gives it up at once.
    const stopListening = options.cancellation?.onCancel((reason) =>
      giveUp(new RpcError(ErrorCode.InternalError, `cancelled: ${reason}`), reason),
    );
    if (options.caller) this.inflight.add(options.caller);
    this.activeCalls++;
    this.lastActivityAt = started;

    // Not awaited before the answer: an HTTP transport's send lasts as long as the answer's stream, and a call
    // that is cancelled or times out must end now. Not sent at all if it was cancelled before it started.
    if (this.pending.has(id)) {
      this.wire.transport
        .send({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) })
        .catch((error) => {
          if (this.pending.delete(id)) settle({ error: this.toRpcError(error) });
        });
    }
    try {
      return await answered;
    } finally {
      this.pending.delete(id);
      clearTimeout(timer);
      stopListening?.();
      if (token !== undefined) this.progressRoutes.delete(token);
      if (options.caller) this.inflight.delete(options.caller);
      this.activeCalls--;
      this.lastActivityAt = Date.now();
    }
  }

  /** Sends a client notification (roots/list_changed, cancelled, …) to the backend. */
  async notify(notification: Notification): Promise<void> {
    if (this.closedReason) return;
    await this.client.notification(notification);
  }

  /** Ends the connection: a Streamable HTTP backend is told to end its session (DELETE), a child is stopped. */
  async close(): Promise<void> {
    const alreadyClosed = this.closed;
    this.handleClose(CLOSED_BY_GATEWAY);
    const transport = this.wire.transport;
    if (!alreadyClosed && !this.lostSession && transport instanceof HttpClientTransport) {
      // Bounded: a backend that hangs must not hold up the session's teardown.
      await withTimeout(transport.terminateSession(), TERMINATE_TIMEOUT_MS).catch(() => {});
    }
    await this.client.close();
  }

  /** Calls `listener` with every notification the backend sends except progress (before peers get it). */
  observe(listener: (notification: Notification) => void): void {
    this.observers.push(listener);
  }

  /** Calls `listener` once when the connection ends, for any reason (at once if it already has). */
  onClosed(listener: (reason: string) => void): void {
    if (this.closedReason !== undefined) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  attach(peer: Peer): void {
    this.peers.add(peer);
  }

  /** Removes a peer, and its resource subscriptions (the last subscriber's departure unsubscribes at the backend). */
  detach(peer: Peer): void {
    this.peers.delete(peer);
    for (const uri of this.subscriptions.removePeer(peer)) {
      if (this.closed) continue;
      this.request('resources/unsubscribe', { uri }, { timeoutMs: 10_000, maxTotalMs: 10_000 }).catch(
        () => {},
      );
    }
  }

  /**
   * resources/subscribe and /unsubscribe. On a shared connection the subscribers are counted (subscriptions.ts):
   * only the first subscribe and the last unsubscribe of a URI reach the backend.
   */
  async subscription(
    method: SubscriptionMethod,
    params: Request['params'] & { uri: string },
    options: CallOptions & { caller: Caller },
  ): Promise<Result> {
    // A connection of one client session is that client's own: what it says goes to the backend unchanged.
    if (!this.shared) return this.request(method, params, options);
    const { uri } = params;
    const peer = options.caller.peer;
    if (method === 'resources/subscribe') {
      if (!this.subscriptions.add(uri, peer)) return {};
      return this.request(method, params, options).catch((error: unknown) => {
        this.subscriptions.remove(uri, peer);
        throw error;
      });
    }
    if (!this.subscriptions.remove(uri, peer)) return {};
    return this.request(method, params, options);
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** The call a backend-initiated message belongs to when that is unambiguous: the only call in flight. */
  private soleCaller(): Caller | undefined {
    if (this.inflight.size !== 1) return undefined;
    return this.inflight.values().next().value;
  }

  private async handleServerRequest(
    request: Request,
    extra: RequestHandlerExtra<Request, Notification>,
  ): Promise<Result> {
    const caller = this.soleCaller();
    if (caller) return caller.peer.request(request, caller.requestId, extra);
    const [only, ...others] = this.peers;
    if (only && others.length === 0) return only.request(request, undefined, extra);
    // Answered at once rather than left to time out: the backend can fail its tool call with a clear reason.
    throw new RpcError(
      -32603,
      `mcp-gateway cannot tell which client ${request.method} is for: ${this.peers.size} clients share backend "${this.name}" and none or several have a call in flight`,
    );
  }

  private routeNotification(notification: Notification): void {
    if (this.shared && notification.method === 'notifications/resources/updated') {
      const uri = notification.params?.uri;
      if (typeof uri === 'string')
        for (const peer of this.subscriptions.subscribers(uri)) peer.notify(notification, undefined);
      return;
    }
    const caller = CONNECTION_WIDE.test(notification.method) ? undefined : this.soleCaller();
    if (caller) {
      caller.peer.notify(notification, caller.requestId);
      return;
    }
    for (const peer of this.peers) peer.notify(notification, undefined);
  }

  /**
   * Wraps the transport's message callback (installed by Client.connect) so that answers to forwarded requests,
   * progress and other notifications are handled synchronously, in wire order. Cancellations still go to the SDK: it aborts the
   * matching server→client request handler.
   */
  private interceptNotifications(): void {
    const transport = this.wire.transport;
    const protocolOnMessage = transport.onmessage;
    transport.onmessage = (message: JSONRPCMessage, extra) => {
      if (!('method' in message) && message.id !== undefined) {
        const settle = this.pending.get(message.id);
        if (settle) {
          this.pending.delete(message.id);
          settle(
            'result' in message
              ? { result: message.result }
              : { error: new RpcError(message.error.code, message.error.message, message.error.data) },
          );
          return;
        }
      }
      if ('method' in message && !('id' in message) && message.method !== 'notifications/cancelled') {
        if (message.method === 'notifications/progress') {
          const token = message.params?.progressToken;
          const route = typeof token === 'string' ? this.progressRoutes.get(token) : undefined;
          route?.(message.params ?? {});
          return;
        }
        for (const observer of this.observers) observer(message);
        this.routeNotification(message);
        return;
      }
      protocolOnMessage?.(message, extra);
    };
  }

  /** Why the connection ended on its own: the exit of a child, else a closed connection. */
  private endedBecause(): string {
    const exit = this.wire.exit();
    if (!exit) return 'the connection closed';
    return exit.signal
      ? `the process was killed by ${exit.signal}`
      : `the process exited with code ${exit.code}`;
  }

  private handleClose(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    const error = RpcError.from(this.unavailable(reason));
    for (const settle of this.pending.values()) settle({ error });
    this.pending.clear();
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }

  private unavailable(reason: string): GatewayError {
    return new GatewayError('backend_unavailable', `backend "${this.name}" is unavailable: ${reason}`, {
      backend: this.name,
      retryable: true,
    });
  }

  /** A transport failure becomes "backend unavailable" (a forgotten session is noted so that it can be retried). */
  private toRpcError(error: unknown): RpcError {
    if (isSessionGone(error)) {
      this.lostSession = true;
      void this.close();
      return RpcError.from(this.unavailable('the backend no longer knows this session (it restarted?)'));
    }
    return RpcError.from(this.unavailable(this.closedReason ?? describe(error)));
  }
}

/** McpError prepends "MCP error N: " to the backend's message; the caller must see the message as sent. */
function stripSdkPrefix(message: string): string {
  return message.replace(/^MCP error -?\d+: /, '');
}

/**
 * An HTTP backend's answer for a session it does not know: 404 per the spec; some servers (server-everything among
 * them) answer 400 with a message about the session instead. The SDK reports both as errors carrying the status.
 */
function isSessionGone(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status =
    error instanceof HttpStatusError ? error.status : /\(HTTP (\d{3})\)/.exec(error.message)?.[1];
  return Number(status) === 404 || (Number(status) === 400 && /session/i.test(error.message));
}

/** A short cause for a transport failure; HTTP errors carry their status in `code`. */
function describe(error: unknown): string {
  const message = stripSdkPrefix(errorMessage(error));
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause && !message.includes(cause) ? `${message} (${cause})` : message;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
