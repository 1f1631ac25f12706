/**
 * OAuth 2.1 resource-server mode: access tokens are JWTs of one issuer, checked against its JWKS (served here by a
 * node:http server; tokens made here). A valid token is accepted and mapped to a client and profile; an expired one,
 * one for another audience, one signed by a key the JWKS does not hold are refused with 401; the Protected Resource
 * Metadata names the issuer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, endSession, startGateway, type RunningGateway } from '../helpers/gateway.js';

const ISSUER = 'https://auth.example.test';
const AUDIENCE = 'https://gateway.example.test/mcp';
type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let jwks: Server;
let jwksUrl: string;
let jwksRequests = 0;
let signing: Key;
let stranger: Key;
let gw: RunningGateway;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signing = pair.privateKey;
  stranger = (await generateKeyPair('ES256')).privateKey;
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = createServer((_req, res) => {
    jwksRequests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  gw = await startGateway(`
auth:
  jwt:
    issuer: ${ISSUER}
    audience: ${AUDIENCE}
    jwks_url: ${jwksUrl}
    profile_claim: mcp_profile
  clients:
    dana: { profile: tools-only, admin: true }
profiles:
  tools-only: { backends: [toolbox] }
backends:
  toolbox: { command: node dist/examples/backends/toolbox.js }
  other: { command: node dist/examples/backends/toolbox.js }
`);
});

afterAll(async () => {
  await gw?.close();
  await new Promise((resolve) => jwks?.close(resolve));
});

function token(
  claims: Record<string, unknown>,
  options: { key?: Key; kid?: string; audience?: string; expires?: string | number } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1' })
    .setIssuer(ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '5m')
    .sign(options.key ?? signing);
}

async function servers(jwt: string): Promise<string[]> {
  const { client } = await connectClient(`${gw.url}/mcp`, {}, { authorization: `Bearer ${jwt}` });
  const result = (await client.callTool({ name: 'gateway_list_servers', arguments: {} })) as CallToolResult;
  await endSession(client);
  return (result.structuredContent as { servers: Array<{ name: string }> }).servers.map((s) => s.name);
}

function initialize(jwt: string): Promise<Response> {
  return fetch(`${gw.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${jwt}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });
}

describe('JWT access tokens', () => {
  it('accepts a valid token, mapping its claims to a client and a profile', async () => {
    expect(await servers(await token({ sub: 'erin' }))).toEqual(['other', 'toolbox']);
    expect(await servers(await token({ sub: 'erin', mcp_profile: 'tools-only' }))).toEqual(['toolbox']);
    // No profile claim: the client entry of that name gives the profile (and the admin right).
    expect(await servers(await token({ sub: 'dana' }))).toEqual(['toolbox']);
    const admin = await fetch(`${gw.url}/api/v1/servers`, {
      headers: { authorization: `Bearer ${await token({ sub: 'dana' })}` },
    });
    expect(admin.status).toBe(200);
    // The keys were fetched once and kept.
    expect(jwksRequests).toBe(1);
  });

  it('refuses an expired token, another audience, an unknown key, an unknown profile', async () => {
    const refused = [
      await token({ sub: 'erin' }, { expires: Math.floor(Date.now() / 1000) - 60 }),
      await token({ sub: 'erin' }, { audience: 'https://elsewhere.example.test' }),
      await token({ sub: 'erin' }, { key: stranger, kid: 'k2' }),
      await token({ sub: 'erin' }, { key: stranger }),
    ];
    for (const jwt of refused) {
      const res = await initialize(jwt);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(
        /^Bearer error="invalid_token", resource_metadata="/,
      );
    }
    expect((await initialize(await token({ sub: 'erin', mcp_profile: 'nope' }))).status).toBe(403);
  });

  it('serves the Protected Resource Metadata naming the issuer', async () => {
    const res = await fetch(`${gw.url}/.well-known/oauth-protected-resource/mcp`);
    expect(await res.json()).toEqual({
      resource: AUDIENCE,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
      resource_name: 'mcp-gateway',
    });
  });
});
