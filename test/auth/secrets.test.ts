/**
 * Tokens never leave the gateway: not the clients' tokens, not their SHA-256, not the admin token, whether they came
 * from the environment or were written in the file. Searched for in every log line (a logger without scrubbing, at
 * debug, so that what is not there was never written), /health, /metrics and `mcp-gateway check`'s output, after
 * requests that succeed and requests that are refused.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { cli } from '../helpers/cli.js';
import { connectClient, endSession, startGateway, type RunningGateway } from '../helpers/gateway.js';

const ENV_TOKEN = 'env-token-7c1e9a0b5d3f2468';
const FILE_TOKEN = 'file-token-3b8d6e1f0a9c2457';
const HASHED_TOKEN = 'hashed-token-9e2f4a6c8b0d1357';
const ADMIN_TOKEN = 'admin-token-5a7c9e1b3d2f4680';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const NEEDLES = [
  ENV_TOKEN,
  FILE_TOKEN,
  HASHED_TOKEN,
  ADMIN_TOKEN,
  sha(ENV_TOKEN),
  sha(FILE_TOKEN),
  sha(HASHED_TOKEN),
];

const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-auth-secrets-'));
const yaml = `
admin: { token: '${ADMIN_TOKEN}' }
auth:
  clients:
    alice: { token: '\${ALICE_TOKEN}', profile: dev }
    bob: { token: '${FILE_TOKEN}' }
    carol: { token_sha256: '${sha(HASHED_TOKEN)}', admin: true }
profiles:
  dev: { backends: [toolbox] }
backends:
  toolbox:
    command: node dist/examples/backends/toolbox.js
`;
const env = { ...process.env, ALICE_TOKEN: ENV_TOKEN };
const logged: string[] = [];
let gw: RunningGateway;

beforeAll(async () => {
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => logged.push(chunk.toString()));
  gw = await startGateway(yaml, { env, log: createLogger({ level: 'debug', destination: sink }) });
});

afterAll(async () => {
  await gw?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function expectNoSecret(text: string, where: string): void {
  for (const needle of NEEDLES)
    expect(text.includes(needle), `${where} holds ${needle.slice(0, 10)}…`).toBe(false);
}

describe('tokens and their hashes', () => {
  it('appear in no log line, nor in /health, /metrics or check', async () => {
    for (const token of [ENV_TOKEN, FILE_TOKEN, HASHED_TOKEN]) {
      const { client } = await connectClient(`${gw.url}/mcp`, {}, { authorization: `Bearer ${token}` });
      await client.callTool({
        name: 'gateway_invoke',
        arguments: { server: 'toolbox', tool: 'echo', arguments: { message: 'x' } },
      });
      await endSession(client);
    }
    // Refusals: a token of another gateway, a token's hash sent as the token, a malformed JWT.
    for (const wrong of [`${ENV_TOKEN}x`, sha(ENV_TOKEN), 'a.b.c']) {
      const res = await fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${wrong}` },
      });
      expect(res.status).toBe(401);
      expectNoSecret(await res.text(), 'a 401 body');
    }
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    expectNoSecret(await (await fetch(`${gw.url}/health`, { headers })).text(), '/health');
    expectNoSecret(await (await fetch(`${gw.url}/metrics`, { headers })).text(), '/metrics');
    expectNoSecret(await (await fetch(`${gw.url}/api/v1/servers`, { headers })).text(), '/api/v1/servers');

    expect(logged.length).toBeGreaterThan(0);
    expectNoSecret(logged.join(''), 'the log');

    const file = join(scratch, 'servers.yaml');
    writeFileSync(file, yaml.replace('dist/examples', join(process.cwd(), 'dist/examples')));
    const check = await cli(['check', '-c', file], {
      cwd: scratch,
      env: { PATH: process.env.PATH, HOME: scratch, ALICE_TOKEN: ENV_TOKEN },
    });
    expect(check.code, check.stderr).toBe(0);
    expectNoSecret(check.stdout + check.stderr, 'check');
    const json = await cli(['check', '-c', file, '--json'], {
      cwd: scratch,
      env: { PATH: process.env.PATH, HOME: scratch, ALICE_TOKEN: ENV_TOKEN },
    });
    expectNoSecret(json.stdout + json.stderr, 'check --json');
  });
});
