/**
 * Credentials: a remote backend receives the headers its configuration gives it, never the token the client sent
 * to the gateway (MCP forbids token passthrough), and the configured secret appears in no log line.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import { firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

let backend: CountingServer;
let gw: RunningGateway;
const logged: string[] = [];

beforeAll(async () => {
  backend = await startCountingServer();
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => logged.push(chunk.toString()));
  process.env.MCP_GATEWAY_TEST_BACKEND_TOKEN = 'backend-secret-5d1e';
  gw = await startGateway(
    `backends:\n  remote:\n    http_url: ${backend.url}\n    headers: { Authorization: "Bearer \${MCP_GATEWAY_TEST_BACKEND_TOKEN}" }\n`,
    { log: createLogger({ level: 'debug', secrets: ['backend-secret-5d1e'], destination: sink }) },
  );
});
afterAll(async () => {
  delete process.env.MCP_GATEWAY_TEST_BACKEND_TOKEN;
  await gw?.close();
  await backend?.close();
});

describe('credentials', () => {
  it('the backend gets its configured Authorization, never the client’s', async () => {
    const client = new Client({ name: 'creds', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/remote`), {
      requestInit: {
        headers: { Authorization: 'Bearer client-token-0a7f', Cookie: 'session=client-cookie' },
      },
    });
    await client.connect(transport);
    expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'hi' } }))).toBe('hi');
    await transport.terminateSession();
    await client.close();
    expect(backend.authorizations()).toEqual(['Bearer backend-secret-5d1e']);
  });

  it('the configured secret is in no log line, even at debug level', () => {
    const all = logged.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain('backend-secret-5d1e');
  });
});
