/**
 * A secret a backend prints on stderr never reaches a client: not in /health's last_error, not in /health/<name>'s
 * stderr_tail, not in the error a caller gets when the backend cannot start or is backing off. Clients also get
 * less of stderr than the logs: at most 10 lines of at most 200 characters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY } from '../../src/registry/backoff.js';
import { connectClient, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const CANARY = 'canary-secret-5e1f9b';
const FAULTY = 'node dist/test/fixtures/faulty-server.js';
let gw: RunningGateway;

beforeAll(async () => {
  process.env.MCP_GATEWAY_TEST_TOKEN = CANARY;
  // Each prints the token it got from its environment on stderr, as a misconfigured or chatty server would.
  gw = await startGateway(
    `
backends:
  refuses:
    command: sh
    args:
      - -c
      - |-
        for i in $(seq 1 30); do echo "line $i"; done >&2
        printf '%2000s\\n' x | tr ' ' y >&2
        echo "auth failed for token $API_TOKEN" >&2
        exit 1
    env: { API_TOKEN: "\${MCP_GATEWAY_TEST_TOKEN}" }
  crashes:
    command: sh
    args:
      - -c
      - |-
        echo "connecting with token $API_TOKEN" >&2
        exec ${FAULTY}
    env: { API_TOKEN: "\${MCP_GATEWAY_TEST_TOKEN}" }
`,
    { supervision: { policy: { ...DEFAULT_RESTART_POLICY, floorMs: 60_000, capMs: 60_000 } } },
  );
});

afterAll(async () => {
  delete process.env.MCP_GATEWAY_TEST_TOKEN;
  await gw?.close();
});

async function health(name: string) {
  const all = await (await fetch(`${gw.url}/health`)).text();
  const one = await (await fetch(`${gw.url}/health/${name}`)).text();
  return {
    all,
    one,
    backend: (JSON.parse(all) as { backends: Record<string, { last_error: string | null }> }).backends[name]!,
    tail: (JSON.parse(one) as { stderr_tail: string[] }).stderr_tail,
  };
}

describe('what clients read of a backend', () => {
  it('a start failure: the caller error, last_error and stderr_tail are scrubbed and shortened', async () => {
    const first = String(await connectClient(`${gw.url}/mcp/refuses`).catch((e: unknown) => e));
    expect(first).toMatch(/could not be started/);
    expect(first).not.toContain(CANARY);
    expect(first).toContain('[redacted]');
    // Backing off now: the refusal quotes the last error; scrubbed too.
    await connectClient(`${gw.url}/mcp/refuses`).catch(() => {});
    const refused = String(await connectClient(`${gw.url}/mcp/refuses`).catch((e: unknown) => e));
    expect(refused).toMatch(/waiting \d+ s before it is restarted/);
    expect(refused).not.toContain(CANARY);

    const { all, one, backend, tail } = await health('refuses');
    expect(all).not.toContain(CANARY);
    expect(one).not.toContain(CANARY);
    expect(backend.last_error).toContain('auth failed for token [redacted]');
    expect(tail.at(-1)).toBe('auth failed for token [redacted]');
    expect(tail.length).toBeLessThanOrEqual(10);
    for (const line of tail) expect(line.length).toBeLessThanOrEqual(201);
  });

  it('a crash while running: last_error and stderr_tail are scrubbed', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/crashes`);
    const crashed = String(await client.callTool({ name: 'crash', arguments: {} }).catch((e: unknown) => e));
    expect(crashed).not.toContain(CANARY);
    await until(
      () => gw.gateway.registry.status().find((s) => s.name === 'crashes')!.last_error !== null,
      'the crash to be recorded',
    );
    const { all, one, backend, tail } = await health('crashes');
    expect(all).not.toContain(CANARY);
    expect(one).not.toContain(CANARY);
    expect(backend.last_error).toMatch(/exited with code 3; stderr: connecting with token \[redacted\]/);
    expect(tail).toContain('connecting with token [redacted]');
    await client.close();
  });
});
