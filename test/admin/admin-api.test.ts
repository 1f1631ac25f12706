/**
 * The admin API (/api/v1) and the admin tools (/mcp/admin) on a gateway in this process, against real backends: the
 * demo toolbox over stdio and an SDK server over Streamable HTTP written here. Off without a token, 401 with a wrong
 * one, stdio additions refused unless allowed, additions kept across a restart, concurrent calls that leave the state
 * whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';

const TOKEN = 'admin-token-for-the-test-0123456789';
const TOOLBOX = 'node dist/examples/backends/toolbox.js';
let backend: HttpBackend;
let remoteUrl: string;
const stateDir = mkdtempSync(join(tmpdir(), 'mcp-gateway-admin-'));

beforeAll(async () => {
  backend = await startHttpBackend({
    name: 'remote',
    tools: (mcp) =>
      mcp.registerTool('hello', { description: 'Says hello' }, () => ({
        content: [{ type: 'text', text: 'hello' }],
      })),
  });
  remoteUrl = backend.url;
});

afterAll(async () => {
  await backend?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const CONFIG = (extra = '') => `
admin:
  token: ${TOKEN}
${extra}
backends:
  toolbox:
    command: ${TOOLBOX}
`;

interface ApiBody {
  error?: { code: string; message: string; problems?: string[] };
  servers?: Array<{ name: string; source: string; transport: string }>;
  diff?: { added: string[]; removed: string[]; changed: string[]; unchanged: string[] };
}

function api(gw: RunningGateway, method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  return fetch(`${gw.url}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).then(async (res) => ({
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as ApiBody,
  }));
}

async function hello(gw: RunningGateway, name: string): Promise<string> {
  const { client } = await connectClient(`${gw.url}/mcp/${name}`);
  try {
    return firstText(await client.callTool({ name: 'hello', arguments: {} }));
  } finally {
    await client.close();
  }
}

describe('the admin API', () => {
  it('is off without an admin token', async () => {
    const gw = await startGateway(`backends:\n  toolbox:\n    command: ${TOOLBOX}\n`);
    try {
      // Reading the servers is open to every client (the REST API); changing them is the admin API's.
      const off = await api(gw, 'POST', '/reload');
      expect(off.status).toBe(404);
      expect(off.body.error).toMatchObject({
        code: 'admin_off',
        message: expect.stringMatching(/admin\.token/),
      });
      expect((await fetch(`${gw.url}/mcp/admin`, { method: 'POST' })).status).toBe(404);
    } finally {
      await gw.close();
    }
  });

  it('answers 401 with a challenge to a missing or wrong token', async () => {
    const gw = await startGateway(CONFIG());
    try {
      for (const token of [null, 'wrong-token', `${TOKEN}x`]) {
        const refused = await api(gw, 'POST', '/reload', undefined, token);
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
        expect(refused.body.error!.code).toBe('unauthorized');
      }
    } finally {
      await gw.close();
    }
  });

  it('adds, changes, disables, restarts and removes backends, with clear refusals', async () => {
    const gw = await startGateway(CONFIG(), { stateDir });
    try {
      expect((await api(gw, 'GET', '/servers')).body.servers).toEqual([
        expect.objectContaining({ name: 'toolbox', source: 'file', transport: 'stdio' }),
      ]);
      const stdio = await api(gw, 'POST', '/servers', { name: 'local', command: TOOLBOX });
      expect(stdio.status).toBe(403);
      expect(stdio.body.error!.message).toMatch(/admin\.allow_stdio/);

      const added = await api(gw, 'POST', '/servers', { name: 'remote', http_url: remoteUrl });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({
        servers: ['remote'],
        diff: { added: ['remote'], unchanged: ['toolbox'] },
      });
      expect(await hello(gw, 'remote')).toBe('hello');

      expect((await api(gw, 'POST', '/servers', { name: 'remote', http_url: remoteUrl })).status).toBe(409);
      expect((await api(gw, 'POST', '/servers', { name: 'toolbox', http_url: remoteUrl })).status).toBe(409);
      expect((await api(gw, 'PUT', '/servers/nobody', { http_url: remoteUrl })).status).toBe(404);
      const invalid = await api(gw, 'POST', '/servers', {
        name: 'bad',
        http_url: 'not a url',
        colour: 'blue',
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error!.problems!.join('\n')).toMatch(/backends\.bad\.colour: unknown key/);
      expect((await api(gw, 'POST', '/servers', '{"name":')).status).toBe(400);

      const claude = await api(gw, 'POST', '/servers', { mcpServers: { 'from-claude': { url: remoteUrl } } });
      expect(claude.status).toBe(201);
      expect(await hello(gw, 'from-claude')).toBe('hello');

      const changed = await api(gw, 'PUT', '/servers/remote', {
        http_url: remoteUrl,
        description: 'changed',
      });
      expect(changed.body.diff!.changed).toEqual(['remote']);

      expect((await api(gw, 'POST', '/servers/remote/disable')).status).toBe(200);
      expect((await fetch(`${gw.url}/mcp/remote`, { method: 'POST' })).status).toBe(404);
      expect((await api(gw, 'POST', '/servers/remote/enable')).status).toBe(200);
      expect(await hello(gw, 'remote')).toBe('hello');
      expect((await api(gw, 'POST', '/servers/toolbox/restart')).status).toBe(200);

      expect((await api(gw, 'DELETE', '/servers/toolbox')).status).toBe(409);
      expect((await api(gw, 'DELETE', '/servers/from-claude')).status).toBe(200);
      expect((await fetch(`${gw.url}/mcp/from-claude`, { method: 'POST' })).status).toBe(404);
    } finally {
      await gw.close();
    }
  });

  it("never expands a definition's ${VAR} from the gateway's environment", async () => {
    process.env.GATEWAY_ONLY_SECRET = 'gateway-only-secret-value';
    const gw = await startGateway(CONFIG());
    try {
      const body = { name: 'thief', http_url: remoteUrl, headers: { 'x-leak': '${GATEWAY_ONLY_SECRET}' } };
      const refused = await api(gw, 'POST', '/servers', body);
      expect(refused.status).toBe(400);
      expect(refused.body.error!.problems!.join('\n')).toMatch(
        /environment variable GATEWAY_ONLY_SECRET is not set/,
      );
      const withDefault = { ...body, headers: { 'x-value': '${UNSET_HERE:-literal}' } };
      expect((await api(gw, 'POST', '/servers', withDefault)).status).toBe(201);
    } finally {
      delete process.env.GATEWAY_ONLY_SECRET;
      await gw.close();
    }
  });

  it('keeps what it added across a restart, and concurrent additions all land', async () => {
    let gw = await startGateway(CONFIG(), { stateDir });
    try {
      const names = Array.from({ length: 10 }, (_, i) => `extra-${i}`);
      const outcomes = await Promise.all(
        names.map((name) => api(gw, 'POST', '/servers', { name, http_url: remoteUrl })),
      );
      expect(outcomes.map((o) => o.status)).toEqual(names.map(() => 201));
      await gw.close();
      gw = await startGateway(CONFIG(), { stateDir });
      const servers = (await api(gw, 'GET', '/servers')).body.servers as Array<{
        name: string;
        source: string;
      }>;
      expect(
        servers
          .filter((s) => s.source === 'api')
          .map((s) => s.name)
          .sort(),
      ).toEqual(['remote', ...names].sort());
      expect(await hello(gw, 'extra-7')).toBe('hello');
    } finally {
      await gw.close();
    }
  });
});

describe('the admin tools at /mcp/admin', () => {
  it('list, register and call through MCP, with the same token and rules', async () => {
    const gw = await startGateway(CONFIG(), {
      stateDir: mkdtempSync(join(tmpdir(), 'mcp-gateway-admin-mcp-')),
    });
    const client = new Client({ name: 'admin-test', version: '1.0.0' });
    try {
      const unauthenticated = new Client({ name: 'nobody', version: '1.0.0' });
      await expect(
        unauthenticated.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/admin`))),
      ).rejects.toThrow();
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/admin`), {
          requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
        }),
      );
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual([
        'admin_call_tool',
        'admin_list_servers',
        'admin_register_server',
        'admin_remove_server',
        'admin_restart_server',
      ]);
      const refused = await client.callTool({
        name: 'admin_register_server',
        arguments: { name: 'x', command: TOOLBOX },
      });
      expect(refused.isError).toBe(true);
      const added = await client.callTool({
        name: 'admin_register_server',
        arguments: { name: 'remote', http_url: remoteUrl },
      });
      expect(added.isError).toBeFalsy();
      const listed = await client.callTool({ name: 'admin_list_servers', arguments: {} });
      expect(JSON.stringify(listed.structuredContent)).toContain('"source":"api"');
      const called = await client.callTool({
        name: 'admin_call_tool',
        arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'through admin' } },
      });
      expect(firstText(called)).toContain('through admin');
    } finally {
      await client.close();
      await gw.close();
    }
  });
});
