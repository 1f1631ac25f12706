/**
 * @module sse-stream: a server-sent-events response built on a web ReadableStream (for a Hono route), as the SDK's
 * own streams are written: `event: message` frames, a keep-alive comment while quiet, the same headers. It ends when
 * the server ends it or when the client goes away (the request's signal), whichever comes first, once.
 */

/** As the SDK's streams: a comment this often keeps proxies and clients from timing out a quiet stream. */
export const SSE_KEEP_ALIVE_MS = 15_000;

export interface SseStream {
  /** The response to return from the route. */
  readonly response: Response;
  /** Writes one JSON-RPC message as an event; nothing once the stream has ended. */
  send(message: object): void;
  /** Writes the last message, if any (an object, or its JSON text), and ends the stream. */
  end(last?: object | string): void;
  readonly ended: boolean;
}

const encoder = new TextEncoder();

export function sseStream(
  signal: AbortSignal,
  options: {
    /** Called once when the stream ends, for whatever reason. */
    onEnd?: () => void;
    keepAliveMs?: number;
    headers?: Record<string, string>;
  } = {},
): SseStream {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let ended = false;
  const write = (chunk: string): void => {
    if (ended) return;
    try {
      controller.enqueue(encoder.encode(chunk));
    } catch {
      finish(false);
    }
  };
  const onAbort = (): void => finish(false);
  const finish = (close: boolean): void => {
    if (ended) return;
    ended = true;
    clearInterval(keepAlive);
    signal.removeEventListener('abort', onAbort);
    if (close)
      try {
        controller.close();
      } catch {
        // already errored or cancelled by the reader
      }
    options.onEnd?.();
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      finish(false);
    },
  });
  const keepAlive = setInterval(() => write(': keepalive\n\n'), options.keepAliveMs ?? SSE_KEEP_ALIVE_MS);
  keepAlive.unref();
  if (signal.aborted) finish(false);
  else signal.addEventListener('abort', onAbort, { once: true });
  const response = new Response(body, {
    status: 200,
    headers: {
      ...options.headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
  return {
    response,
    send(message) {
      write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    },
    end(last) {
      if (last !== undefined)
        write(`event: message\ndata: ${typeof last === 'string' ? last : JSON.stringify(last)}\n\n`);
      finish(true);
    },
    get ended() {
      return ended;
    },
  };
}
