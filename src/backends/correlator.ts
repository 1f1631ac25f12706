/**
 * @module correlator: requests the gateway forwards on one connection, matched with their answers. Each gets an id
 * of the correlator's own (so that callers sharing a connection may use the same ids), a timeout that the call's
 * progress starts again (up to a hard cap), a progress token of its own when the caller wants progress (restored to
 * the caller's token on the way back), and a `notifications/cancelled` to the backend when the caller gives up or
 * the time is up. A call is released on every path: answered, failed to send, cancelled, timed out, connection lost.
 */
import {
  ErrorCode,
  type JSONRPCMessage,
  type Request,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, RpcError } from '../errors.js';
import { IdTable } from '../id-table.js';
import type { CallOptions, Caller } from './connection.js';

const TOKEN_PREFIX = 'mcp-gateway:';
/** Ids of forwarded requests start far from the SDK Client's own (it sends only initialize, as 0). */
const FIRST_FORWARDED_ID = 1_000_000;

type Answer = { result: Result } | { error: RpcError };

interface PendingCall {
  settle(answer: Answer): void;
  caller: Caller | undefined;
}

export interface CorrelatorDeps {
  backend: string;
  /** Puts a frame on the wire; for a request, may resolve only once its answer arrived (Streamable HTTP). */
  send(message: JSONRPCMessage): Promise<void>;
  /** What a failure to send becomes for the caller. */
  sendFailed(error: unknown): RpcError;
}

export class Correlator {
  /** Forwarded requests awaiting their answer, by the id they were sent with. */
  private readonly pending = new IdTable<PendingCall>();
  /** How many of them a client session is waiting for (calls with a caller). */
  private withCaller = 0;
  private readonly progressRoutes = new IdTable<(params: Record<string, unknown>) => void>();
  private nextId = FIRST_FORWARDED_ID;
  private active = 0;
  private lastActivityAt = Date.now();

  constructor(private readonly deps: CorrelatorDeps) {}

  /** Calls sent and not yet settled. */
  get callsInFlight(): number {
    return this.active;
  }

  /** When a call last started or ended (epoch ms). */
  get lastActivity(): number {
    return this.lastActivityAt;
  }

  /** The client session a backend's own message belongs to when that is unambiguous: the only one with a call. */
  soleCaller(): Caller | undefined {
    if (this.withCaller !== 1) return undefined;
    return this.pending.values().find((call) => call.caller !== undefined)?.caller;
  }

  /**
   * Not async: the call's promise is settled by whichever way it ends first, and the same step releases it (a
   * layer of promises fewer on every forwarded call).
   */
  request(method: string, params: Request['params'], options: CallOptions): Promise<Result> {
    const id = this.nextId++;
    const callerToken = params?._meta?.progressToken;
    const token = callerToken !== undefined && options.onProgress ? `${TOKEN_PREFIX}${id}` : undefined;
    if (token !== undefined) {
      // Rewritten so that two clients sharing this connection may both use token 1.
      params = { ...params, _meta: { ...params?._meta, progressToken: token } };
    }
    return new Promise<Result>((resolve, reject) => {
      let sent = false;
      let settled = false;
      let stopListening: (() => void) | undefined = undefined;
      const settle = (answer: Answer) => {
        if (settled) return;
        settled = true;
        this.pending.delete(id);
        clearTimeout(timer);
        if (token !== undefined) this.progressRoutes.delete(token);
        stopListening?.();
        this.active--;
        if (caller) this.withCaller--;
        this.lastActivityAt = Date.now();
        if ('result' in answer) resolve(answer.result);
        else reject(answer.error);
      };
      const giveUp = (error: RpcError, reason: string) => {
        if (settled) return;
        settle({ error });
        // As the SDK would: the backend may stop working on it (if it ever received it).
        if (sent)
          this.sendQuietly({
            jsonrpc: '2.0',
            method: 'notifications/cancelled',
            params: { requestId: id, reason },
          });
      };
      const timer = setTimeout(() => {
        const reason = `backend "${this.deps.backend}" did not answer within ${options.timeoutMs / 1000} s`;
        const error = new GatewayError('backend_timeout', reason, {
          backend: this.deps.backend,
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
      const caller = options.caller;
      this.pending.set(id, { settle, caller });
      this.active++;
      if (caller) this.withCaller++;
      this.lastActivityAt = started;
      // After the call is pending: a cancellation that already happened gives it up at once, before it is sent.
      stopListening = options.cancellation?.onCancel((reason) =>
        giveUp(new RpcError(ErrorCode.InternalError, `cancelled: ${reason}`), reason),
      );
      // Not awaited: an HTTP transport's send lasts as long as the answer's stream, and a call that is cancelled or
      // times out must end now.
      if (!settled) {
        sent = true;
        this.sendRequest(id, method, params, settle);
      }
    });
  }

  /**
   * Takes a message off the wire if it is the answer to a forwarded request or progress of one; true if it was.
   * Synchronous, in wire order: the SDK would dispatch progress a tick after the answer and lose the last update.
   */
  receive(message: JSONRPCMessage): boolean {
    if ('method' in message) {
      if (message.method !== 'notifications/progress' || 'id' in message) return false;
      // Progress only ever concerns a forwarded call: with a token not (or no longer) routed, it goes nowhere.
      const token = message.params?.progressToken;
      if (typeof token === 'string') this.progressRoutes.get(token)?.(message.params ?? {});
      return true;
    }
    if (message.id === undefined) return false;
    const call = this.pending.get(message.id);
    if (!call) return false;
    call.settle(
      'result' in message
        ? { result: message.result }
        : { error: new RpcError(message.error.code, message.error.message, message.error.data) },
    );
    return true;
  }

  /** Fails every call in flight (the connection ended). */
  failAll(error: RpcError): void {
    for (const call of this.pending.values()) call.settle({ error });
  }

  private sendRequest(
    id: number,
    method: string,
    params: Request['params'],
    settle: (answer: Answer) => void,
  ): void {
    const fail = (error: unknown) => {
      // Out of the table before the failure is worked out: a lost session closes the connection, which fails
      // every call still in it with the closing's reason instead of this one.
      if (this.pending.delete(id)) settle({ error: this.deps.sendFailed(error) });
    };
    try {
      // Two literals rather than a spread into one, which copies through V8's generic path on every call.
      const message = params
        ? { jsonrpc: '2.0' as const, id, method, params }
        : { jsonrpc: '2.0' as const, id, method };
      this.deps.send(message).catch(fail);
    } catch (error) {
      // A transport may fail before it returns a promise (a message too deeply nested to serialize).
      fail(error);
    }
  }

  private sendQuietly(message: JSONRPCMessage): void {
    try {
      this.deps.send(message).catch(() => {});
    } catch {
      // Best effort, as the cancellation it carries.
    }
  }
}
