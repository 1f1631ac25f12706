/**
 * @module http-client: the client side of Streamable HTTP for remote backends, on node:http with keep-alive
 * sockets. It does what the SDK's fetch-based client transport does for a gateway (POST each message and read its
 * JSON or SSE answer, keep the session id and protocol version, listen on a GET stream for what the backend sends on
 * its own, resume a stream that ends early from its last event id, DELETE the session) at a fraction of the cost:
 * for an HTTP backend the SDK transport's WHATWG streams were half of the gateway's CPU per call. Messages get the
 * structural check of json-rpc.ts, not a schema parse. No OAuth: a backend's credentials are configured headers.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { createParser } from 'eventsource-parser';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { clip } from '../clip.js';
import { IdTable } from '../id-table.js';
import { cancelledRequest, isJsonRpcMessage, isJsonRpcRequest, isJsonRpcResponse } from '../json-rpc.js';
import { mediaType } from '../media-type.js';

/** Shared by every backend connection: sockets are pooled per host and port. */
const AGENTS = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
/** As the SDK: a stream that ends early is resumed twice at most, after 1 s then 1.5 s (or the server's `retry`). */
const MAX_RESUMES = 2;
const FIRST_RESUME_DELAY_MS = 1_000;
const MAX_REDIRECTS = 3;
/** An answer's body is read whole; beyond this the backend is misbehaving. */
const MAX_JSON_BYTES = 64 << 20;
const SSE = 'text/event-stream';
const POST_HEADERS = ['content-type', 'application/json', 'accept', `application/json, ${SSE}`];
/** Set by this client at each request: a configured header of the same name is left out. */
const PROTOCOL_HEADERS = new Set([
  'content-type',
  'accept',
  'content-length',
  'last-event-id',
  'mcp-session-id',
  'mcp-protocol-version',
]);

/** A response with an unexpected status; `status` 404 means the backend no longer knows the session. */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`${message} (HTTP ${status})`);
  }
}

/**
 * A request this client gave up on: its HTTP exchange (and any resume of its stream) is destroyed. What an
 * AbortSignal passed to node:http would do, without its price: on Node 20 the listener node:http adds to a fresh
 * signal costs some 5 µs, on every call.
 */
class Abandon {
  abandoned = false;
  private request: ClientRequest | undefined;

  /** The exchange now carrying the request (a retry or a resume replaces the last one). */
  watch(request: ClientRequest): void {
    this.request = request;
    if (this.abandoned) request.destroy(new Error('the request was abandoned'));
  }

  abort(): void {
    this.abandoned = true;
    this.request?.destroy(new Error('the request was abandoned'));
  }
}

