/**
 * The fast path of /mcp/<backend> (http/fast-path.ts): a POST carrying one request on an open session is answered
 * from node:http, past the SDK transport and Server. Its answer is an SSE stream of known length (the SDK's own are
 * chunked, which is how these tests tell the paths apart); everything it does not take must still be answered as the
 * SDK answers it, and cancellation and session end must reach the backend.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { scrape } from '../helpers/scrape.js';

let gw: RunningGateway;
let url: string;

beforeAll(async () => {
  gw = await startGateway(`
max_body_bytes: 4096
backends:
  faulty:
    command: node dist/test/fixtures/faulty-server.js
  slow:
    command: node dist/test/fixtures/faulty-server.js
    env:
      FAULTY_START_DELAY_MS: "700"
`);
  url = `${gw.url}/mcp/faulty`;
});
afterAll(() => gw?.close());

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface Answer {
  status: number;
  headers: Headers;
  messages: Array<{
    id?: unknown;
    result?: unknown;
    error?: { code: number; message: string };
    method?: string;
  }>;
}

async function post(body: unknown, headers: Record<string, string> = {}, to = url): Promise<Answer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(to, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: text });
  return { status: response.status, headers: response.headers, messages: parseBody(await response.text()) };
}

/** The JSON-RPC messages of an SSE or JSON body. */
function parseBody(text: string): Answer['messages'] {
  if (!text) return [];
  if (!text.startsWith('event:') && !text.startsWith('data:') && !text.startsWith(':'))
    return [JSON.parse(text)];
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 'data: '.length)
    .map((line) => JSON.parse(line.slice('data: '.length)));
}

async function openSession(to = url): Promise<Record<string, string>> {
  const init = await post(
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
    {},
    to,
  );
  const session = {
    'mcp-session-id': init.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-11-25',
  };
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session, to);
  return session;
}

function call(id: number, name: string, args: Record<string, unknown>) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

async function cancellations(session: Record<string, string>): Promise<string[]> {
  const answer = await post(call(900 + Math.floor(Math.random() * 1000), 'cancellations', {}), session);
  const result = answer.messages[0]?.result as { content: Array<{ text: string }> };
  return JSON.parse(result.content[0]!.text) as string[];
}

