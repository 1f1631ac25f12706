/**
 * Bad input at the HTTP edge: each gets a precise 4xx with a JSON body, nothing is started for it, and the gateway
 * keeps serving the next good request.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';
import { MCP_HEADERS } from '../helpers/raw-mcp.js';

let gw: RunningGateway;
const MAX_BODY = 64 * 1024;

beforeAll(async () => {
  gw = await startGateway(`
max_body_bytes: ${MAX_BODY}
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
`);
});
afterAll(() => gw?.close());

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
};

async function post(path: string, body: string, headers: Record<string, string> = MCP_HEADERS) {
  const response = await fetch(`${gw.url}${path}`, { method: 'POST', headers, body });
  return {
    status: response.status,
    body: (await response.json()) as { error?: { code: number; message: string; data?: unknown } },
  };
}

/** Raw node:http, because fetch forbids setting Host and cannot send a chunked body of a given size simply. */
function raw(options: {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  chunks?: Buffer[];
}) {
  const url = new URL(gw.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: options.path,
        method: options.method ?? 'POST',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

describe('bad input at the HTTP edge', () => {
  it('malformed JSON → 400 parse error', async () => {
    const { status, body } = await post('/mcp/toolbox', '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(status).toBe(400);
    expect(body.error?.code).toBe(-32700);
  });

  it('wrong content type → 415', async () => {
    const { status, body } = await post('/mcp/toolbox', JSON.stringify(INIT), {
      ...MCP_HEADERS,
      'content-type': 'text/plain',
    });
    expect(status).toBe(415);
    expect(body.error?.message).toMatch(/Content-Type must be application\/json/);
  });

  it('missing text/event-stream in Accept → 406', async () => {
    const { status } = await post('/mcp/toolbox', JSON.stringify(INIT), {
      ...MCP_HEADERS,
      accept: 'application/json',
    });
    expect(status).toBe(406);
  });

  it('a request that is not initialize and has no session → 400 invalid request with its id', async () => {
    const { status, body } = await post(
      '/mcp/toolbox',
      JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    );
    expect(status).toBe(400);
    expect(body.error?.code).toBe(-32600);
    expect((body as { id?: unknown }).id).toBe(7);
  });

  it('unknown backend → 404 naming the known ones', async () => {
    const { status, body } = await post('/mcp/nope', JSON.stringify(INIT));
    expect(status).toBe(404);
    expect(body.error?.message).toBe('unknown backend "nope"');
    expect(body.error?.data).toEqual({ known: ['toolbox'] });
  });

  it.each(['/mcp/..%2f..%2fetc', '/mcp/%2e%2e', '/mcp/TOOLBOX', '/mcp/toolbox%00'])(
    'odd backend path %s → 404',
    async (path) => {
      const { status } = await raw({
        path,
        headers: MCP_HEADERS,
        chunks: [Buffer.from(JSON.stringify(INIT))],
      });
      expect(status).toBe(404);
    },
  );

  it('unknown session id → 404, so clients re-initialize', async () => {
    const { status, body } = await post(
      '/mcp/toolbox',
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      {
        ...MCP_HEADERS,
        'mcp-session-id': 'not-a-session',
      },
    );
    expect(status).toBe(404);
    expect(body.error?.code).toBe(-32001);
  });

  it('GET without a session → 400', async () => {
    const response = await fetch(`${gw.url}/mcp/toolbox`, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(400);
  });

  it.each([
    ['foreign Origin', { origin: 'http://evil.example' }],
    ['Origin null', { origin: 'null' }],
    ['loopback look-alike Origin', { origin: 'http://localhost.evil.example' }],
    ['Origin with a path', { origin: 'http://localhost/path' }],
    ['non-http Origin', { origin: 'ftp://localhost' }],
    ['two Origins', { origin: 'http://localhost, http://evil.example' }],
  ])('%s → 403', async (_label, extra) => {
    const { status, body } = await post('/mcp/toolbox', JSON.stringify(INIT), { ...MCP_HEADERS, ...extra });
    expect(status).toBe(403);
    expect(body.error?.message).toMatch(/Origin is not allowed/);
  });

  it('foreign Host → 403, on every route', async () => {
    for (const path of ['/mcp/toolbox', '/health']) {
      const { status, body } = await raw({ path, method: 'GET', headers: { host: 'evil.example' } });
      expect(status).toBe(403);
      expect(body).toMatch(/Host header is not allowed/);
    }
  });

  it('a loopback Origin is allowed', async () => {
    const { status } = await post('/mcp/nope', JSON.stringify(INIT), {
      ...MCP_HEADERS,
      origin: 'http://localhost:5173',
    });
    expect(status).toBe(404); // got past the guard to the route
  });

  it('oversized body by Content-Length → 413', async () => {
    const big = JSON.stringify({ ...INIT, pad: 'x'.repeat(MAX_BODY) });
    const { status, body } = await post('/mcp/toolbox', big);
    expect(status).toBe(413);
    expect(body.error?.message).toMatch(/max_body_bytes/);
  });

  it('oversized chunked body (no Content-Length) → 413', async () => {
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const { status } = await raw({
      path: '/mcp/toolbox',
      headers: { ...MCP_HEADERS, 'transfer-encoding': 'chunked' },
      chunks: Array.from({ length: 8 }, () => chunk),
    });
    expect(status).toBe(413);
  });

  it('unknown route → 404 JSON', async () => {
    const response = await fetch(`${gw.url}/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { message: 'Not Found: GET /nowhere' } });
  });

  it('nothing was started by any of it, and the gateway still serves', async () => {
    expect(gw.gateway.registry.status()[0]?.state).toBe('stopped');
    const { client } = await connectClient(`${gw.url}/mcp/toolbox`);
    const result = await client.callTool({ name: 'echo', arguments: { message: 'still here' } });
    expect(firstText(result)).toContain('still here');
    await client.close();
  });
});

describe('a session flood', () => {
  const initialize = (url: string) =>
    fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT) }).then(async (res) => ({
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      session: res.headers.get('mcp-session-id'),
      body: await res.text(),
    }));
  const ping = (url: string, session: string | null) =>
    fetch(url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': session!, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
    }).then((res) => res.status);

  it('refuses sessions beyond max_sessions with 503 and when to retry while every session is busy, and recovers when one ends', async () => {
    const capped = await startGateway(`
max_sessions: 2
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
`);
    try {
      // SDK clients hold a GET stream open: busy sessions, never evicted.
      const first = await connectClient(`${capped.url}/mcp/toolbox`);
      await connectClient(`${capped.url}/mcp/toolbox`);
      await until(() => capped.gateway.sessions.count() === 2, 'two sessions');
      const refused = await initialize(`${capped.url}/mcp/toolbox`);
      expect(refused.status).toBe(503);
      expect(refused.retryAfter).toBe('1');
      expect(JSON.parse(refused.body)).toMatchObject({
        error: { message: expect.stringMatching(/max_sessions.*retry in 1 s/), data: { retry_after_s: 1 } },
        id: 1,
      });
      expect(capped.gateway.sessions.count()).toBe(2);

      await first.transport.terminateSession();
      const again = await connectClient(`${capped.url}/mcp/toolbox`);
      expect(
        firstText(await again.client.callTool({ name: 'echo', arguments: { message: 'room again' } })),
      ).toContain('room again');
    } finally {
      await capped.close();
    }
  });

  it('counts a session from the moment it is admitted: 40 concurrent initializes, 10 places', async () => {
    const capped = await startGateway(`
max_sessions: 10
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
    scope: session
`);
    try {
      const url = `${capped.url}/mcp/toolbox`;
      const outcomes = await Promise.all(Array.from({ length: 40 }, () => initialize(url)));
      const opened = outcomes.filter((o) => o.status === 200);
      expect(opened.length + outcomes.filter((o) => o.status === 503).length).toBe(40);
      // Places free up only by ending idle sessions: never more than 10 open, nor 10 processes, at once.
      expect(capped.gateway.sessions.count()).toBeLessThanOrEqual(10);
      const live = await Promise.all(opened.map((o) => ping(url, o.session)));
      expect(live.filter((status) => status === 200)).toHaveLength(capped.gateway.sessions.count());
      await until(() => capped.gateway.registry.status()[0]!.pids.length <= 10, 'at most 10 processes');
    } finally {
      await capped.close();
    }
  });

  it('makes room by ending the least recently used idle session', async () => {
    const capped = await startGateway(`
max_sessions: 2
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
`);
    try {
      const url = `${capped.url}/mcp/toolbox`;
      // Sessions opened and left without a stream or a call: what a client that went away leaves behind.
      const oldest = await initialize(url);
      const newer = await initialize(url);
      const newest = await initialize(url);
      expect([oldest.status, newer.status, newest.status]).toEqual([200, 200, 200]);
      expect(capped.gateway.sessions.count()).toBe(2);
      expect(await ping(url, oldest.session)).toBe(404);
      expect(await ping(url, newer.session)).toBe(200);
      expect(await ping(url, newest.session)).toBe(200);
    } finally {
      await capped.close();
    }
  });
});

describe('JSON nested too deep', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('is refused with 400 on every path, and nothing is started or counted against a backend', async () => {
    const http = await startGateway(`
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
    scope: session
`);
    try {
      const url = `${http.url}/mcp/toolbox`;
      const deepInit = { ...INIT, params: { ...INIT.params, capabilities: { experimental: { x: '@' } } } };
      const text = JSON.stringify(deepInit).replace('"@"', nested(5_000));
      for (let i = 0; i < 12; i++) {
        const res = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: text });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({
          error: { code: -32600, message: 'Bad Request: the JSON body is nested deeper than 64 levels' },
        });
      }
      expect(http.gateway.registry.status()[0]).toMatchObject({
        state: 'stopped',
        restart_count: 0,
        pids: [],
      });

      // On an open session: a call through the fast path, and a batch through the app.
      const { client, transport } = await connectClient(url);
      const headers = {
        ...MCP_HEADERS,
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': '2025-11-25',
      };
      const call = {
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'echo', arguments: { message: '@' } },
      };
      for (const body of [JSON.stringify(call), JSON.stringify([call])]) {
        const res = await fetch(url, { method: 'POST', headers, body: body.replace('"@"', nested(5_000)) });
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
          /nested deeper than 64/,
        );
      }
      // Brackets inside strings are text.
      const deepButLegal = JSON.stringify({ message: `${'['.repeat(100)}` });
      const echoed = await client.callTool({ name: 'echo', arguments: JSON.parse(deepButLegal) });
      expect(firstText(echoed)).toContain('[[[[');
      expect(http.gateway.registry.callsInFlight).toBe(0);
      await client.close();
    } finally {
      await http.close();
    }
  });
});
