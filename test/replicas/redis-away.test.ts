/**
 * The real executable with `state.store: redis` and no Redis to reach: it starts anyway, serves from its own state,
 * says so loudly (an error line, /health `degraded` with a `state` object), and the password of the Redis URL
 * appears in no log line and nothing /health says.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/gateway.js';
import { stopChild, until } from '../helpers/processes.js';
import { freePort } from '../helpers/tool-server.js';
import { INITIALIZE, MCP_HEADERS } from '../helpers/raw-mcp.js';

const PASSWORD = 'hunter2-redis-pass-5f3a';
const scratch = mkdtempSync(join(tmpdir(), 'mcpgw-redis-away-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a replica whose Redis is away', () => {
  it('starts, serves, reports degraded, and never logs the URL password', async () => {
    const port = await freePort();
    const config = join(scratch, 'servers.yaml');
    writeFileSync(
      config,
      `port: 0\nstate_dir: ${join(scratch, 'state')}\nstate:\n  store: redis\n  url: redis://:${PASSWORD}@127.0.0.1:${port}/0\n  connect_timeout_ms: 300\n`,
    );
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'dist/mcp-gateway.js'), 'serve', '--config', config],
      {
        cwd: scratch,
        env: { PATH: process.env.PATH, HOME: scratch },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const lines: string[] = [];
    try {
      createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
      await until(() => lines.some((l) => l.includes('mcp-gateway listening')), 'listening', 15_000);
      const url = (JSON.parse(lines.find((l) => l.includes('mcp-gateway listening'))!) as { url: string })
        .url;
      const text = await (await fetch(`${url}/health`)).text();
      const health = JSON.parse(text) as { status: string; state: { store: string; up: boolean } };
      expect(health.status).toBe('degraded');
      expect(health.state).toMatchObject({ store: 'redis', up: false });
      expect(text).not.toContain(PASSWORD);
      const modern = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: JSON.stringify(INITIALIZE),
      });
      expect(modern.status).toBe(200);
      await modern.text();
      // Long enough for reconnect attempts to be logged, if they were.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    } finally {
      await stopChild(child);
    }
    expect(lines.some((l) => l.includes('state store: redis unreachable'))).toBe(true);
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });
});