describe('the fast path of /mcp/<backend>', () => {
  it('answers one request as one SSE event of known length, with the session and request ids', async () => {
    const session = await openSession();
    const answer = await post(call(1, 'echo', { message: 'fast' }), {
      ...session,
      'x-request-id': 'req-fast-1',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/event-stream');
    expect(answer.headers.get('content-length')).not.toBeNull();
    expect(answer.headers.get('mcp-session-id')).toBe(session['mcp-session-id']);
    expect(answer.headers.get('x-request-id')).toBe('req-fast-1');
    expect(answer.messages).toEqual([
      { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'fast' }] } },
    ]);
  });

  it('counts its answers as the app counts its own: by route pattern and status', async () => {
    const session = await openSession();
    const ok = { route: '/mcp/:backend', code: '200' };
    const bad = { route: '/mcp/:backend', code: '400' };
    const before = await scrape(gw.url);
    await post(call(30, 'echo', { message: 'counted' }), session);
    await post('{', session);
    const after = await scrape(gw.url);
    expect(
      after.value('mcp_gateway_http_requests_total', ok) -
        before.value('mcp_gateway_http_requests_total', ok),
    ).toBe(1);
    expect(
      after.value('mcp_gateway_http_requests_total', bad) -
        before.value('mcp_gateway_http_requests_total', bad),
    ).toBe(1);
  });

  it('accepts notifications/initialized itself with the headers the SDK gives any notification', async () => {
    const session = await openSession();
    const headers = { ...session, 'x-request-id': 'req-initialized' };
    const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
    const other = await post({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }, headers);
    expect(initialized.status).toBe(202);
    expect(initialized.headers.get('x-request-id')).toBe('req-initialized');
    expect(initialized.messages).toEqual([]);
    expect(other.status).toBe(202);
    const names = (answer: Answer) => [...answer.headers.keys()].filter((name) => name !== 'date');
    expect(names(initialized)).toEqual(names(other));
  });

  it("passes a backend's JSON-RPC error through unchanged", async () => {
    const session = await openSession();
    const answer = await post({ jsonrpc: '2.0', id: 'x', method: 'no/such/method' }, session);
    expect(answer.messages).toEqual([
      { jsonrpc: '2.0', id: 'x', error: { code: -32601, message: 'Method not found' } },
    ]);
  });

  it('leaves ping, batches and notifications to the SDK, which answers them as before', async () => {
    const session = await openSession();
    const ping = await post({ jsonrpc: '2.0', id: 2, method: 'ping' }, session);
    expect(ping.headers.get('content-length')).toBeNull(); // the SDK's chunked stream
    expect(ping.messages).toEqual([{ jsonrpc: '2.0', id: 2, result: {} }]);

    const batch = await post([call(3, 'echo', { message: 'a' }), call(4, 'echo', { message: 'b' })], session);
    expect(batch.status).toBe(200);
    expect(batch.messages.map((m) => m.id).sort()).toEqual([3, 4]);

    const note = await post({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }, session);
    expect(note.status).toBe(202);
  });

  it('refuses malformed JSON on an open session with a parse error, and the session goes on', async () => {
    const session = await openSession();
    const bad = await post('{"jsonrpc": "2.0", "id": 5, "method": ', session);
    expect(bad.status).toBe(400);
    expect(bad.messages[0]?.error?.code).toBe(-32700);
    const good = await post(call(6, 'echo', { message: 'after' }), session);
    expect(good.messages[0]?.result).toEqual({ content: [{ type: 'text', text: 'after' }] });
  });

  it('refuses an unsupported MCP-Protocol-Version on an open session as the SDK does', async () => {
    const session = await openSession();
    const answer = await post(call(7, 'echo', { message: 'x' }), {
      ...session,
      'mcp-protocol-version': '1999-01-01',
    });
    expect(answer.status).toBe(400);
    expect(answer.messages[0]?.error?.message).toMatch(/Unsupported protocol version/);
  });

  it('answers a chunked body (no Content-Length) through the SDK', async () => {
    const session = await openSession();
    const target = new URL(url);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { ...MCP_HEADERS, ...session, 'transfer-encoding': 'chunked' },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      const json = JSON.stringify(call(8, 'echo', { message: 'chunked' }));
      req.write(json.slice(0, 10));
      req.end(json.slice(10));
    });
    expect(parseBody(body)[0]?.result).toEqual({ content: [{ type: 'text', text: 'chunked' }] });
  });

  it('refuses a second request with the id of one in flight; a cancellation ends the first at the backend', async () => {
    const session = await openSession();
    const hanging = post(call(9, 'hang', { tag: 'fast-cancel' }), session);
    await until(() => gw.gateway.registry.callsInFlight > 0, 'the hang call to reach the backend');

    const twin = await post(call(9, 'echo', { message: 'twin' }), session);
    expect(twin.messages[0]?.error?.message).toMatch(/already in flight/);

    const cancel = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 9, reason: 'test' },
    };
    expect((await post(cancel, session)).status).toBe(202);
    // A cancelled request gets no answer: its stream ends empty.
    expect((await hanging).messages).toEqual([]);
    await until(
      async () => (await cancellations(session)).includes('fast-cancel'),
      'the cancellation at the backend',
    );
  });

  it('ends the responses of calls in flight when their session is deleted, and cancels them at the backend', async () => {
    const session = await openSession();
    const hanging = post(call(10, 'hang', { tag: 'fast-delete' }), session);
    await until(() => gw.gateway.registry.callsInFlight > 0, 'the hang call to reach the backend');
    const deleted = await fetch(url, { method: 'DELETE', headers: session });
    expect(deleted.status).toBe(200);
    expect((await hanging).messages).toEqual([]);

    const observer = await openSession();
    await until(
      async () => (await cancellations(observer)).includes('fast-delete'),
      'the cancellation at the backend',
    );
  });
  it('does not start a request whose cancellation arrived first (it overtook it on another connection)', async () => {
    const session = await openSession();
    const cancel = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 11, reason: 'early' },
    };
    expect((await post(cancel, session)).status).toBe(202);
    const answer = await post(call(11, 'hang', { tag: 'overtaken' }), session);
    expect(answer.messages).toEqual([]);
    expect(gw.gateway.registry.callsInFlight).toBe(0);
    // The id is free again: the next request with it is served.
    const again = await post(call(11, 'echo', { message: 'reused' }), session);
    expect(again.messages[0]?.result).toEqual({ content: [{ type: 'text', text: 'reused' }] });
  });
});

