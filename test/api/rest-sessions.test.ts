/**
 * REST sessions end to end, over real HTTP with SDK clients and a real SQLite file: a session over two of three
 * backends with its own bearer for an HTTP backend; its MCP endpoint lists and calls only those, the backend seeing
 * the session's token (never the config's, nor another session's); it survives a restart on the same state
 * directory; the database holds no credential in clear, and is made by the first session (a gateway that never had
 * one does not open it); the REST tool API with and without `X-Session-ID`; the
 * OpenAPI document validates; usage is counted; another client sees none of it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  endSession,
  firstText,
  startGateway,
  type RunningGateway,
} from '../helpers/gateway.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { until } from '../helpers/processes.js';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdef01';
const CONFIG_TOKEN = 'configured-alpha-token-5e6f';
const SESSION_TOKEN = 'session-one-secret-7a8b9c0d1e';
const OTHER_TOKEN = 'session-two-secret-2f3a4b5c6d';

let stateDir: string;
let gw: RunningGateway;
const backends: Record<string, HttpBackend> = {};
/** The Authorization header of every tools/call each backend received. */
const seen: Record<string, (string | undefined)[]> = { alpha: [], beta: [], gamma: [] };

function backend(name: string): Promise<HttpBackend> {
  return startHttpBackend({
    name,
    tools(server) {
      server.registerTool(
        'echo',
        { description: `Echoes a message (${name})`, inputSchema: { message: z.string() } },
        async ({ message }) => ({ content: [{ type: 'text', text: `${name}:${message}` }] }),
      );
    },
    intercept(req, _res, body) {
      if (body.includes('"tools/call"')) seen[name]!.push(req.headers.authorization);
      return false;
    },
  });
}

const yaml = () => `
auth:
  clients:
    alice: { token: '${ALICE}' }
    bob: { token: '${BOB}' }
backends:
  alpha:
    http_url: ${backends.alpha!.url}
    headers: { Authorization: 'Bearer ${CONFIG_TOKEN}' }
  beta:
    http_url: ${backends.beta!.url}
  gamma:
    http_url: ${backends.gamma!.url}
`;

async function start(): Promise<void> {
  gw = await startGateway(yaml(), { stateDir, discover: true });
  await until(
    () => ['alpha', 'beta', 'gamma'].every((n) => gw.gateway.catalog.isIndexed(n)),
    'discovery',
    15_000,
  );
}

