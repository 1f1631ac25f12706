/**
 * A backend's own words may carry a configured secret (a server that echoes the credentials it refused): the error a
 * client reads when its call fails is scrubbed of every value the config holds, as the logs are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';

const SECRET = 'sk-CANARY-0123456789abcdef';
let backend: HttpBackend;
let gw: RunningGateway;

beforeAll(async () => {
  backend = await startHttpBackend({
    name: 'echoing',
    tools: (mcp) => mcp.registerTool('work', { description: 'Works' }, () => ({ content: [] })),
    intercept(req, res, body) {
      if (!body.includes('"tools/call"')) return false;
      // Refuses the call, quoting the credentials it was given.
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(`rejected key: ${String(req.headers.authorization)}`);
      return true;
    },
  });
  gw = await startGateway(
    `
backends:
  echoing:
    http_url: ${backend.url}
    headers:
      Authorization: Bearer \${ECHOING_TOKEN}
`,
    { env: { ...process.env, ECHOING_TOKEN: SECRET } },
  );
});

afterAll(async () => {
  await gw?.close();
  await backend?.close();
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
