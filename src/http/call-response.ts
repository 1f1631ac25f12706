/**
 * @module call-response: the HTTP response of one directly answered call (passthrough/direct-lane.ts), written on
 * node:http: an SSE stream as the SDK's own transport answers (same headers, events and keep-alive comments), so
 * that a client sees no difference between the two paths. Headers wait for the first event, so a call with nothing
 * to say before its answer costs one write.
 */
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { CallStream } from '../session/direct-lane.js';

/** As the SDK's streams: a comment this often keeps proxies and clients from timing out a quiet call. */
const KEEP_ALIVE_MS = 15_000;

export class CallResponse implements CallStream {
  private streaming = false;
  private ended = false;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    /** Headers every answer carries (session id, request id). */
    private readonly headers: Record<string, string>,
    keepAliveMs = KEEP_ALIVE_MS,
  ) {
    this.keepAlive = setInterval(() => this.write(': keepalive\n\n'), keepAliveMs).unref();
    // The client went away: per the spec that is no cancellation; the call goes on and its answer is dropped.
    res.once('close', () => this.finish());
  }

  send(message: JSONRPCMessage): void {
    this.write(sseEvent(message));
  }

  end(answer?: JSONRPCMessage): void {
    if (this.ended) return;
    const last = answer === undefined ? '' : sseEvent(answer);
    // Nothing sent yet: the whole stream is known, and one write with its length is cheaper than chunked framing.
    if (!this.streaming) this.startStream({ 'content-length': String(Buffer.byteLength(last)) });
    this.res.end(last);
    this.finish();
  }

  private write(chunk: string): void {
    if (this.ended) return;
    this.startStream();
    this.res.write(chunk);
  }

  private startStream(length: Record<string, string> = {}): void {
    if (this.streaming) return;
    this.streaming = true;
    this.res.writeHead(200, {
      ...this.headers,
      ...length,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
  }

  private finish(): void {
    this.ended = true;
    clearInterval(this.keepAlive);
  }
}

function sseEvent(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}
