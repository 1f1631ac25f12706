/**
 * @module call-response: the HTTP response of one directly answered call (passthrough/direct-lane.ts), written on
 * node:http: an SSE stream as the SDK's own transport answers (its events, keep-alive comments and headers; an answer
 * written whole leaves out the headers only a stream that goes on needs), so that a client sees no difference between
 * the two paths. Headers wait for the first event, so a call with nothing to say before its answer costs one write.
 */
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { CallStream } from '../session/direct-lane.js';

/** As the SDK's streams: a comment this often keeps proxies and clients from timing out a quiet call. */
const KEEP_ALIVE_MS = 15_000;

/**
 * One shared ticker per keep-alive period, not a timer per call: arming and clearing an interval for every call cost
 * more than the rest of its bookkeeping. It ticks twice a period and sends a comment to each call that has written
 * nothing for two ticks, so a quiet call hears one every 1 to 1.5 periods. The open responses are an array that each
 * response knows its place in, not a Set: a Set that gains and loses an entry on every call keeps the calls it held
 * alive through young collections (see id-table.ts).
 */
class KeepAliveTicker {
  private tick = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly open: CallResponse[] = [];

  constructor(private readonly periodMs: number) {}

  /** Returns the response's place in the list, for `delete`. */
  add(response: CallResponse): number {
    this.open.push(response);
    this.timer ??= setInterval(() => this.beat(), this.periodMs / 2).unref();
    return this.open.length - 1;
  }

  /** The last response takes the place of the one that leaves. */
  delete(place: number): void {
    const last = this.open.pop()!;
    if (place < this.open.length) {
      this.open[place] = last;
      last.place = place;
    }
  }

  get now(): number {
    return this.tick;
  }

  private beat(): void {
    this.tick++;
    if (this.open.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    // A copy: a response may leave the list while it is told.
    for (const response of [...this.open]) response.keepAlive(this.tick);
  }
}

const tickers = new Map<number, KeepAliveTicker>();

/** As the SDK's transport writes them: for a stream that goes on after its first event. */
const STREAM_HEADERS = [
  'content-type',
  'text/event-stream',
  'cache-control',
  'no-cache, no-transform',
  'connection',
  'keep-alive',
  'x-accel-buffering',
  'no',
];

/**
 * For a stream written whole in one write with its length, what of the above still says something: node:http writes
 * the Connection header itself (`keep-alive`, or `close` when the client asked for it, which a fixed `keep-alive`
 * overrode), and a proxy's buffering cannot hold back an answer that is already whole. Each header node:http writes
 * costs a validation of its name and value and a lower-casing (about 1,350 instructions).
 */
const WHOLE_STREAM_HEADERS = ['content-type', 'text/event-stream', 'cache-control', 'no-cache, no-transform'];

export class CallResponse implements CallStream {
  private streaming = false;
  private ended = false;
  private readonly ticker: KeepAliveTicker;
  /** The ticker's count at the last write (or the start). */
  private lastWrite: number;
  /** Where the ticker keeps this response while it is open. */
  place: number;

  constructor(
    private readonly res: ServerResponse,
    /** Headers every answer carries (session id, request id), as name, value, name, value… */
    private readonly headers: string[],
    keepAliveMs = KEEP_ALIVE_MS,
  ) {
    let ticker = tickers.get(keepAliveMs);
    if (!ticker) tickers.set(keepAliveMs, (ticker = new KeepAliveTicker(keepAliveMs)));
    this.ticker = ticker;
    this.lastWrite = ticker.now;
    this.place = ticker.add(this);
  }

  /** Called by the ticker: a comment when nothing was written for a whole period. */
  keepAlive(tick: number): void {
    if (this.clientGone()) this.finish();
    else if (tick - this.lastWrite >= 2) this.write(': keepalive\n\n');
  }

  send(message: JSONRPCMessage): void {
    this.write(sseEvent(message));
  }

  end(answer?: JSONRPCMessage): void {
    if (this.ended || this.clientGone()) return this.finish();
    const last = answer === undefined ? '' : sseEvent(answer);
    // Nothing sent yet: the whole stream is known, and one write with its length is cheaper than chunked framing.
    if (!this.streaming) this.startStream(Buffer.byteLength(last));
    this.res.end(last);
    this.finish();
  }

  private write(chunk: string): void {
    if (this.ended || this.clientGone()) return this.finish();
    this.lastWrite = this.ticker.now;
    this.startStream();
    this.res.write(chunk);
  }

  private startStream(length?: number): void {
    if (this.streaming) return;
    this.streaming = true;
    // A flat list: node:http takes it as it is, where an object would be built and then walked key by key.
    const headers =
      length === undefined
        ? this.headers.concat(STREAM_HEADERS)
        : this.headers.concat(WHOLE_STREAM_HEADERS, ['content-length', String(length)]);
    this.res.writeHead(200, headers);
  }

  /**
   * The client went away: per the spec that is no cancellation; the call goes on and its answer is dropped. Asked
   * when there is something to write (and by the ticker) rather than told by a 'close' listener on every response.
   */
  private clientGone(): boolean {
    return this.res.destroyed;
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.ticker.delete(this.place);
  }
}

function sseEvent(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}
