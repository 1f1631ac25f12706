/**
 * @module bench/groups/http-clients: what the client side of a request to an HTTP backend costs. The gateway's own
 * transport (src/backends/http-client.ts, on node:http) against undici's Pool, both in this process, tools/call echo
 * at concurrency 16 with rounds interleaved, against the SDK's echo server and the SDK-less one: the load client's
 * CPU per request. Then what undici costs to load: a first request's time and the memory it adds, each in a fresh
 * process (bench/first-request.ts). Opt-in (`BENCH_ONLY=http-clients`): it answers whether undici would earn its
 * place in the gateway, and sets no target.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { HttpClientTransport } from '../../src/backends/http-client.js';
import { isJsonRpcResponse } from '../../src/json-rpc.js';
import { echoCall } from '../calls.js';
import { median } from '../loop.js';
import {
  CLIENT_INFO,
  PROTOCOL_VERSION,
  readAnswer,
  unwrap,
  type JsonRpcAnswer,
  type RpcClient,
} from '../mcp-client.js';
import { runBlock, type Summary } from '../measure.js';
import { startHttpEcho } from '../processes.js';

const CONCURRENCY = 16;
const FIRST_REQUEST = fileURLToPath(new URL('../first-request.js', import.meta.url));
const GATEWAY_CLIENT = 'gateway transport (node:http)';
const UNDICI_CLIENT = 'undici Pool';

export interface HttpClientsResult {
  rows: Array<{ backend: string; client: string; summary: Summary }>;
  /** Median of three fresh processes each. */
  firstRequest: Array<{ client: string; ms: number; rssAddedMb: number }>;
}

/** One backend session through the gateway's transport, as a connection drives it (answers matched by id). */
async function gatewaySession(url: URL): Promise<RpcClient> {
  const transport = new HttpClientTransport(url);
  const waiting = new Map<unknown, (answer: JsonRpcAnswer) => void>();
  transport.onmessage = (message) => {
    if (!isJsonRpcResponse(message)) return;
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  };
  let nextId = 0;
  const request = async (method: string, params: Record<string, unknown> = {}) => {
    const id = nextId++;
    const answered = new Promise<JsonRpcAnswer>((resolve) => waiting.set(id, resolve));
    await transport.send({ jsonrpc: '2.0', id, method, params });
    return unwrap(await answered);
  };
  await request('initialize', {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: CLIENT_INFO,
  });
  transport.setProtocolVersion(PROTOCOL_VERSION);
  await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    request,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await transport.close();
    },
  };
}

/** One backend session through undici's Pool: POST, the body read whole, the answer read as the load client reads it. */
async function undiciSession(pool: Pool, url: URL): Promise<RpcClient> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  let nextId = 0;
  const post = async (message: object) => {
    const res = await pool.request({
      path: url.pathname,
      method: 'POST',
      headers,
      body: JSON.stringify(message),
    });
    const answer = { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    const session = res.headers['mcp-session-id'];
    if (typeof session === 'string') headers['mcp-session-id'] = session;
    return answer;
  };
  const request = async (method: string, params: Record<string, unknown> = {}) => {
    const id = nextId++;
    return unwrap(readAnswer(await post({ jsonrpc: '2.0', id, method, params }), id));
  };
  await request('initialize', {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: CLIENT_INFO,
  });
  headers['mcp-protocol-version'] = PROTOCOL_VERSION;
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return { request, close: async () => undefined };
}

function firstRequest(client: string): { client: string; ms: number; rssAddedMb: number } {
  const runs = Array.from({ length: 3 }, () => {
    const run = spawnSync(process.execPath, ['--expose-gc', FIRST_REQUEST, client], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`first-request ${client} failed: ${run.stderr.slice(0, 300)}`);
    return JSON.parse(run.stdout) as { ms: number; rssAddedMb: number };
  });
  return { client, ms: median(runs.map((r) => r.ms)), rssAddedMb: median(runs.map((r) => r.rssAddedMb)) };
}

export async function httpClientsGroup(): Promise<HttpClientsResult> {
  const rows: HttpClientsResult['rows'] = [];
  for (const raw of [false, true]) {
    const backend = raw ? 'SDK-less echo' : 'SDK echo';
    const echo = await startHttpEcho(raw);
    const url = new URL(echo.url);
    const pool = new Pool(url.origin, { connections: CONCURRENCY });
    const opened: RpcClient[] = [];
    try {
      const gateway = await Promise.all(Array.from({ length: CONCURRENCY }, () => gatewaySession(url)));
      opened.push(...gateway);
      const undici = await Promise.all(Array.from({ length: CONCURRENCY }, () => undiciSession(pool, url)));
      process.stderr.write(`  ${backend} c=${CONCURRENCY} …\n`);
      const result = await runBlock(
        [
          { label: GATEWAY_CLIENT, probe: {}, call: echoCall(gateway) },
          { label: UNDICI_CLIENT, probe: {}, call: echoCall(undici) },
        ],
        CONCURRENCY,
      );
      for (const [client, summary] of result) rows.push({ backend, client, summary });
    } finally {
      for (const session of opened) await session.close();
      await pool.close();
      await echo.stop();
    }
  }
  process.stderr.write('  first request, fresh processes …\n');
  return { rows, firstRequest: ['node:http', 'undici'].map(firstRequest) };
}
