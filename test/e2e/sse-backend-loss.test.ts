/**
 * A legacy SSE backend that dies while a call is in flight: the SDK's SSE client would quietly reconnect and leave
 * the call waiting for its timeout; the gateway fails it at once instead, and the next session reaches the backend
 * again once it is back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ElicitRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startListening, type ListeningChild } from '../helpers/processes.js';

const FIXTURE = 'dist/test/fixtures/conformance-server.js';

/**
 * A new session's first call, once the gateway lets sessions reach the backend again: the loss put the backend in
 * backoff (1 s), and until it passes a session is refused with retry_after_s. Bounded: 10 s.
 */
async function firstCallOnceBack(url: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    let client: Awaited<ReturnType<typeof connectClient>>['client'] | undefined;
    try {
      client = (await connectClient(url)).client;
      return firstText(await client.callTool({ name: 'test_simple_text', arguments: {} }));
    } catch (error) {
      if (Date.now() > deadline || !/before it is restarted/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await client?.close();
    }
  }
}

let backend: ListeningChild | undefined;
let gw: RunningGateway | undefined;

afterAll(async () => {
  await gw?.close();
  await backend?.stop();
});

describe('a legacy SSE backend that dies mid-call', () => {
  it('fails the call in flight at once, not at its timeout', async () => {
    backend = await startListening(FIXTURE, ['sse', '--port', '0']);
    gw = await startGateway(`backends:\n  legacy:\n    http_url: ${backend.url}\n    timeout: 30\n`);
    const { client } = await connectClient(`${gw.url}/mcp/legacy`, { elicitation: {} });
    let asked!: () => void;
    const elicited = new Promise<void>((resolve) => (asked = resolve));
    // The backend asks the client something and waits: a call that stays in flight until the backend dies.
    client.setRequestHandler(ElicitRequestSchema, () => {
      asked();
      return new Promise(() => {});
    });
    const call = client
      .callTool({ name: 'test_elicitation', arguments: { message: 'who are you?' } }, undefined, {
        timeout: 60_000,
      })
      .catch((e: unknown) => e);
    await elicited;
    const killedAt = Date.now();
    backend.child.kill('SIGKILL');
    const error = await call;
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32010);
    expect((error as McpError).message).toMatch(/backend "legacy" is unavailable: its event stream was lost/);
    await client.close();
  });

  it('a new session reaches the backend once it is back', async () => {
    const port = new URL(backend!.url).port;
    backend = await startListening(FIXTURE, ['sse', '--port', port]);
    expect(await firstCallOnceBack(`${gw!.url}/mcp/legacy`)).toMatch(/simple text/i);
  });
});
