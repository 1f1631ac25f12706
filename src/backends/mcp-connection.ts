/**
 * @module mcp-connection: a Connection over a backend transport. An SDK Client does the handshake and answers what
 * the backend asks of the client (its requests go to the peer router); forwarded requests bypass the Client through
 * the correlator, whose answers and progress are taken off the wire before the Client sees them (the Client's
 * per-message schema work would be most of the cost of a forwarded call, and the caller checks results anyway).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  ErrorCode,
  McpError,
  type ClientCapabilities,
  type Implementation,
  type Notification,
  type Request,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import type { BackendConfig } from '../config/index.js';
import { withDeadline } from '../deadline.js';
import { GatewayError, RpcError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { SHARED_SCHEMA_VALIDATOR } from '../schema-validator.js';
import { TappedTransport } from '../transport-tap.js';
import {
  CLOSED_BY_GATEWAY,
  type CallOptions,
  type Connection,
  type BackendSessionRef,
  type ConnectionInfo,
  type Peer,
} from './connection.js';
import { describeFailure, isSessionGone, unavailable } from './connection-errors.js';
import { Correlator } from './correlator.js';
import { PeerRouter } from './peer-router.js';
import type { ProcessLedger } from './process-ledger.js';
import { createBackendTransport, type BackendTransport } from './transports.js';

export interface ConnectOptions {
  clientInfo: Implementation;
  capabilities: ClientCapabilities;
  log: Logger;
  connectTimeoutMs: number;
  /** Several client sessions use this connection (a shared stdio process): subscriptions are counted. */
  shared?: boolean;
  /** The audience of what the backend sends on its own; a shared backend keeps one set across its restarts. */
  peers?: Set<Peer>;
  /** Takes what a client must not read (the config's secrets) out of the reasons its calls fail with. */
  scrub?: (text: string) => string;
  /**
   * A backend session another replica opened, continued instead of initializing a new one (Streamable HTTP). Not
   * ended (DELETE) when this connection closes: the replica that opened it ends it.
   */
  resume?: BackendSessionRef | undefined;
}

const TERMINATE_TIMEOUT_MS = 2_000;
/** How long a peer's departure waits for the backend to acknowledge an unsubscribe it caused. */
const UNSUBSCRIBE_TIMEOUT_MS = 10_000;

/** Opens a connection to a configured backend; throws a GatewayError naming it (and its stderr tail) if it cannot. */
export function connectBackend(
  config: BackendConfig,
  options: ConnectOptions & { ledger?: ProcessLedger },
): Promise<Connection> {
  const log = options.log.child({ backend: config.name });
  const transport = createBackendTransport(config, {
    onStderrLine: (line) => log.debug({ stderr: line }, 'backend stderr'),
    onGarbage: (preview) =>
      log.warn({ stdout: preview }, 'backend wrote a non-protocol line on stdout; skipped'),
    ...(options.ledger ? { ledger: options.ledger } : {}),
  });
  return connectTransport(config.name, transport, { ...options, log });
}

/** Initializes a connection over `transport` (any MCP client transport: tests pass an in-memory one). */
export async function connectTransport(
  backend: string,
  transport: BackendTransport,
  options: ConnectOptions,
): Promise<Connection> {
  const connection = new McpConnection(backend, transport, options);
  await connection.initialize(options.connectTimeoutMs);
  return connection;
}

class McpConnection implements Connection {
  private readonly client: Client;
  private readonly correlator: Correlator;
  private readonly router: PeerRouter;
  private readonly closeListeners: Array<(reason: string) => void> = [];
  private readonly observers: Array<(notification: Notification) => void> = [];
  private closedReason: string | undefined = undefined;
  private lostSession = false;

  constructor(
    readonly backend: string,
    private readonly transport: BackendTransport,
    private readonly options: ConnectOptions,
  ) {
    this.router = new PeerRouter(backend, options.peers ?? new Set(), options.shared ?? false, () =>
      this.correlator.soleCaller(),
    );
    this.correlator = new Correlator({
      backend,
      send: (message) => this.transport.transport.send(message),
      sendFailed: (error) => this.sendFailed(error),
    });
    this.client = new Client(options.clientInfo, {
      capabilities: options.capabilities,
      jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR,
    });
    this.client.onerror = (error) => {
      options.log.debug({ err: errorMessage(error) }, 'backend transport error');
      if (this.transport.isFatal?.(error) && !this.closed) {
        this.ended('its event stream was lost');
        void this.client.close();
      }
    };
    this.client.onclose = () => this.ended(this.endedBecause());
    this.client.fallbackRequestHandler = (request, extra) => this.router.serverRequest(request, extra);
  }

