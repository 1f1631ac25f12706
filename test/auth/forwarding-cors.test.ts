/**
 * `forward_authorization` and CORS. A backend with `forward_authorization: true` receives the calling client's
 * Authorization header instead of its configured headers, through /mcp/<backend> and gateway_invoke alike; a backend
 * without it never sees the client's. A browser origin in `allowed_origins` gets its preflight answered and the MCP
 * headers exposed; another origin gets no CORS headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingServer, type CountingServer } from '../helpers/counting-server.js';
import {
  connectClient,
  endSession,
  firstText,
  startGateway,
  type RunningGateway,
} from '../helpers/gateway.js';

const TOKEN = 'forwarded-client-token-0123456789';
const APP = 'https://app.example.test';
let forwarded: CountingServer;
let kept: CountingServer;
let gw: RunningGateway;

beforeAll(async () => {
  forwarded = await startCountingServer();
  kept = await startCountingServer();
  gw = await startGateway(`
allowed_origins: ['${APP}']
auth:
  clients:
    alice: { token: '${TOKEN}' }
backends:
  forwarded:
    http_url: ${forwarded.url}
    headers: { Authorization: 'Bearer configured-forwarded-0a1b' }
    forward_authorization: true
  kept:
    http_url: ${kept.url}
    headers: { Authorization: 'Bearer configured-kept-2c3d' }
`);
});

afterAll(async () => {
  await gw?.close();
  await forwarded?.close();
  await kept?.close();
});

describe('forward_authorization', () => {
  it("sends the calling client's Authorization to that backend only", async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    for (const name of ['forwarded', 'kept']) {
      const { client } = await connectClient(`${gw.url}/mcp/${name}`, {}, headers);
      expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'hi' } }))).toBe('hi');
      await endSession(client);
    }
    const { client } = await connectClient(`${gw.url}/mcp`, {}, headers);
    const invoked = await client.callTool({
      name: 'gateway_invoke',
      arguments: { server: 'forwarded', tool: 'echo', arguments: { message: 'via meta' } },
    });
    expect(firstText(invoked)).toBe('via meta');
    await endSession(client);

    // The client's sessions carry its own token; the catalog's reads (the gateway's own) the configured one.
    expect(forwarded.authorizations()).toContain(`Bearer ${TOKEN}`);
    const known = [`Bearer ${TOKEN}`, 'Bearer configured-forwarded-0a1b'];
    expect(forwarded.authorizations().filter((a) => !known.includes(a))).toEqual([]);
    expect(kept.authorizations()).toEqual(['Bearer configured-kept-2c3d']);
  });
});

describe('CORS', () => {
  it('answers the preflight of an allowed origin and exposes the MCP headers', async () => {
    const preflight = await fetch(`${gw.url}/mcp`, {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, mcp-session-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);

    const refused = await fetch(`${gw.url}/mcp`, { method: 'POST', headers: { origin: APP } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
    expect(refused.headers.get('access-control-expose-headers')).toMatch(/mcp-session-id.*www-authenticate/);

    const other = await fetch(`${gw.url}/mcp`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.test', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
