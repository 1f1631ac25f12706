/**
 * @module bench/mcp-client: the load client's MCP, kept cheap on purpose so that the client is never what limits a
 * measurement: raw JSON-RPC over keep-alive `node:http` (Streamable HTTP: initialize, read Mcp-Session-Id, send
 * notifications/initialized, then POST requests and read the single JSON or SSE `data:` answer), and JSON lines on
 * a child's stdin/stdout for a direct stdio connection. No SDK Client, no schema validation.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export const PROTOCOL_VERSION = '2025-06-18';
const REQUEST_TIMEOUT_MS = 30_000;
export const CLIENT_INFO = { name: 'mcp-gateway-bench', version: '1.0.0' };

/** A JSON-RPC error answer (the call reached a server and was refused). */
export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`JSON-RPC ${code}: ${message}`);
  }
}

export interface RpcClient {
  /** Sends one request; resolves with its `result`, rejects with RpcFailure or a transport error. */
  request(method: string, params?: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

type Pending = Map<number, { resolve(v: unknown): void; reject(e: Error): void }>;

/** Hands an answer to the call waiting for its id; anything else (a notification, a late answer) is dropped. */
function settle(pending: Pending, message: JsonRpcAnswer): void {
  if (typeof message.id !== 'number') return;
  const waiting = pending.get(message.id);
  if (!waiting) return;
  pending.delete(message.id);
  if (message.error) waiting.reject(new RpcFailure(message.error.code, message.error.message));
  else waiting.resolve(message.result);
}

export interface JsonRpcAnswer {
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string };
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A keep-alive pool for one load target; sockets are reused across requests and sessions. */
export function createAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
}

function send(
  agent: Agent,
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer to request `id` in a JSON body or in the `data:` lines of an SSE body. */
export function readAnswer(answer: HttpAnswer, id: number): JsonRpcAnswer {
  const type = answer.headers['content-type'] ?? '';
  if (answer.status >= 400 && !type.includes('json')) {
    throw new Error(`HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
  }
  if (type.startsWith('text/event-stream')) {
    for (const line of answer.text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const message = JSON.parse(line.slice(5)) as JsonRpcAnswer;
      if (message.id === id) return message;
    }
    throw new Error(`HTTP ${answer.status}: no answer to request ${id} in the event stream`);
  }
  return JSON.parse(answer.text) as JsonRpcAnswer;
}

export function unwrap(message: JsonRpcAnswer): unknown {
  if (message.error) throw new RpcFailure(message.error.code, message.error.message);
  return message.result;
}

/** One Streamable HTTP client session on `url` (a gateway endpoint or a backend directly). */
export class HttpMcpSession implements RpcClient {
  private nextId = 1;
  private readonly headers: Record<string, string>;

  private constructor(
    private readonly agent: Agent,
    private readonly url: URL,
    readonly sessionId: string,
  ) {
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': PROTOCOL_VERSION,
    };
  }

  static async open(agent: Agent, url: string | URL): Promise<HttpMcpSession> {
    const target = new URL(url);
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
    };
    const answer = await send(agent, target, 'POST', headers, JSON.stringify(init));
    unwrap(readAnswer(answer, 0));
    const sessionId = answer.headers['mcp-session-id'];
    if (typeof sessionId !== 'string') throw new Error(`initialize at ${target.href} gave no Mcp-Session-Id`);
    const session = new HttpMcpSession(agent, target, sessionId);
    const ack = await send(
      agent,
      target,
      'POST',
      session.headers,
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
    );
    if (ack.status !== 202) throw new Error(`notifications/initialized answered HTTP ${ack.status}`);
    return session;
  }

  /** A session opened elsewhere (another replica), its requests sent to `url`: nothing is sent until the first. */
  static attach(agent: Agent, url: string | URL, sessionId: string): HttpMcpSession {
    return new HttpMcpSession(agent, new URL(url), sessionId);
  }

  async request(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    return unwrap(readAnswer(await send(this.agent, this.url, 'POST', this.headers, body), id));
  }

  /** Ends the session (DELETE); a failure is ignored, the process is stopped afterwards anyway. */
  async close(): Promise<void> {
    await send(this.agent, this.url, 'DELETE', this.headers).catch(() => undefined);
  }
}

/**
 * One session over the older HTTP+SSE transport (2024-11-05): a GET opens an event stream whose first `endpoint`
 * event names where to POST messages; answers come back as `message` events on that stream, matched by id. For a
 * peer that serves only this transport; the stream holds its own connection, the POSTs go through `agent`.
 */
export class SseMcpSession implements RpcClient {
  private nextId = 1;
  private buffer = '';
  private readonly pending: Pending = new Map();
  private endpoint: URL | undefined;
  private closed = false;
  private stream: ReturnType<typeof httpRequest> | undefined;
  private readonly headers = { 'content-type': 'application/json' };

  private constructor(
    private readonly agent: Agent,
    private readonly url: URL,
  ) {}

  static async open(agent: Agent, url: string | URL): Promise<SseMcpSession> {
    const session = new SseMcpSession(agent, new URL(url));
    await session.connect();
    await session.request('initialize', {
      protocolVersion: '2024-11-05',
      capabilities: {},
      clientInfo: CLIENT_INFO,
    });
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const ack = await send(agent, session.endpoint!, 'POST', session.headers, body);
    if (ack.status >= 300) throw new Error(`notifications/initialized answered HTTP ${ack.status}`);
    return session;
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no endpoint event within 10 s')), 10_000);
      const req = httpRequest(
        {
          agent: false,
          host: this.url.hostname,
          port: this.url.port,
          path: this.url.pathname,
          method: 'GET',
          headers: { accept: 'text/event-stream' },
        },
        (res) => {
          if (res.statusCode !== 200) {
            clearTimeout(timer);
            res.resume();
            return reject(new Error(`HTTP ${res.statusCode} on GET ${this.url.pathname}`));
          }
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            this.receive(chunk);
            if (this.endpoint) {
              clearTimeout(timer);
              resolve();
            }
          });
          res.on('close', () => this.fail(new Error('event stream closed')));
        },
      );
      req.on('error', (error) => {
        clearTimeout(timer);
        this.fail(error);
        reject(error);
      });
      req.end();
      this.stream = req;
    });
  }

  request(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    if (this.closed || !this.endpoint) return Promise.reject(new Error('SSE session is not open'));
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    send(this.agent, this.endpoint, 'POST', this.headers, body).then(
      (posted) => {
        if (posted.status >= 300)
          this.settle(id, new Error(`HTTP ${posted.status}: ${posted.text.slice(0, 200)}`));
      },
      (error: Error) => this.settle(id, error),
    );
    return answer;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stream?.destroy();
    this.fail(new Error('SSE session closed'));
  }

  private settle(id: number, error: Error): void {
    const waiting = this.pending.get(id);
    this.pending.delete(id);
    waiting?.reject(error);
  }

  private fail(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private receive(chunk: string): void {
    this.buffer += chunk.replaceAll('\r\n', '\n');
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (event === 'endpoint') this.endpoint = new URL(data, this.url);
      else if (event === 'message' && data) {
        settle(this.pending, JSON.parse(data) as JsonRpcAnswer);
      }
    }
  }
}

/** A direct stdio connection: the client's own child process, requests matched to answers by id. */
export class StdioMcpConnection implements RpcClient {
  private nextId = 1;
  private buffer = '';
  private readonly pending: Pending = new Map();
  private exited = false;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.receive(chunk));
    child.stderr.resume();
    child.once('exit', (code, signal) => {
      this.exited = true;
      const error = new Error(`stdio backend exited (${signal ?? code})`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  static async spawn(command: string, args: string[]): Promise<StdioMcpConnection> {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = new StdioMcpConnection(child);
    await connection.request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: CLIENT_INFO,
    });
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    return connection;
  }

  request(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('stdio backend has exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  /** Closes stdin (the server exits on EOF); SIGKILL by pid if it has not exited within a second. */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1_000);
    await exited;
    clearTimeout(timer);
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (!line.trim()) continue;
      settle(this.pending, JSON.parse(line) as JsonRpcAnswer);
    }
  }
}
