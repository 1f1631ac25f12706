/**
 * A Connection to a Streamable HTTP backend through the gateway's own client (backends/http-client.ts), against an SDK
 * server on node:http written here, with no gateway: the session ended with DELETE on close, a backend that forgot
 * the session told apart (the request may be sent again), and a refusal reported with its status.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/backends/connection.js';
import { connectBackend } from '../../src/backends/mcp-connection.js';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';

let backend: HttpBackend;
let base: string;
const deleted: string[] = [];
/** The raw header lines of every POST, as the backend read them. */
const posted: string[][] = [];
let refuseWith: number | undefined;

beforeAll(async () => {
  backend = await startHttpBackend({
    strictSessions: true,
    tools: (mcp) =>
      mcp.registerTool('hello', { description: 'Says hello' }, () => ({
        content: [{ type: 'text', text: 'hello' }],
      })),
    intercept(req, res) {
      const id = req.headers['mcp-session-id'];
      if (req.method === 'DELETE' && typeof id === 'string') deleted.push(id);
      if (req.method === 'POST') posted.push(req.rawHeaders);
      if (refuseWith === undefined) return false;
      res.writeHead(refuseWith, { 'content-type': 'text/plain' }).end('invalid token');
      return true;
    },
  });
  base = backend.url;
});

afterAll(() => backend?.close());

beforeEach(() => {
  refuseWith = undefined;
  deleted.length = 0;
  posted.length = 0;
});

function connect(url = base, headers = ''): Promise<Connection> {
  const { config } = parseConfig(`backends:\n  remote:\n    http_url: ${url}\n${headers}`, {
    path: '/tmp/servers.yaml',
    env: {},
  });
  return connectBackend(config.backends.remote!, {
    clientInfo: { name: 'test', version: '0' },
    capabilities: {},
    log: silentLogger(),
    connectTimeoutMs: 2_000,
  });
}

const LIMITS = { timeoutMs: 2_000, maxTotalMs: 2_000 };

describe('a Streamable HTTP connection', () => {
  it('calls a tool, and ends its backend session with DELETE on close', async () => {
    const connection = await connect();
    expect(connection.info.serverInfo.name).toBe('http-backend');
    await expect(
      connection.request('tools/call', { name: 'hello', arguments: {} }, LIMITS),
    ).resolves.toMatchObject({
      content: [{ type: 'text', text: 'hello' }],
    });
    expect(backend.sessions.size).toBe(1);
    await connection.close();
    expect(deleted).toHaveLength(1);
    expect(backend.sessions.size).toBe(0);
  });

  it('tells a forgotten session apart, so that the request can be sent again on a new one', async () => {
    const connection = await connect();
    backend.sessions.clear(); // The backend restarted.
    await expect(
      connection.request('tools/call', { name: 'hello', arguments: {} }, LIMITS),
    ).rejects.toMatchObject({
      code: -32010,
      message: 'backend "remote" is unavailable: the backend no longer knows this session (it restarted?)',
    });
    expect(connection.sessionLost).toBe(true);
    expect(connection.closed).toBe(true);
    // No DELETE for a session the backend no longer has.
    expect(deleted).toHaveLength(0);
  });

  it('sends configured headers once each, the protocol headers over them, and URL credentials as Basic', async () => {
    const withCredentials = base.replace('http://', 'http://alice:s%40cret@');
    const headers =
      '    headers:\n      X-Api-Key: k1\n      Content-Type: text/plain\n      MCP-Session-Id: forged\n';
    const connection = await connect(withCredentials, headers);
    await connection.request('tools/call', { name: 'hello', arguments: {} }, LIMITS);
    await connection.close();
    const call = posted.at(-1)!;
    const lines = new Map<string, string[]>();
    for (let i = 0; i < call.length; i += 2) {
      const name = call[i]!.toLowerCase();
      lines.set(name, [...(lines.get(name) ?? []), call[i + 1]!]);
    }
    expect(lines.get('host')).toEqual([new URL(base).host]);
    expect(lines.get('x-api-key')).toEqual(['k1']);
    expect(lines.get('content-type')).toEqual(['application/json']);
    expect(lines.get('mcp-session-id')).toEqual([expect.not.stringMatching('forged')]);
    expect(lines.get('authorization')).toEqual([`Basic ${Buffer.from('alice:s@cret').toString('base64')}`]);
    expect(lines.get('mcp-protocol-version')).toHaveLength(1);
    expect(lines.get('connection')).toEqual(['keep-alive']);
  });

  it('reports a refusal of its credentials with the status, not as a closed connection', async () => {
    refuseWith = 401;
    await expect(connect()).rejects.toThrow(/could not be started: .*invalid token \(HTTP 401\)/);
    refuseWith = 403;
    await expect(connect()).rejects.toThrow(/\(HTTP 403\)/);
  });
});
