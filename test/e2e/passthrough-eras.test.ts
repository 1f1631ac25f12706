/**
 * `/mcp/<backend>` across the two protocol eras, the four combinations on the same URLs at once: an SDK v2 client
 * pinned to 2026-07-28 and an SDK v1 client (2025-11-25), each against a modern backend (SDK v2, stateless,
 * test/fixtures/modern-backend.ts) and a legacy one (SDK v1, sessions). Elicitation travels through a legacy client's
 * session in an `input_required` round, and is refused with the modern error toward a modern client whose backend is
 * legacy; cancellation crosses the eras (a closed response, `notifications/cancelled`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client as ModernClient, type ClientCapabilities } from '@modelcontextprotocol/client';
import { connectModernClient } from '../helpers/modern-client.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ElicitResultSchema,
  ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  connectClient,
  endSession,
  firstText,
  startGateway,
  type RunningGateway,
} from '../helpers/gateway.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { until } from '../helpers/processes.js';
import { startModernBackend, type ModernBackend } from '../fixtures/modern-backend.js';

const V = '2026-07-28';
let modern: ModernBackend;
let legacy: HttpBackend;
let gw: RunningGateway;
const legacyCancelled: string[] = [];
let legacyInitializes = 0;
const modernClients: ModernClient[] = [];

async function modernClient(backend: string, capabilities: ClientCapabilities = {}): Promise<ModernClient> {
  const client = await connectModernClient(`${gw.url}/mcp/${backend}`, { capabilities, pin: true });
  modernClients.push(client);
  return client;
}

beforeAll(async () => {
  modern = await startModernBackend();
  legacy = await startHttpBackend({
    name: 'legacy-backend',
    intercept: (_req, _res, body) => {
      if (body.includes('"method":"initialize"')) legacyInitializes++;
      return false;
    },
    tools: (server) => {
      server.registerTool(
        'echo',
        { description: 'Echoes', inputSchema: { message: z.string() } },
        ({ message }) => ({ content: [{ type: 'text', text: message }] }),
      );
      server.registerTool('ask', { description: 'Asks the user', inputSchema: {} }, async () => {
        // Sent whatever the client declared (elicitInput() would check first): what a careless backend does.
        const answer = await server.server.request(
          {
            method: 'elicitation/create',
            params: {
              message: 'Continue?',
              requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } },
            },
          },
          ElicitResultSchema,
        );
        return { content: [{ type: 'text', text: `answer: ${answer.action}` }] };
      });
      server.registerTool(
        'slow',
        { description: 'Waits', inputSchema: { ms: z.number() } },
        async ({ ms }, extra) => {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            extra.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              legacyCancelled.push(String(extra.requestId));
              resolve();
            });
          });
          return { content: [{ type: 'text', text: 'done' }] };
        },
      );
    },
  });
  gw = await startGateway(`
backends:
  modern:
    http_url: ${modern.url}
  modern-strict:
    http_url: ${modern.url}
    timeout: 1
  legacy:
    http_url: ${legacy.url}
  toolbox:
    command: node dist/examples/backends/toolbox.js
`);
});

afterAll(async () => {
  await Promise.allSettled(modernClients.map((c) => c.close()));
  await gw?.close();
  await Promise.all([modern?.close(), legacy?.close()]);
});

describe('a 2026-07-28 client on /mcp/<backend>', () => {
  it('modern backend: relayed statelessly, capabilities mirrored exactly, input_required rounds passed through', async () => {
    const capabilities = { elicitation: { form: {} } };
    const client = await modernClient('modern', capabilities);
    client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: { confirm: true },
    }));
    expect(client.getNegotiatedProtocolVersion()).toBe(V);
    expect(client.getServerVersion()?.name).toBe('modern-backend');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).slice(0, 6)).toEqual([
      'echo',
      'confirm',
      'pick_model',
      'list_roots',
      'nag',
      'slow',
    ]);
    expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'hi' } }))).toBe('hi');
    const confirmed = await client.callTool({ name: 'confirm', arguments: { action: 'deploy' } });
    // The backend's own requestState came back to it unchanged, through the client.
    expect(firstText(confirmed)).toBe('confirmed: deploy (confirm:deploy)');
    const calls = modern.received.filter((r) => (r.body as { method?: string }).method === 'tools/call');
    const retry = calls.at(-1)!.body as {
      params: Record<string, unknown> & { _meta: Record<string, unknown> };
    };
    expect(retry.params.requestState).toMatch(/^confirm:deploy\./);
    expect(retry.params.inputResponses).toEqual({
      confirm: { action: 'accept', content: { confirm: true } },
    });
    expect(retry.params._meta['io.modelcontextprotocol/clientCapabilities']).toEqual(capabilities);
    expect(calls.at(-1)!.headers['mcp-name']).toBe('confirm');
    expect(gw.gateway.sessions.count()).toBe(0);
  });

  it('modern backend: closing the response cancels the backend request', async () => {
    const client = await modernClient('modern');
    const before = modern.cancelled;
    const abort = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { ms: 20_000 } }, { signal: abort.signal });
    await until(
      () => modern.received.some((r) => JSON.stringify(r.body).includes('"ms":20000')),
      'the slow call reached the backend',
    );
    abort.abort();
    await expect(call).rejects.toThrow();
    await until(() => modern.cancelled === before + 1, 'the backend saw its request end', 5_000);
  });

  it('modern backend: an SSE answer is streamed through, and closing it cancels the backend request', async () => {
    const client = await modernClient('modern');
    const before = modern.cancelled;
    const abort = new AbortController();
    const progress: number[] = [];
    const call = client.callTool(
      { name: 'slow', arguments: { ms: 20_001 } },
      { signal: abort.signal, onprogress: (p) => void progress.push(p.progress) },
    );
    await until(() => progress.length === 1, 'the progress event came through the stream');
    abort.abort();
    await expect(call).rejects.toThrow();
    await until(() => modern.cancelled === before + 1, 'the backend saw its request end', 5_000);
  });

  it('modern backend: one that does not start answering within its timeout gets 504', async () => {
    const response = await fetch(`${gw.url}/mcp/modern-strict`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': V,
        'mcp-method': 'tools/call',
        'mcp-name': 'slow',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: {
          name: 'slow',
          arguments: { ms: 5_000 },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': V,
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      }),
    });
    expect(response.status).toBe(504);
    const body = (await response.json()) as { id: number; error: { message: string } };
    expect(body.id).toBe(3);
    expect(body.error.message).toMatch(/did not answer within 1 s/);
  });

  it('legacy backend: discover, list (with cache hints) and call through a connection the gateway holds', async () => {
    const client = await modernClient('legacy');
    expect(client.getNegotiatedProtocolVersion()).toBe(V);
    expect(client.getServerVersion()?.name).toBe('legacy-backend');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['ask', 'echo', 'slow']);
    expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'via legacy' } }))).toBe(
      'via legacy',
    );
    const raw = await fetch(`${gw.url}/mcp/legacy`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': V,
        'mcp-method': 'tools/list',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': V } },
      }),
    });
    const listed = (await raw.json()) as { result: { ttlMs: number; cacheScope: string } };
    expect(listed.result.ttlMs).toBeGreaterThan(0);
    expect(listed.result.cacheScope).toBe('public');
    expect(raw.headers.get('mcp-session-id')).toBeNull();
  });

  it('legacy stdio backend: served through its shared process', async () => {
    const client = await modernClient('toolbox');
    expect(client.getNegotiatedProtocolVersion()).toBe(V);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('echo');
    expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'stdio' } }))).toBe('stdio');
  });

  it('legacy backend: the gateway holds its connection between stateless requests', async () => {
    const before = legacyInitializes;
    const client = await modernClient('legacy', { roots: {} });
    for (let i = 0; i < 5; i++)
      expect(firstText(await client.callTool({ name: 'echo', arguments: { message: `n${i}` } }))).toBe(
        `n${i}`,
      );
    // One handshake (at the client's server/discover) for these capabilities, none for the calls.
    expect(legacyInitializes - before).toBe(1);
  });

  it('legacy backend: an elicitation the client did not declare gets -32021 with requiredCapabilities, not a hang', async () => {
    const client = await modernClient('legacy');
    const started = Date.now();
    const error = await client.callTool({ name: 'ask', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as { code?: number; data?: { requiredCapabilities?: Record<string, unknown> } },
    );
    expect(error?.code).toBe(-32021);
    expect(error?.data?.requiredCapabilities).toEqual({ elicitation: {} });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('legacy backend: a declared one gets -32603 naming the missing bridge', async () => {
    const client = await modernClient('legacy', { elicitation: {} });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: {} }));
    const error = await client.callTool({ name: 'ask', arguments: {} }).then(
      () => undefined,
      (e: unknown) => e as { code?: number; message?: string },
    );
    expect(error?.code).toBe(-32603);
    expect(error?.message).toMatch(/does not bridge/);
  });

  it('legacy backend: closing the response sends notifications/cancelled to the backend', async () => {
    const client = await modernClient('legacy');
    const abort = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { ms: 20_000 } }, { signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 500));
    abort.abort();
    await expect(call).rejects.toThrow();
    await until(() => legacyCancelled.length === 1, 'the backend heard notifications/cancelled', 5_000);
  });
});

describe('an SDK v1 client (2025-11-25) on /mcp/<backend>', () => {
  it('legacy backend: as before', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/legacy`, { elicitation: {} });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { ok: true } }));
    expect(firstText(await client.callTool({ name: 'ask', arguments: {} }))).toBe('answer: accept');
    await endSession(client);
  });

  it('modern backend: the gateway drives the input_required rounds through the session (elicitation)', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/modern`, { elicitation: {} });
    expect(client.getServerVersion()?.name).toBe('modern-backend');
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(String(request.params.message));
      return { action: 'accept', content: { confirm: true } };
    });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('confirm');
    expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'old client' } }))).toBe(
      'old client',
    );
    const confirmed = await client.callTool({ name: 'confirm', arguments: { action: 'deploy' } });
    expect(firstText(confirmed)).toBe('confirmed: deploy (confirm:deploy)');
    expect(asked).toEqual(['Really deploy?']);
    // Each request reached the backend statelessly, with the capabilities the client declared at initialize.
    const last = modern.received.at(-1)!.body as { params: { _meta: Record<string, unknown> } };
    expect(last.params._meta['io.modelcontextprotocol/clientCapabilities']).toEqual({ elicitation: {} });
    expect(modern.received.at(-1)!.headers['mcp-session-id']).toBeUndefined();
    await endSession(client);
  });

  it('modern backend: sampling and roots rounds, a declined elicitation, the bound on rounds', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/modern`, {
      elicitation: {},
      sampling: {},
      roots: {},
    });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'a model answer' },
      model: 'test-model',
    }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///work' }] }));
    expect(firstText(await client.callTool({ name: 'pick_model', arguments: { prompt: 'hi' } }))).toBe(
      'sampled: a model answer',
    );
    expect(firstText(await client.callTool({ name: 'list_roots', arguments: {} }))).toBe('file:///work');
    expect(firstText(await client.callTool({ name: 'confirm', arguments: { action: 'drop' } }))).toBe(
      'not confirmed: drop',
    );
    const before = modern.received.length;
    await expect(client.callTool({ name: 'nag', arguments: {} })).rejects.toThrow(/after 8 rounds/);
    expect(modern.received.length - before).toBe(8);
    await endSession(client);
  });

  it('modern backend: a request the client did not declare the capability for is refused, not a hang', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/modern`);
    // The SDK v2 backend itself refuses to ask an undeclared capability (-32021); the gateway passes that on.
    await expect(client.callTool({ name: 'confirm', arguments: { action: 'x' } })).rejects.toThrow(/-32021/);
    await endSession(client);
  });

  it('modern backend: notifications/cancelled aborts the request to the backend', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/modern`);
    const before = modern.cancelled;
    const abort = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { ms: 20_000 } }, undefined, {
      signal: abort.signal,
    });
    await until(
      () => modern.received.filter((r) => JSON.stringify(r.body).includes('"ms":20000')).length >= 2,
      'the slow call reached the backend',
    );
    abort.abort();
    await expect(call).rejects.toThrow();
    await until(() => modern.cancelled === before + 1, 'the backend saw its request end', 5_000);
    await endSession(client);
  });
});

describe('both eras on the same URLs at once', () => {
  it('a v2 and a v1 client call each backend side by side', async () => {
    const sessions = gw.gateway.sessions.count();
    const v2 = await Promise.all([modernClient('modern'), modernClient('legacy')]);
    const v1 = await Promise.all([
      connectClient(`${gw.url}/mcp/modern`),
      connectClient(`${gw.url}/mcp/legacy`),
    ]);
    const texts = await Promise.all([
      ...v2.map((client, i) => client.callTool({ name: 'echo', arguments: { message: `v2-${i}` } })),
      ...v1.map(({ client }, i) => client.callTool({ name: 'echo', arguments: { message: `v1-${i}` } })),
    ]);
    expect(texts.map(firstText)).toEqual(['v2-0', 'v2-1', 'v1-0', 'v1-1']);
    // The v1 clients hold a session each; the v2 clients none.
    expect(gw.gateway.sessions.count() - sessions).toBe(2);
    await Promise.all(v1.map(({ client }) => endSession(client)));
  });
});

describe('metrics', () => {
  it('count the modern requests of /mcp/<backend> as any forwarded request', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    // A relayed call (modern client, modern backend) and a bridged one (legacy client, modern backend).
    expect(text).toMatch(
      /mcp_gateway_requests_total\{[^}]*backend="modern"[^}]*method="tools\/call"[^}]*outcome="ok"[^}]*\} [1-9]/,
    );
    expect(text).toMatch(
      /mcp_gateway_requests_total\{[^}]*backend="legacy"[^}]*method="tools\/call"[^}]*outcome="ok"[^}]*\} [1-9]/,
    );
  });
});
