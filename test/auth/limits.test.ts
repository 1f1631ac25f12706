/**
 * Per-client limits and where the gateway may listen: a client over its requests per second gets 429 with
 * Retry-After (on the fast path too), one holding as many sessions as it may gets 429 for the next, and another client
 * is not held back by either. The real executable refuses to listen beyond loopback without authentication, and
 * `auth: none` is warned about at start.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { REPO_ROOT, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { INITIALIZE, MCP_HEADERS } from '../helpers/raw-mcp.js';

const A = 'client-a-token-0123456789';
const B = 'client-b-token-0123456789';
const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-auth-limits-'));
const running: RunningGateway[] = [];

afterAll(async () => {
  await Promise.allSettled(running.map((g) => g.close()));
  rmSync(scratch, { recursive: true, force: true });
});

async function gateway(limits: string, log?: ReturnType<typeof createLogger>): Promise<RunningGateway> {
  const gw = await startGateway(
    `
auth:
  clients:
    a: { token: '${A}' }
    b: { token: '${B}' }
${limits}
backends:
  toolbox: { command: node dist/examples/backends/toolbox.js }
`,
    log ? { log } : {},
  );
  running.push(gw);
  return gw;
}

function post(gw: RunningGateway, token: string, body: unknown, sessionId?: string): Promise<Response> {
  return fetch(`${gw.url}/mcp`, {
    method: 'POST',
    headers: {
      ...MCP_HEADERS,
      authorization: `Bearer ${token}`,
      ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } : {}),
    },
    body: JSON.stringify(body),
  });
}

describe('per-client limits', () => {
  it('answers 429 with Retry-After past requests_per_second, on the fast path too, for that client only', async () => {
    const gw = await gateway('  requests_per_second: 2');
    const opened = await post(gw, A, INITIALIZE);
    const id = opened.headers.get('mcp-session-id')!;
    const call = {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'gateway_list_servers', arguments: {} },
    };
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await post(gw, A, call, id);
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
      else await res.text();
    }
    // A bucket of twice the rate: the initialize and three calls pass, then the client waits.
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused!.json()) as { error: { message: string } }).error.message).toMatch(
      /Too Many Requests/,
    );
    expect((await post(gw, B, INITIALIZE)).status).toBe(200);
  });

  it('answers 429 to a client that holds max_sessions_per_client sessions', async () => {
    const gw = await gateway('  max_sessions_per_client: 2');
    expect((await post(gw, A, INITIALIZE)).status).toBe(200);
    expect((await post(gw, A, INITIALIZE)).status).toBe(200);
    const third = await post(gw, A, INITIALIZE);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect((await post(gw, B, INITIALIZE)).status).toBe(200);
  });
});

describe('where the gateway listens', () => {
  it('refuses to listen on 0.0.0.0 without authentication (the real executable)', async () => {
    const file = join(scratch, 'open.yaml');
    writeFileSync(file, 'backends: {}\n');
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'dist/mcp-gateway.js'), '-c', file, '--host', '0.0.0.0', '--port', '0'],
      { cwd: scratch, env: { PATH: process.env.PATH, HOME: scratch }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without authentication/);
  });

  it('warns at start when auth: none', async () => {
    const lines: string[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const gw = await startGateway('auth: none\nbackends: {}\n', {
      log: createLogger({ level: 'info', destination: sink }),
    });
    running.push(gw);
    expect(lines.join('')).toMatch(/auth: none: serving without authentication/);
    expect(
      (
        await fetch(`${gw.url}/mcp`, {
          method: 'POST',
          headers: MCP_HEADERS,
          body: JSON.stringify(INITIALIZE),
        })
      ).status,
    ).toBe(200);
  });
});