export class HttpClientTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  sessionId: string | undefined = undefined;
  private protocolVersion: string | undefined = undefined;
  private serverRetryMs: number | undefined = undefined;
  /** Requests open on the wire, by a number of this transport's own (ended at close). */
  private readonly requests = new IdTable<ReturnType<typeof httpRequest>>();
  private requestsMade = 0;
  /** Requests sent and not yet answered, by JSON-RPC id: what a cancellation stops reading. */
  private readonly answering = new IdTable<Abandon>();
  private listenTimer: NodeJS.Timeout | undefined = undefined;
  private closed = false;
  /** The backend URL as request options, worked out once rather than at every request. */
  private readonly target: RequestOptions;
  /** Host and the configured headers as raw name/value pairs, the start of every request's headers. */
  private readonly baseHeaders: readonly string[];

  constructor(
    private readonly url: URL,
    /** Configured headers (Authorization, …); the protocol's own headers are set over them. */
    headers: Record<string, string> = {},
  ) {
    this.target = urlToHttpOptions(url);
    this.baseHeaders = baseHeaders(url.host, this.target.auth, headers);
  }

  async start(): Promise<void> {}

  /** The backend session as a replica needs it to continue (undefined before initialize). */
  sessionRef(): { sessionId: string; protocolVersion: string } | undefined {
    if (this.sessionId === undefined || this.protocolVersion === undefined) return undefined;
    return { sessionId: this.sessionId, protocolVersion: this.protocolVersion };
  }

  /** Continues a backend session another replica opened (no initialize); `listen` once connected. */
  resume(ref: { sessionId: string; protocolVersion: string }): () => void {
    this.sessionId = ref.sessionId;
    this.protocolVersion = ref.protocolVersion;
    return () => void this.listen();
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  /** POSTs one message; for a request, resolves once its answer arrived (or throws if the stream ended without). */
  async send(message: JSONRPCMessage): Promise<void> {
    if (!isJsonRpcRequest(message)) {
      const posted = this.post(message);
      // A request this client gave up on will get no answer: once the backend is being told (a dropped stream
      // alone is no cancellation), its stream is let go, so that a backend that never answers holds no socket.
      const cancelled = cancelledRequest(message);
      if (cancelled) this.answering.get(cancelled.requestId)?.abort();
      return posted;
    }
    const abandon = new Abandon();
    this.answering.set(message.id, abandon);
    try {
      await this.post(message, abandon);
    } finally {
      this.answering.delete(message.id);
    }
  }

  private async post(message: JSONRPCMessage, abandon?: Abandon): Promise<void> {
    const body = JSON.stringify(message);
    const res = await this.exchange('POST', body, POST_HEADERS, abandon);
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw await statusError(res, 'POST');
    if (!isJsonRpcRequest(message)) {
      // A notification or an answer: accepted (202, or any 2xx some servers use) and nothing to read.
      res.resume();
      // Now the session is ready: listen for what the backend sends outside any call.
      if ('method' in message && message.method === 'notifications/initialized') void this.listen();
      return;
    }
    const type = mediaType(res.headers['content-type']);
    if (type === 'application/json') {
      const data: unknown = JSON.parse(await readText(res));
      for (const item of Array.isArray(data) ? data : [data]) this.deliver(item);
    } else if (type === 'text/event-stream') {
      await this.readAnswerStream(res, message.id, abandon);
    } else {
      res.resume();
      const what = status === 202 ? 'accepted the request without answering it' : `answered with "${type}"`;
      throw new HttpStatusError(status, `the backend ${what}`);
    }
  }

  /** Ends the backend's session (405: the backend does not end sessions on request, which is fine). */
  async terminateSession(): Promise<void> {
    if (this.sessionId === undefined) return;
    const res = await this.exchange('DELETE');
    res.resume();
    if (res.statusCode !== 200 && res.statusCode !== 204 && res.statusCode !== 405) {
      throw new HttpStatusError(res.statusCode ?? 0, 'the backend refused to end the session');
    }
    this.sessionId = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.listenTimer);
    for (const request of this.requests.values()) request.destroy();
    this.requests.clear();
    this.onclose?.();
  }

  /**
   * Reads the SSE answer of a request. A stream that ends before the answer is resumed from its last event id with a
   * GET (the 2025-11-25 polling pattern); without an id it cannot be, and the request fails at once instead of
   * waiting for its timeout.
   */
  private async readAnswerStream(first: IncomingMessage, id: RequestId, abandon?: Abandon): Promise<void> {
    let res = first;
    let lastEventId: string | undefined;
    for (let resumes = 0; ; resumes++) {
      const outcome = await this.readEvents(res, id);
      lastEventId = outcome.lastEventId ?? lastEventId;
      if (outcome.answered || this.closed || abandon?.abandoned) return;
      if (lastEventId === undefined || resumes === MAX_RESUMES) {
        const cause = outcome.error ? `: ${outcome.error.message}` : '';
        throw new Error(
          `the backend ended the stream of request ${JSON.stringify(id)} without answering it${cause}`,
        );
      }
      await delay(this.serverRetryMs ?? FIRST_RESUME_DELAY_MS * 1.5 ** resumes);
      res = await this.exchange('GET', undefined, ['accept', SSE, 'last-event-id', lastEventId], abandon);
      if (res.statusCode !== 200) throw await statusError(res, 'GET (resuming a stream)');
    }
  }

  /** The standalone GET stream; reopened when the backend ends it, given up after failures (405: not offered). */
  private async listen(lastEventId?: string, failures = 0): Promise<void> {
    if (this.closed) return;
    try {
      const res = await this.exchange(
        'GET',
        undefined,
        lastEventId === undefined ? ['accept', SSE] : ['accept', SSE, 'last-event-id', lastEventId],
      );
      if (res.statusCode === 405) return void res.resume();
      if (res.statusCode !== 200) throw await statusError(res, 'GET');
      failures = 0;
      lastEventId = (await this.readEvents(res)).lastEventId ?? lastEventId;
    } catch (error) {
      if (this.closed) return;
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      if (++failures > MAX_RESUMES) return;
    }
    if (this.closed) return;
    const wait = this.serverRetryMs ?? FIRST_RESUME_DELAY_MS * 1.5 ** failures;
    this.listenTimer = setTimeout(() => void this.listen(lastEventId, failures), wait).unref();
  }

  /** Delivers the messages of an event stream until it ends; notes whether the answer to `id` was among them. */
  private readEvents(
    res: IncomingMessage,
    id?: RequestId,
  ): Promise<{ answered: boolean; lastEventId: string | undefined; error?: Error }> {
    let answered = false;
    let lastEventId: string | undefined;
    const parser = createParser({
      onEvent: (event) => {
        if (event.id) lastEventId = event.id;
        // Priming events and keep-alives carry no data.
        if (!event.data || (event.event !== undefined && event.event !== 'message')) return;
        let message: unknown;
        try {
          message = JSON.parse(event.data);
        } catch {
          this.onerror?.(new Error(`the backend sent an event that is not JSON: ${clip(event.data, 200)}`));
          return;
        }
        if (id !== undefined && isJsonRpcResponse(message) && message.id === id) answered = true;
        this.deliver(message);
      },
      onRetry: (ms) => (this.serverRetryMs = ms),
    });
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => parser.feed(chunk));
    return new Promise((resolve) => {
      // Whichever comes first settles (end, close or error); `on` rather than `once`, as in exchange.
      res.on('end', () => resolve({ answered, lastEventId }));
      res.on('close', () => resolve({ answered, lastEventId }));
      res.on('error', (error) => resolve({ answered, lastEventId, error }));
    });
  }

  private deliver(message: unknown): void {
    if (isJsonRpcMessage(message)) this.onmessage?.(message);
    else this.onerror?.(new Error(`the backend sent something that is not JSON-RPC: ${preview(message)}`));
  }

  /**
   * One HTTP exchange with the session's headers; resolves with the response as soon as its head arrives. Follows
   * redirects within the backend's origin (as the SDK does), and retries once a request that met a keep-alive socket
   * the backend had just closed (it never reached the backend).
   */
  private exchange(
    method: string,
    body?: string,
    extra: readonly string[] = [],
    abandon?: Abandon,
  ): Promise<IncomingMessage> {
    if (this.closed) return Promise.reject(new Error('the connection is closed'));
    // Raw name/value pairs, all in lower case and each name once: node:http writes them as they are, without the
    // bookkeeping of a header object (its own Host and Authorization are in baseHeaders).
    const headers = this.baseHeaders.concat(extra);
    if (this.sessionId !== undefined) headers.push('mcp-session-id', this.sessionId);
    if (this.protocolVersion !== undefined) headers.push('mcp-protocol-version', this.protocolVersion);
    if (body !== undefined) headers.push('content-length', String(Buffer.byteLength(body)));

    const attempt = (url: URL, redirects: number, retried: boolean): Promise<IncomingMessage> =>
      new Promise((resolve, reject) => {
        const secure = url.protocol === 'https:';
        const target = url === this.url ? this.target : urlToHttpOptions(url);
        // One literal of one shape (node:http copies the options of every request it makes).
        const request = (secure ? httpsRequest : httpRequest)({
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          path: target.path,
          method,
          headers,
          // A retry takes a socket of its own: the pool may hold more sockets the backend has closed.
          agent: retried ? false : secure ? AGENTS.https : AGENTS.http,
        });
        const serial = this.requestsMade++;
        this.requests.set(serial, request);
        abandon?.watch(request);
        // `on` where an event comes once: `once` wraps the listener and removes it again, at every request.
        request.on('close', () => this.requests.delete(serial));
        request.once('error', (error: NodeJS.ErrnoException) => {
          const stale = error.code === 'ECONNRESET' || error.code === 'EPIPE';
          if (request.reusedSocket && stale && !retried && !this.closed && !abandon?.abandoned) {
            resolve(attempt(url, redirects, true));
          } else reject(error);
        });
        request.on('response', (res) => {
          const session = res.headers['mcp-session-id'];
          if (typeof session === 'string') this.sessionId = session;
          const location = res.headers.location;
          const status = res.statusCode ?? 0;
          if ((status === 307 || status === 308) && location && redirects < MAX_REDIRECTS) {
            const next = new URL(location, url);
            if (next.origin === this.url.origin) {
              res.resume();
              resolve(attempt(next, redirects + 1, retried));
              return;
            }
          }
          resolve(res);
        });
        request.end(body);
      });
    return attempt(this.url, 0, false);
  }
}

