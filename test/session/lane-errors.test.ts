/**
 * Errors on the direct lane (single requests on an open session, answered past the SDK Server) carry the gateway's
 * own codes: a backend that is backing off after crashes answers -32010 (backend unavailable, retryable), the code the
 * README documents, not -32603.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, startGateway, type RunningGateway } from '../helpers/gateway.js';

let gw: RunningGateway;

beforeAll(async () => {
  gw = await startGateway(`
backends:
  fragile:
    command: node dist/test/fixtures/faulty-server.js
`);
});
afterAll(() => gw?.close());

async function failure(call: Promise<unknown>): Promise<McpError> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(McpError);
  return outcome as McpError;
}

describe('errors on the direct lane', () => {
  it('a backend backing off after crashes answers -32010 with when to retry', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/fragile`);
    try {
      // The first crash restarts at once; the second puts the backend in backoff.
      expect((await failure(client.callTool({ name: 'crash', arguments: {} }))).code).toBe(-32010);
      expect((await failure(client.callTool({ name: 'crash', arguments: {} }))).code).toBe(-32010);
      const refused = await failure(client.callTool({ name: 'echo', arguments: { message: 'x' } }));
      expect(refused.code).toBe(-32010);
      expect(refused.message).toMatch(/backend "fragile" is waiting \d+ s before it is restarted/);
      expect(refused.data).toMatchObject({ backend: 'fragile', state: 'backoff', retryable: true });
    } finally {
      await client.close();
    }
  });
});
