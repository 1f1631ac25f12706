/**
 * Property test of the HTTP edge (the fast path in front of the app, and the app): random methods, paths, headers and
 * bodies, on open sessions and off them, sent over real sockets to a running gateway. Whatever comes in, the answer
 * is one of the statuses the edge is meant to give (never a 5xx), its body is JSON-RPC (JSON or SSE) or empty, no
 * request hangs, and afterwards the daemon and the sessions still serve on the one backend process there was. A
 * failure prints fast-check's seed and the shrunk request; the seed below makes runs repeatable.
 */
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

let gw: RunningGateway;
let port: number;
/** Live session ids: one on /mcp/faulty, one on /mcp. */
const sessions = { passthrough: '', meta: '' };

const JSON_TYPES = 'application/json, text/event-stream';
const ALLOWED_STATUS = new Set([200, 202, 400, 403, 404, 405, 406, 413, 415]);

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

/** One request on a fresh socket; a GET stream that opens is read up to its headers and closed. */
function send(sent: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: sent.method, path: sent.path, headers: sent.headers, agent: false },
      (res) => {
        const type = String(res.headers['content-type'] ?? '');
        if (sent.method === 'GET' && res.statusCode === 200 && type.startsWith('text/event-stream')) {
          res.destroy();
          return resolve({ status: 200, type, body: '' });
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type, body }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer within 10 s to ${JSON.stringify(sent)}`)));
    req.on('error', reject);
    req.end(sent.body);
  });
}

async function initialize(path: string): Promise<string> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
  });
  const headers = { 'content-type': 'application/json', accept: JSON_TYPES };
  const opened = await new Promise<string>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
      res.resume();
      resolve(String(res.headers['mcp-session-id']));
    });
    req.on('error', reject);
    req.end(body);
  });
  const initialized = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await send({ method: 'POST', path, headers: { ...headers, 'mcp-session-id': opened }, body: initialized });
  return opened;
}

beforeAll(async () => {
  gw = await startGateway(`
max_body_bytes: 2048
backends:
  faulty:
    command: node dist/test/fixtures/faulty-server.js
`);
  port = Number(new URL(gw.url).port);
  sessions.passthrough = await initialize('/mcp/faulty');
  sessions.meta = await initialize('/mcp');
});
afterAll(() => gw?.close());

const requestId = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }));
const echo = requestId.map((id) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'echo', arguments: { message: 'fuzz' } },
}));
const invoke = requestId.map((id) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'gateway_invoke', arguments: { server: 'faulty', tool: 'echo', arguments: {} } },
}));
const otherMethod = fc
  .constantFrom('ping', 'tools/list', 'resources/list', 'no/such/method')
  .chain((method) => requestId.map((id) => ({ jsonrpc: '2.0', id, method })));
const message = fc.oneof(
  { weight: 4, arbitrary: echo },
  { weight: 2, arbitrary: invoke },
  { weight: 2, arbitrary: otherMethod },
  { weight: 1, arbitrary: fc.constant({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }) },
  { weight: 1, arbitrary: requestId.map((id) => ({ jsonrpc: '2.0', id, result: {} })) },
  {
    weight: 1,
    arbitrary: fc.record({
      jsonrpc: fc.constantFrom('2.0', '1.0'),
      id: fc.jsonValue(),
      method: fc.jsonValue(),
    }),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
const body = fc.oneof(
  { weight: 8, arbitrary: message.map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.array(message, { maxLength: 3 }).map((ms) => JSON.stringify(ms)) },
  {
    weight: 1,
    arbitrary: message
      .map((m) => JSON.stringify(m))
      .chain((text) => fc.nat(text.length).map((n) => text.slice(0, n))),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(3000)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** A value drawn with the given weights: mostly well-formed requests, each field sometimes wrong. */
function weighted<T>(...choices: Array<[number, T]>): fc.Arbitrary<T> {
  return fc.oneof(...choices.map(([weight, value]) => ({ weight, arbitrary: fc.constant(value) })));
}

const request: fc.Arbitrary<Sent> = fc
  .record({
    method: weighted<string>([8, 'POST'], [1, 'GET'], [1, 'DELETE'], [1, 'PUT'], [1, 'OPTIONS']),
    path: weighted<string>(
      [6, '/mcp/faulty'],
      [4, '/mcp'],
      [1, '/mcp/faulty?x=1'],
      [1, '/mcp/nope'],
      [1, '/mcp/'],
      [1, '/mcp/faulty/extra'],
      [1, '/mcp/%2e%2e'],
      [1, '/mcp/fa%75lty'],
      [1, '/mcp/FAULTY'],
      [1, '/health/nope'],
      [1, '/nowhere'],
    ),
    // `own`: the live session of the path's endpoint; `other`: the other endpoint's (valid only there).
    session: weighted<'own' | 'other' | 'unknown' | 'none'>(
      [8, 'own'],
      [1, 'other'],
      [1, 'unknown'],
      [1, 'none'],
    ),
    accept: weighted<string | undefined>(
      [8, JSON_TYPES],
      [1, 'application/json'],
      [1, 'text/event-stream'],
      [1, '*/*'],
      [1, undefined],
    ),
    contentType: weighted<string | undefined>(
      [8, 'application/json'],
      [2, 'application/json; charset=utf-8'],
      [1, 'text/plain'],
      [1, undefined],
    ),
    version: weighted<string | undefined>(
      [5, '2025-11-25'],
      [2, '2025-06-18'],
      [2, undefined],
      [1, '1999-01-01'],
    ),
    origin: weighted<string | undefined>(
      [8, undefined],
      [2, 'http://localhost:3000'],
      [1, 'https://evil.example'],
      [1, 'null'],
    ),
    host: weighted<string | undefined>([12, undefined], [1, 'evil.example']),
    body,
  })
  .map((r) => {
    const headers: Record<string, string> = {};
    if (r.accept !== undefined) headers.accept = r.accept;
    if (r.contentType !== undefined) headers['content-type'] = r.contentType;
    if (r.version !== undefined) headers['mcp-protocol-version'] = r.version;
    if (r.origin !== undefined) headers.origin = r.origin;
    if (r.host !== undefined) headers.host = r.host;
    // Live sessions are not ended here (the runs after would lose them); an unknown id may be.
    const method = r.method === 'DELETE' && r.session !== 'unknown' ? 'POST' : r.method;
    const own = r.path.startsWith('/mcp/') ? sessions.passthrough : sessions.meta;
    const other = own === sessions.meta ? sessions.passthrough : sessions.meta;
    if (r.session === 'unknown') headers['mcp-session-id'] = 'not-a-session';
    else if (r.session !== 'none') headers['mcp-session-id'] = r.session === 'own' ? own : other;
    return { method, path: r.path, headers, body: method === 'GET' ? undefined : r.body };
  });

/** The JSON-RPC messages of an answer's body; throws if it is neither JSON nor SSE of JSON. */
function messagesOf(answer: Answer): unknown[] {
  if (answer.body === '') return [];
  if (answer.type.startsWith('text/event-stream')) {
    return answer.body
      .split('\n')
      .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
      .map((line) => JSON.parse(line.slice('data: '.length)) as unknown);
  }
  const parsed = JSON.parse(answer.body) as unknown;
  return Array.isArray(parsed) ? parsed : [parsed];
}

describe('the HTTP edge under random requests', () => {
  it('answers every request with a 2xx/4xx and a JSON-RPC body or none, and keeps serving', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (sent) => {
        const answer = await send(sent);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect(ALLOWED_STATUS, `${answer.status} for ${JSON.stringify(sent)}: ${answer.body}`).toContain(
          answer.status,
        );
        // As the router sees the path: `/mcp/%2e%2e` is `/`, which answers the gateway's index, not JSON-RPC.
        const routed = new URL(sent.path, 'http://gateway').pathname;
        for (const m of messagesOf(answer)) {
          if (routed.startsWith('/mcp')) expect(m).toMatchObject({ jsonrpc: '2.0' });
        }
      }),
      { numRuns: 400, seed: 20261121, endOnFailure: true },
    );
    // The runs reached the lane, the app and the guards alike.
    for (const status of [200, 202, 400, 403, 404, 406, 413, 415])
      expect(statuses.get(status)).toBeGreaterThan(0);

    // Still serving: the daemon, and the passthrough session on the fast path.
    expect((await send({ method: 'GET', path: '/livez', headers: {}, body: undefined })).status).toBe(200);
    const echo = await send({
      method: 'POST',
      path: '/mcp/faulty',
      headers: {
        'content-type': 'application/json',
        accept: JSON_TYPES,
        'mcp-session-id': sessions.passthrough,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'after',
        method: 'tools/call',
        params: { name: 'echo', arguments: { message: 'still here' } },
      }),
    });
    expect(messagesOf(echo)).toEqual([
      { jsonrpc: '2.0', id: 'after', result: { content: [{ type: 'text', text: 'still here' }] } },
    ]);
    // One backend process throughout: no input crashed it or made the gateway start another.
    const [faulty] = gw.gateway.registry.status();
    expect(faulty).toMatchObject({ name: 'faulty', state: 'running', restart_count: 0 });
    expect(faulty!.pids).toHaveLength(1);
  });
});