  async initialize(timeoutMs: number): Promise<void> {
    const tapped = new TappedTransport(this.transport.transport, {
      receive: (message) => {
        if (this.correlator.receive(message)) return true;
        // Notifications, in wire order, before the SDK would dispatch them a tick later; cancellations stay with
        // the SDK, which aborts the matching backend→client request handler.
        if (!('method' in message) || 'id' in message || message.method === 'notifications/cancelled')
          return false;
        for (const observer of this.observers) observer(message);
        this.router.notification(message);
        return true;
      },
    });
    // The SDK client sends no initialize on a transport that has a session already.
    const resumed = this.options.resume && this.transport.resume?.(this.options.resume);
    try {
      await this.client.connect(tapped, { timeout: timeoutMs });
      resumed?.();
    } catch (error) {
      // Stops a child that started but never answered initialize (the stop ladder, group-wide).
      await this.client.close().catch(() => {});
      const timedOut = error instanceof McpError && error.code === ErrorCode.RequestTimeout;
      // A child's exit says why; for anything else the error does (an HTTP status, a refused connection), not the
      // closing of the connection that the SDK does after any failed initialize.
      const cause = timedOut
        ? `it did not answer initialize within ${timeoutMs / 1000} s`
        : this.transport.exit()
          ? this.endedBecause()
          : describeFailure(error);
      const stderr = this.transport.stderr.lines().slice(-10);
      const tail = stderr.length ? `; its stderr ends with: ${stderr.slice(-3).join(' | ')}` : '';
      throw new GatewayError(
        'backend_unavailable',
        `backend "${this.backend}" could not be started: ${cause}${tail}`,
        {
          backend: this.backend,
          retryable: true,
          ...(stderr.length ? { stderr } : {}),
        },
      );
    }
  }

  backendSession(): BackendSessionRef | undefined {
    const ref = this.transport.session?.();
    return ref && !this.closed ? { ...ref, info: this.info } : undefined;
  }

  get info(): ConnectionInfo {
    if (this.options.resume && this.transport.resume) return this.options.resume.info;
    return {
      capabilities: this.client.getServerCapabilities() ?? {},
      serverInfo: this.client.getServerVersion() ?? { name: this.backend, version: '0.0.0' },
      instructions: this.client.getInstructions(),
    };
  }

  get pid(): number | undefined {
    return this.transport.pid();
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get sessionLost(): boolean {
    return this.lostSession;
  }

  get callsInFlight(): number {
    return this.correlator.callsInFlight;
  }

  get lastActivity(): number {
    return this.correlator.lastActivity;
  }

  stderrTail(): string[] {
    return this.transport.stderr.lines();
  }

  /** Not async itself: a call's promise is its correlator's (one layer fewer on every call). */
  request(method: string, params: Request['params'], options: CallOptions): Promise<Result> {
    if (this.closedReason) return Promise.reject(this.unavailable(this.closedReason));
    const caller = options.caller;
    const uri = params?.uri;
    if (this.router.shared && caller && typeof uri === 'string') {
      // One subscription per URI for the whole process: only the first subscribe and the last unsubscribe of a URI
      // reach the backend.
      if (method === 'resources/subscribe') {
        if (!this.router.subscriptions.add(uri, caller.peer)) return Promise.resolve({});
        return this.correlator.request(method, params, options).catch((error: unknown) => {
          this.router.subscriptions.remove(uri, caller.peer);
          throw error;
        });
      }
      if (method === 'resources/unsubscribe' && !this.router.subscriptions.remove(uri, caller.peer))
        return Promise.resolve({});
    }
    return this.correlator.request(method, params, options);
  }

  async notify(notification: Notification): Promise<void> {
    if (this.closedReason) return;
    await this.client.notification(notification);
  }

  attach(peer: Peer): void {
    this.router.peers.add(peer);
  }

  detach(peer: Peer): void {
    this.router.peers.delete(peer);
    for (const uri of this.router.subscriptions.removePeer(peer)) {
      if (this.closed) continue;
      const limits = { timeoutMs: UNSUBSCRIBE_TIMEOUT_MS, maxTotalMs: UNSUBSCRIBE_TIMEOUT_MS };
      this.correlator.request('resources/unsubscribe', { uri }, limits).catch(() => {});
    }
  }

  observe(listener: (notification: Notification) => void): void {
    this.observers.push(listener);
  }

  onClosed(listener: (reason: string) => void): void {
    if (this.closedReason !== undefined) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    const alreadyClosed = this.closed;
    this.ended(CLOSED_BY_GATEWAY);
    if (!alreadyClosed && !this.lostSession && this.transport.terminate && !this.options.resume) {
      // Bounded: a backend that hangs must not hold up the session's teardown.
      await withDeadline(
        this.transport.terminate(),
        TERMINATE_TIMEOUT_MS,
        () => new Error('no answer'),
      ).catch(() => {});
    }
    await this.client.close();
  }

  /** A transport failure becomes "backend unavailable" (a forgotten session is noted so that it can be retried). */
  private sendFailed(error: unknown): RpcError {
    if (isSessionGone(error)) {
      this.lostSession = true;
      void this.close();
      return this.unavailable('the backend no longer knows this session (it restarted?)');
    }
    return this.unavailable(this.closedReason ?? describeFailure(error));
  }

  /** A call's failure as its caller reads it: scrubbed, since a backend's own words may carry a configured secret. */
  private unavailable(reason: string): RpcError {
    return RpcError.from(unavailable(this.backend, this.options.scrub?.(reason) ?? reason));
  }

  /** Why the connection ended on its own: the exit of a child, else a closed connection. */
  private endedBecause(): string {
    const exit = this.transport.exit();
    if (!exit) return 'the connection closed';
    return exit.signal
      ? `the process was killed by ${exit.signal}`
      : `the process exited with code ${exit.code}`;
  }

  private ended(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.correlator.failAll(this.unavailable(reason));
    for (const listener of this.closeListeners.splice(0)) listener(reason);
  }
}
