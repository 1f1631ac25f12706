/**
 * @module direct-lane: requests of a client session answered without the session's SDK Server. The HTTP layer
 * hands over a POST carrying one request on an open session (nearly every tool call); it is forwarded and its answer
 * written on that POST's own response. What the backend sends about the call meanwhile (progress, log messages,
 * sampling or elicitation requests) still leaves through the SDK Server, which addresses it to the call's request
 * id: the lane's tap takes those frames on their way to the SDK transport and writes them on the call's response,
 * and takes a client's cancellation of the call before the Server sees it. Everything else (initialize, ping, GET
 * streams, the client's answers to the backend's requests, batches) stays with the SDK.
 */
import {
  ErrorCode,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import { Cancellation } from '../cancellation.js';
import { IdTable } from '../id-table.js';
import { errorObject } from '../errors.js';
import { cancelledRequest } from '../json-rpc.js';
import type { Tap } from '../transport-tap.js';
import type { CallContext } from './forward.js';

/** Where a direct call's messages go: the HTTP response of the POST that carried it. */
export interface CallStream {
  /** A message about the call before its answer (progress, a log line, a request to the client). */
  send(message: JSONRPCMessage): void;
  /** Ends the response with the call's answer, or without one (the client cancelled, the session ended). */
  end(answer?: JSONRPCMessage): void;
}

export type ForwardCall = (request: JSONRPCRequest, call: CallContext) => Promise<Result>;

interface DirectCall {
  stream: CallStream;
  cancellation: Cancellation;
}

/** How long, and how many, cancellations of requests not yet seen are kept for the request to arrive. */
const EARLY_CANCEL_MS = 10_000;
const EARLY_CANCELS_KEPT = 256;

export class DirectLane {
  private readonly calls = new IdTable<DirectCall>();
  private readonly earlyCancels = new Map<RequestId, number>();

  constructor(
    private readonly forward: ForwardCall,
    /** Which requests take the lane. By default all the SDK Server would hand on anyway: not initialize, not ping. */
    readonly accepts: (request: JSONRPCRequest) => boolean = (request) =>
      request.method !== 'initialize' && request.method !== 'ping',
  ) {}

  /** True while a call of the lane is in flight. */
  get busy(): boolean {
    return this.calls.size > 0;
  }

  /**
   * Put in front of the session's SDK transport (transport-tap.ts): what the SDK Server sends about a call of the
   * lane goes on the call's own response, and the client's cancellation of such a call stops it here.
   */
  readonly tap: Tap = {
    send: (message, options) => {
      const related = options?.relatedRequestId;
      const call = related === undefined ? undefined : this.calls.get(related);
      call?.stream.send(message);
      return call !== undefined;
    },
    receive: (message) => {
      const cancelled = cancelledRequest(message);
      if (!cancelled) return false;
      const call = this.calls.get(cancelled.requestId);
      if (!call) {
        this.rememberEarlyCancel(cancelled.requestId);
        return false;
      }
      call.cancellation.cancel(cancelled.reason ?? 'cancelled by the client');
      return true;
    },
  };

  /** Forwards the request and ends `stream` with its answer; never throws. */
  async answer(
    request: JSONRPCRequest,
    stream: CallStream,
    httpRequestId: string | undefined,
  ): Promise<void> {
    const { id } = request;
    if (this.calls.has(id)) {
      const message = `Invalid Request: request id ${JSON.stringify(id)} is already in flight on this session`;
      stream.end({ jsonrpc: '2.0', id, error: { code: ErrorCode.InvalidRequest, message } });
      return;
    }
    if (this.takeEarlyCancel(id)) {
      // Cancelled before it arrived: nothing to forward, and a cancelled request gets no answer.
      stream.end();
      return;
    }
    const cancellation = new Cancellation();
    this.calls.set(id, { stream, cancellation });
    const call: CallContext = {
      requestId: id,
      cancellation,
      httpRequestId,
      progress: (params) => stream.send({ jsonrpc: '2.0', method: 'notifications/progress', params }),
    };
    try {
      const result = await this.forward(request, call);
      // A cancelled request gets no answer (as the SDK does it).
      stream.end(cancellation.cancelled ? undefined : { jsonrpc: '2.0', id, result });
    } catch (error) {
      stream.end(cancellation.cancelled ? undefined : { jsonrpc: '2.0', id, error: errorObject(error) });
    } finally {
      this.calls.delete(id);
    }
  }

  /**
   * A cancellation for an id not in flight: it may have overtaken its request, which comes on another connection.
   * Kept a short while (bounded), so that the request, if it comes, is not started at all.
   */
  private rememberEarlyCancel(id: RequestId): void {
    if (this.earlyCancels.size >= EARLY_CANCELS_KEPT) {
      this.earlyCancels.delete(this.earlyCancels.keys().next().value!);
    }
    this.earlyCancels.set(id, Date.now());
  }

  private takeEarlyCancel(id: RequestId): boolean {
    const at = this.earlyCancels.get(id);
    if (at === undefined) return false;
    this.earlyCancels.delete(id);
    return Date.now() - at < EARLY_CANCEL_MS;
  }

  /** The session ended: calls in flight are cancelled at the backend and their responses end, as SDK streams do. */
  close(): void {
    for (const { stream, cancellation } of this.calls.values()) {
      cancellation.cancel('the client session ended');
      stream.end();
    }
    this.calls.clear();
  }
}