function api(path: string, token: string, init: { method?: string; body?: unknown; session?: string } = {}) {
  return fetch(`${gw.url}/api/v1${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.session ? { 'x-session-id': init.session } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

beforeAll(async () => {
  for (const name of ['alpha', 'beta', 'gamma']) backends[name] = await backend(name);
  stateDir = mkdtempSync(join(tmpdir(), 'rest-sessions-'));
  await start();
}, 30_000);

afterAll(async () => {
  await gw?.close();
  for (const b of Object.values(backends)) await b.close();
  rmSync(stateDir, { recursive: true, force: true });
});

let sessionId: string;
let endpoint: string;

describe('REST sessions', () => {
  it('creates a session over two of three backends, credentials never shown', async () => {
    expect(existsSync(join(stateDir, 'rest-sessions.db'))).toBe(false);
    const created = await api('/sessions', ALICE, {
      body: {
        servers: ['alpha', 'beta'],
        credentials: { alpha: { bearer: SESSION_TOKEN } },
        metadata: { k: 1 },
      },
    });
    expect(created.status).toBe(201);
    expect(existsSync(join(stateDir, 'rest-sessions.db'))).toBe(true);
    const body = (await created.json()) as { session_id: string; mcp_endpoint: string; expires_at: string };
    sessionId = body.session_id;
    endpoint = body.mcp_endpoint;
    expect(endpoint).toBe(`/s/${sessionId}/mcp`);
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());

    const read = await api(`/sessions/${sessionId}`, ALICE);
    const text = await read.text();
    expect(read.status).toBe(200);
    expect(text).not.toContain(SESSION_TOKEN);
    expect(JSON.parse(text)).toMatchObject({
      servers: ['alpha', 'beta'],
      credentials: ['alpha'],
      metadata: { k: 1 },
    });
    const listed = (await (await api('/sessions', ALICE)).json()) as { sessions: { session_id: string }[] };
    expect(listed.sessions.map((s) => s.session_id)).toContain(sessionId);
  });

  it('refuses unknown servers and credentials for a server not chosen, naming them', async () => {
    const unknown = await api('/sessions', ALICE, { body: { servers: ['alpha', 'nope'] } });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'unknown_servers', message: expect.stringContaining('nope') },
    });
    const stray = await api('/sessions', ALICE, {
      body: { servers: ['alpha'], credentials: { gamma: { bearer: 'x' } } },
    });
    expect(stray.status).toBe(400);
    expect(((await stray.json()) as { error: { message: string } }).error.message).toContain('gamma');
    const invalid = await api('/sessions', ALICE, { body: { servers: 'alpha' } });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it("serves the session's backends flat, sending its token to the backend", async () => {
    // A second session of the same client with another token: its calls never carry the first one's.
    const other = (await (
      await api('/sessions', ALICE, {
        body: { servers: ['alpha'], credentials: { alpha: { bearer: OTHER_TOKEN } } },
      })
    ).json()) as { mcp_endpoint: string };

    const { client } = await connectClient(`${gw.url}${endpoint}`, {}, { authorization: `Bearer ${ALICE}` });
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(['alpha__echo', 'beta__echo']);
    seen.alpha!.length = 0;
    const result = await client.callTool({ name: 'alpha__echo', arguments: { message: 'hi' } });
    expect(firstText(result)).toBe('alpha:hi');
    const { client: second } = await connectClient(
      `${gw.url}${other.mcp_endpoint}`,
      {},
      {
        authorization: `Bearer ${ALICE}`,
      },
    );
    await second.callTool({ name: 'alpha__echo', arguments: { message: 'two' } });
    expect(seen.alpha).toEqual([`Bearer ${SESSION_TOKEN}`, `Bearer ${OTHER_TOKEN}`]);
    await endSession(client);
    await endSession(second);
  });

  it('serves the meta-tools over its servers when made with surface: meta', async () => {
    const made = (await (
      await api('/sessions', ALICE, { body: { servers: ['beta', 'gamma'], surface: 'meta' } })
    ).json()) as { mcp_endpoint: string };
    const { client } = await connectClient(
      `${gw.url}${made.mcp_endpoint}`,
      {},
      { authorization: `Bearer ${ALICE}` },
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('gateway_invoke');
    const listed = await client.callTool({ name: 'gateway_list_servers', arguments: {} });
    const names = (listed.structuredContent as { servers: { name: string }[] }).servers.map((s) => s.name);
    expect(names).toEqual(['beta', 'gamma']);
    const refused = await client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'alpha', tool: 'echo', arguments: { message: 'no' } },
    });
    expect(refused.isError).toBe(true);
    await endSession(client);
  });

  it('is invisible to another client', async () => {
    expect((await api(`/sessions/${sessionId}`, BOB)).status).toBe(404);
    expect((await api(`/sessions/${sessionId}`, BOB, { method: 'DELETE' })).status).toBe(404);
    const listed = (await (await api('/sessions', BOB)).json()) as { sessions: unknown[] };
    expect(listed.sessions).toEqual([]);
    await expect(
      connectClient(`${gw.url}${endpoint}`, {}, { authorization: `Bearer ${BOB}` }),
    ).rejects.toThrow();
    expect((await api('/tools', BOB, { session: sessionId })).status).toBe(404);
  });

  it('survives a restart on the same state directory, with no credential in clear on disk', async () => {
    await gw.close();
    const file = readFileSync(join(stateDir, 'rest-sessions.db'));
    expect(file.includes(Buffer.from(SESSION_TOKEN))).toBe(false);
    expect(file.includes(Buffer.from(OTHER_TOKEN))).toBe(false);
    await start();
    seen.alpha!.length = 0;
    const { client } = await connectClient(`${gw.url}${endpoint}`, {}, { authorization: `Bearer ${ALICE}` });
    expect(firstText(await client.callTool({ name: 'alpha__echo', arguments: { message: 'again' } }))).toBe(
      'alpha:again',
    );
    expect(seen.alpha).toEqual([`Bearer ${SESSION_TOKEN}`]);
    await endSession(client);
  }, 30_000);
});

describe('REST tool API', () => {
  it('lists and searches the tools of the profile, or of one session with X-Session-ID', async () => {
    const all = (await (await api('/tools', ALICE)).json()) as { tools: { name: string }[] };
    expect(all.tools.map((t) => t.name)).toEqual(['alpha__echo', 'beta__echo', 'gamma__echo']);
    const mine = (await (await api('/tools', ALICE, { session: sessionId })).json()) as {
      tools: { name: string }[];
    };
    expect(mine.tools.map((t) => t.name)).toEqual(['alpha__echo', 'beta__echo']);
    const one = (await (await api('/tools?server=beta', ALICE)).json()) as { tools: { name: string }[] };
    expect(one.tools.map((t) => t.name)).toEqual(['beta__echo']);

    const found = (await (await api('/search', ALICE, { body: { query: 'echo message' } })).json()) as {
      results: { server: string }[];
    };
    expect(found.results.map((r) => r.server).sort()).toEqual(['alpha', 'beta', 'gamma']);
    const scoped = (await (
      await api('/search', ALICE, { body: { query: 'echo message' }, session: sessionId })
    ).json()) as { results: { server: string }[] };
    expect(scoped.results.map((r) => r.server).sort()).toEqual(['alpha', 'beta']);
  });

  it("executes with the config's credentials, or the session's with X-Session-ID", async () => {
    seen.alpha!.length = 0;
    const plain = await api('/execute', ALICE, {
      body: { tool: 'alpha__echo', arguments: { message: 'a' } },
    });
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual({ content: [{ type: 'text', text: 'alpha:a' }] });
    const scoped = await api('/execute', ALICE, {
      body: { server: 'alpha', tool: 'echo', arguments: { arguments: { message: 'b' } } },
      session: sessionId,
    });
    expect(await scoped.json()).toEqual({ content: [{ type: 'text', text: 'alpha:b' }] });
    expect(seen.alpha).toEqual([`Bearer ${CONFIG_TOKEN}`, `Bearer ${SESSION_TOKEN}`]);

    const outside = await api('/execute', ALICE, {
      body: { tool: 'gamma__echo', arguments: {} },
      session: sessionId,
    });
    expect(outside.status).toBe(404);
    const wrong = await api('/execute', ALICE, { body: { tool: 'alpha__echo', arguments: { message: 1 } } });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: { code: 'invalid_arguments' } });
    const typo = await api('/execute', ALICE, { body: { tool: 'alpha__ecko', arguments: {} } });
    expect(((await typo.json()) as { error: { message: string } }).error.message).toContain(
      'did you mean "echo"',
    );
  });

  it('lists the servers to any client, and counts usage', async () => {
    const servers = (await (await api('/servers', BOB)).json()) as { servers: { name: string }[] };
    expect(servers.servers.map((s) => s.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(
      (await api('/servers', BOB, { body: { name: 'x', http_url: 'http://127.0.0.1:1/mcp' } })).status,
    ).toBe(403);
    const stats = (await (await api('/stats', ALICE)).json()) as {
      tools: { server: string; tool: string; calls: number; outcomes: Record<string, number> }[];
      sessions: Record<string, { calls: number }[]>;
    };
    expect(stats.tools.find((t) => t.server === 'alpha')).toMatchObject({
      tool: 'echo',
      outcomes: { ok: expect.any(Number) },
    });
    expect(stats.sessions[sessionId]?.[0]?.calls).toBeGreaterThan(0);
    const bobs = (await (await api('/stats', BOB)).json()) as { sessions: Record<string, unknown> };
    expect(bobs.sessions).toEqual({});
  });

  it('publishes an OpenAPI document that validates', async () => {
    const doc = await (await api('/openapi.json', ALICE)).json();
    const result = await new Validator().validate(doc as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys((doc as { paths: object }).paths)).toEqual(
      expect.arrayContaining([
        '/sessions',
        '/sessions/{id}',
        '/tools',
        '/search',
        '/execute',
        '/servers',
        '/stats',
      ]),
    );
  });

  it('ends the session on DELETE: its endpoint is gone', async () => {
    expect((await api(`/sessions/${sessionId}`, ALICE, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/sessions/${sessionId}`, ALICE)).status).toBe(404);
    await expect(
      connectClient(`${gw.url}${endpoint}`, {}, { authorization: `Bearer ${ALICE}` }),
    ).rejects.toThrow();
  });
});

describe('REST errors', () => {
  it('answers a body that is not JSON, and a missing credential, in the one error shape', async () => {
    const broken = await fetch(`${gw.url}/api/v1/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ALICE}`, 'content-type': 'application/json' },
      body: '{ not json',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: 'invalid_request' } });
    const anonymous = await fetch(`${gw.url}/api/v1/tools`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({
      error: { code: 'unauthorized', message: expect.any(String) },
    });
  });

  it('counts calls of the other surfaces in the totals', async () => {
    const before = (await (await api('/stats', BOB)).json()) as {
      tools: { server: string; calls: number }[];
    };
    const calls = () => before.tools.find((t) => t.server === 'gamma')?.calls ?? 0;
    const { client } = await connectClient(`${gw.url}/mcp/flat`, {}, { authorization: `Bearer ${BOB}` });
    await client.callTool({ name: 'gamma__echo', arguments: { message: 'x' } });
    await endSession(client);
    const after = (await (await api('/stats', BOB)).json()) as { tools: { server: string; calls: number }[] };
    expect(after.tools.find((t) => t.server === 'gamma')?.calls).toBe(calls() + 1);
  });
});