/** One POST with headers as raw pairs (so that a header may come twice); resolves with status and body. */
function rawPost(headers: string[], body: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the guards in front of the fast path, with an open session', () => {
  const sessionHeaders = (session: Record<string, string>) =>
    Object.entries({ ...MCP_HEADERS, ...session }).flat();

  it('refuses a foreign Host or Origin with 403', async () => {
    const session = await openSession();
    const body = JSON.stringify(call(20, 'echo', { message: 'host' }));
    const length = ['content-length', String(Buffer.byteLength(body))];
    const host = await rawPost(['host', 'evil.example', ...sessionHeaders(session), ...length], body);
    expect(host.status).toBe(403);
    expect(host.body).toMatch(/Host header is not allowed/);
    const origin = await post(call(21, 'echo', { message: 'origin' }), {
      ...session,
      origin: 'https://evil.example',
    });
    expect(origin.status).toBe(403);
    expect(origin.messages[0]?.error?.message).toMatch(/Origin is not allowed/);
  });

  it('refuses a second Host header, even after an allowed one', async () => {
    const session = await openSession();
    const target = new URL(url);
    const body = JSON.stringify(call(22, 'echo', { message: 'two hosts' }));
    const twoHosts = ['host', target.host, 'host', 'evil.example', ...sessionHeaders(session)];
    const answer = await rawPost([...twoHosts, 'content-length', String(Buffer.byteLength(body))], body);
    expect(answer.status).toBe(403);
  });

  it('reads a body that arrives after its headers, and outlives a client that leaves halfway through one', async () => {
    const session = await openSession();
    const body = JSON.stringify(call(25, 'echo', { message: 'late body' }));
    const target = new URL(url);
    const send = (leave: boolean) =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            headers: { ...MCP_HEADERS, ...session, 'content-length': String(Buffer.byteLength(body)) },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', (error) => (leave ? resolve('') : reject(error)));
        req.flushHeaders();
        req.write(body.slice(0, 12));
        setTimeout(() => (leave ? req.destroy() : req.end(body.slice(12))), 100);
      });
    expect(parseBody(await send(false))[0]?.result).toEqual({
      content: [{ type: 'text', text: 'late body' }],
    });
    await send(true);
    const after = await post(call(26, 'echo', { message: 'still here' }), session);
    expect(after.messages[0]?.result).toEqual({ content: [{ type: 'text', text: 'still here' }] });
  });

  it('refuses a body over max_body_bytes by its Content-Length with 413', async () => {
    const session = await openSession();
    const answer = await post(call(23, 'echo', { message: 'x'.repeat(5000) }), session);
    expect(answer.status).toBe(413);
    expect(answer.messages[0]?.error?.message).toMatch(/max_body_bytes/);
  });

  it('answers a parse error with the request id, and a path with a query through the SDK', async () => {
    const session = await openSession();
    const bad = await post('{', { ...session, 'x-request-id': 'req-bad-json' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-request-id')).toBe('req-bad-json');
    const query = await post(call(24, 'echo', { message: 'q' }), session, `${url}?via=query`);
    expect(query.headers.get('content-length')).toBeNull(); // the SDK's chunked stream
    expect(query.messages[0]?.result).toEqual({ content: [{ type: 'text', text: 'q' }] });
  });
});

describe('the fast path of /mcp', () => {
  it('answers tools/call of the meta-tools, gateway_invoke included', async () => {
    const meta = `${gw.url}/mcp`;
    const session = await openSession(meta);
    const args = { server: 'faulty', tool: 'echo', arguments: { message: 'via invoke' } };
    const answer = await post(call(1, 'gateway_invoke', args), session, meta);
    expect(answer.headers.get('content-length')).not.toBeNull();
    expect(answer.messages).toEqual([
      { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'via invoke' }] } },
    ]);
  });

  it('leaves a malformed tools/call and tools/list to the SDK Server', async () => {
    const meta = `${gw.url}/mcp`;
    const session = await openSession(meta);
    const malformed = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: {} }, session, meta);
    expect(malformed.headers.get('content-length')).toBeNull();
    expect(malformed.messages[0]?.error?.code).toBe(-32603); // as the SDK Server answers it
    const list = await post({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, session, meta);
    expect(list.headers.get('content-length')).toBeNull();
    expect((list.messages[0]?.result as { tools: unknown[] }).tools).toHaveLength(4);
  });

  it('ends a call cancelled while its backend is still starting without sending it there', async () => {
    const meta = `${gw.url}/mcp`;
    const session = await openSession(meta);
    const args = { server: 'slow', tool: 'hang', arguments: { tag: 'never-sent' } };
    const started = Date.now();
    const pending = post(call(5, 'gateway_invoke', args), session, meta);
    const starting = () => gw.gateway.registry.status().find((b) => b.name === 'slow')?.state === 'starting';
    await until(starting, 'the start of the backend');
    const cancel = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 5, reason: 'no' },
    };
    await post(cancel, session, meta);
    // Ended (with no answer) once the backend is up; a `hang` sent to it would hold the call for its 60 s timeout.
    expect((await pending).messages).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