async function statusError(res: IncomingMessage, what: string): Promise<HttpStatusError> {
  const text = await readText(res).catch(() => '');
  const detail = text ? `: ${clip(text, 300)}` : '';
  return new HttpStatusError(res.statusCode ?? 0, `the backend refused the ${what}${detail}`);
}

function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_JSON_BYTES) res.destroy(new Error(`an answer larger than ${MAX_JSON_BYTES} bytes`));
      else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/**
 * Host, the URL's credentials as Basic authorization and the configured headers, as raw pairs. What node:http adds to
 * a header object by itself (Host, Authorization from the URL unless one is configured) it does not add to raw pairs.
 */
function baseHeaders(
  host: string,
  auth: string | null | undefined,
  configured: Record<string, string>,
): string[] {
  const byName = new Map<string, string>([['host', host]]);
  for (const [name, value] of Object.entries(configured)) {
    const key = name.toLowerCase();
    if (!PROTOCOL_HEADERS.has(key)) byName.set(key, value);
  }
  if (auth && !byName.has('authorization')) {
    byName.set('authorization', `Basic ${Buffer.from(auth).toString('base64')}`);
  }
  return [...byName].flat();
}

function preview(value: unknown): string {
  return clip(JSON.stringify(value) ?? String(value), 200);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
