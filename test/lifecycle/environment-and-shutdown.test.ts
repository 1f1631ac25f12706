/**
 * What a stdio backend inherits (only an allow-list of the gateway's environment, plus its configured env), and
 * how shutdown treats a call in flight (it finishes within the grace period, then the backend is stopped).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, firstText, startGateway } from '../helpers/gateway.js';
import { isAlive, until } from '../helpers/processes.js';

describe('backend environment', () => {
  it('a stdio backend sees the allow-listed variables and its own env, nothing else of the gateway', async () => {
    process.env.MCP_GATEWAY_TEST_CANARY = 'canary-e7c2';
    const gw = await startGateway(
      'backends:\n  faulty:\n    command: node dist/test/fixtures/faulty-server.js\n    env: { MY_SETTING: "${MCP_GATEWAY_TEST_CANARY}-configured" }\n',
    );
    try {
      const { client } = await connectClient(`${gw.url}/mcp/faulty`);
      const { pid } = JSON.parse(firstText(await client.callTool({ name: 'pids', arguments: {} }))) as {
        pid: number;
      };
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      const names = environ.map((entry) => entry.slice(0, entry.indexOf('=')));
      expect(environ).toContain('MY_SETTING=canary-e7c2-configured');
      expect(names).not.toContain('MCP_GATEWAY_TEST_CANARY');
      const allowed = new Set([
        'HOME',
        'LOGNAME',
        'PATH',
        'SHELL',
        'TERM',
        'USER',
        'MY_SETTING',
        // The gateway's own marker, which finds this process's descendants when it is stopped.
        'MCP_GATEWAY_BACKEND',
      ]);
      expect(names.filter((n) => !allowed.has(n))).toEqual([]);
      await client.close();
    } finally {
      delete process.env.MCP_GATEWAY_TEST_CANARY;
      await gw.close();
    }
  });
});

describe('shutdown', () => {
  it('lets a call in flight finish within the grace period, then stops the backend', async () => {
    const gw = await startGateway(
      'backends:\n  nonce:\n    command: node dist/test/fixtures/echo-nonce-server.js\n',
    );
    const { client } = await connectClient(`${gw.url}/mcp/nonce`);
    // The shared process started with the session; the catalog reads its tools once, a call of its own.
    const pid = gw.gateway.registry.status()[0]!.pid!;
    await until(
      () => gw.gateway.catalog.isIndexed('nonce') && gw.gateway.registry.callsInFlight === 0,
      'the catalog read',
    );
    const call = client.request(
      {
        method: 'tools/call',
        params: { name: 'echo_nonce', arguments: { nonce: 'finishing', delay_ms: 700 } },
      },
      CallToolResultSchema,
    );
    await until(() => gw.gateway.registry.callsInFlight > 0, 'the call to be in flight');
    const closing = gw.close();
    expect(firstText(await call)).toBe('finishing');
    await closing;
    expect(isAlive(pid)).toBe(false);
  });
});
