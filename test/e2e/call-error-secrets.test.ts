/**
 * A backend's own words may carry a configured secret (a server that echoes the credentials it refused): the error a
 * client reads when its call fails is scrubbed of every value the config holds, as the logs are.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, startGateway, type RunningGateway } from '../helpers/gateway.js';

const SECRET = 'sk-CANARY-0123456789abcdef';
let backend: Server;
let gw: RunningGateway;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

beforeAll(async () => {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  backend = createServer(async (req, res) => {
    const text = req.method === 'POST' ? await readBody(req) : '';
    if (text.includes('"tools/call"')) {
      // Refuses the call, quoting the credentials it was given.
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(`rejected key: ${String(req.headers.authorization)}`);
      return;
    }
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, created),
      });
      const mcp = new McpServer({ name: 'echoing', version: '1.0.0' });
      mcp.registerTool('work', { description: 'Works' }, () => ({ content: [] }));
      await mcp.connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, text ? JSON.parse(text) : undefined);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const { port } = backend.address() as AddressInfo;
  gw = await startGateway(
    `
backends:
  echoing:
    http_url: http://127.0.0.1:${port}/mcp
    headers:
      Authorization: Bearer \${ECHOING_TOKEN}
`,
    { env: { ...process.env, ECHOING_TOKEN: SECRET } },
  );
});

afterAll(async () => {
  await gw?.close();
  backend?.closeAllConnections();
  await new Promise((resolve) => backend?.close(resolve));
});

describe("a backend's error that quotes a secret", () => {
  it('reaches the client scrubbed, on /mcp/<backend> and through gateway_invoke', async () => {
    const direct = await connectClient(`${gw.url}/mcp/echoing`);
    const failure = await direct.client.callTool({ name: 'work', arguments: {} }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(McpError);
    const message = (failure as McpError).message;
    expect(message).toMatch(/rejected key: \[redacted\] \(HTTP 500\)/);
    expect(message).not.toContain(SECRET);
    await direct.client.close();

    const meta = await connectClient(`${gw.url}/mcp`);
    const result = await meta.client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'echoing', tool: 'work', arguments: {} },
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result)).toMatch(/rejected key/);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    await meta.client.close();
  });
});
