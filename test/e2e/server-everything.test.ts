/**
 * The official reference server (`@modelcontextprotocol/server-everything`) behind the gateway, over each backend
 * transport: a stdio child the gateway starts, and Streamable HTTP and legacy SSE servers this file starts. A client
 * on /mcp/<backend> must not be able to tell the gateway from the backend: the same identity and capabilities, every
 * request forwarded, progress, cancellation, logging, subscriptions and the backend's requests to the client
 * (sampling, elicitation, roots) carried both ways. Where it makes sense the answer is compared with what a client
 * connected straight to the backend gets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ResourceUpdatedNotificationSchema,
  ResultSchema,
  type CallToolResult,
  type ClientCapabilities,
  type CreateMessageRequest,
  type ElicitRequest,
  type LoggingMessageNotification,
  type Progress,
  type Root,
} from '@modelcontextprotocol/sdk/types.js';
import { REPO_ROOT, startGateway, type RunningGateway } from '../helpers/gateway.js';

const PACKAGE_DIR = resolve(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist');
const ENTRY = resolve(PACKAGE_DIR, 'index.js');
const SERVER_NAME = 'mcp-servers/everything';
/** A static resource of server-everything: a file of its docs folder, served as it is on disk. */
const STATIC_DOC = 'features.md';
const STATIC_URI = `demo://resource/static/document/${STATIC_DOC}`;
/** What the test client advertises: server-everything registers some tools only for clients that can answer them. */
const CAPABILITIES: ClientCapabilities = { sampling: {}, elicitation: {}, roots: { listChanged: true } };
const CONDITIONAL_TOOLS = ['trigger-sampling-request', 'trigger-elicitation-request', 'get-roots-list'];
const ALWAYS_TOOLS = [
  'echo',
  'get-sum',
  'get-structured-content',
  'trigger-long-running-operation',
  'toggle-simulated-logging',
  'toggle-subscriber-updates',
];

type Mode = 'stdio' | 'streamableHttp' | 'sse';

interface TransportCase {
  mode: Mode;
  backend: string;
  /** A stdio backend is one process shared by every client session (the default scope; registry.ts). */
  shared: boolean;
}

const CASES: TransportCase[] = [
  { mode: 'stdio', backend: 'everything-stdio', shared: true },
  { mode: 'streamableHttp', backend: 'everything-http', shared: false },
  { mode: 'sse', backend: 'everything-sse', shared: false },
];

/**
 * Loaded into every server-everything process (`node --import`): logs each notifications/cancelled the backend
 * receives, and whether its requestId names a request the backend is handling, i.e. whether the gateway translated
 * the client's id into its own upstream id.
 */
const CANCEL_PROBE = `
import { appendFileSync } from 'node:fs';
import { Protocol } from '${pathToFileURL(resolve(REPO_ROOT, 'node_modules/@modelcontextprotocol/sdk/dist/esm/shared/protocol.js')).href}';
const original = Protocol.prototype._oncancel;
Protocol.prototype._oncancel = function (notification) {
  const requestId = notification.params?.requestId;
  const matched = requestId !== undefined && this._requestHandlerAbortControllers.has(requestId);
  appendFileSync(process.env.EVERYTHING_CANCEL_LOG, JSON.stringify({ requestId, reason: notification.params?.reason, matched }) + '\\n');
  return original.call(this, notification);
};
`;
let scratch: string;
const cancelLog = (mode: Mode) => join(scratch, `cancel-${mode}.jsonl`);
const probe = () => join(scratch, 'cancel-probe.mjs');

/** Children this file started, by pid, so that afterAll can stop each of them. */
const children: ChildProcess[] = [];
const ports: Partial<Record<Mode, number>> = {};
let gw: RunningGateway;
const debug = process.env.TEST_LOG_LEVEL === 'debug';

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'gw-everything-'));
  writeFileSync(probe(), CANCEL_PROBE);
  const [httpPort, ssePort] = [await freePort(), await freePort()];
  ports.streamableHttp = httpPort;
  ports.sse = ssePort;
  startEverything('streamableHttp', httpPort);
  startEverything('sse', ssePort);
  await Promise.all([waitForPort(httpPort), waitForPort(ssePort)]);
  gw = await startGateway(`
backends:
  everything-stdio:
    command: ${process.execPath} --import ${pathToFileURL(probe()).href} ${ENTRY} stdio
    env:
      EVERYTHING_CANCEL_LOG: ${cancelLog('stdio')}
  everything-http:
    http_url: http://127.0.0.1:${httpPort}/mcp
  everything-sse:
    http_url: http://127.0.0.1:${ssePort}/sse
`);
}, 20_000);

afterAll(async () => {
  await gw?.close();
  await Promise.all(children.map((child) => stop(child)));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 20_000);

describe.each(CASES)('server-everything over $mode through /mcp/$backend', ({ mode, backend, shared }) => {
  /** The client under test, on the gateway. */
  let c: TestClient;
  /** The same client, connected straight to the backend: the reference for "indistinguishable". */
  let direct: TestClient;

  beforeAll(async () => {
    [c, direct] = await Promise.all([
      openClient(gatewayTransport(backend)),
      openClient(directTransport(mode)),
    ]);
  }, 20_000);

  afterAll(async () => {
    await Promise.allSettled([c?.close(), direct?.close()]);
  });

  it("mirrors the backend's server info, capabilities and instructions", () => {
    expect(c.client.getServerVersion()?.name).toBe(SERVER_NAME);
    expect(c.client.getServerVersion()).toEqual(direct.client.getServerVersion());
    const caps = c.client.getServerCapabilities();
    expect(caps?.tools).toBeDefined();
    expect(caps?.resources?.subscribe).toBe(true);
    expect(caps?.prompts).toBeDefined();
    expect(caps?.logging).toBeDefined();
    expect(caps?.completions).toBeDefined();
    expect(caps).toEqual(direct.client.getServerCapabilities());
    expect(c.client.getInstructions()).toBeTruthy();
    expect(c.client.getInstructions()).toBe(direct.client.getInstructions());
  });

  it('lists the tools, with those that need sampling, elicitation and roots', async () => {
    const { tools } = await c.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining([...ALWAYS_TOOLS, ...CONDITIONAL_TOOLS]));
    const reference = await direct.client.listTools();
    // Each tool as the backend defines it (schemas, annotations, output schema), untouched.
    for (const name of [...ALWAYS_TOOLS, ...CONDITIONAL_TOOLS]) {
      expect(tools.find((t) => t.name === name)).toEqual(reference.tools.find((t) => t.name === name));
    }
    // A shared stdio process is initialized once with every client capability, so its list does not follow the
    // client's; a remote backend gets a session advertising exactly what this client advertised.
    if (!shared) expect(tools).toEqual(reference.tools);
  });

  it.skipIf(shared)('hides the conditional tools from a client that cannot answer them', async () => {
    const bare = await openClient(gatewayTransport(backend), {});
    try {
      const names = (await bare.client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(ALWAYS_TOOLS));
      for (const name of CONDITIONAL_TOOLS) expect(names).not.toContain(name);
    } finally {
      await bare.close();
    }
  });

  it('calls echo and get-sum', async () => {
    const echo = await call(c, 'echo', { message: 'héllo, gateway' });
    expect(echo).toEqual({ content: [{ type: 'text', text: 'Echo: héllo, gateway' }] });
    const sum = await call(c, 'get-sum', { a: 19, b: 23 });
    expect(texts(sum)).toContain('42');
  });

  it('returns structuredContent unchanged, valid against the outputSchema the client cached', async () => {
    const weather = { temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 };
    const raw = await c.client.request(
      {
        method: 'tools/call',
        params: { name: 'get-structured-content', arguments: { location: 'Chicago' } },
      },
      CallToolResultSchema,
    );
    expect(raw.structuredContent).toEqual(weather);
    expect(JSON.parse(texts(raw))).toEqual(weather);
    // callTool() checks structuredContent against the outputSchema from the earlier tools/list.
    await c.client.listTools();
    const checked = await c.client.callTool({
      name: 'get-structured-content',
      arguments: { location: 'Chicago' },
    });
    expect(checked.structuredContent).toEqual(weather);
  });

  it('lists prompts and gets one with arguments', async () => {
    const { prompts } = await c.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(
      expect.arrayContaining(['simple-prompt', 'args-prompt', 'completable-prompt', 'resource-prompt']),
    );
    expect(prompts).toEqual((await direct.client.listPrompts()).prompts);
    const prompt = await c.client.getPrompt({
      name: 'args-prompt',
      arguments: { city: 'Lyon', state: 'RA' },
    });
    expect(prompt.messages).toEqual([
      { role: 'user', content: { type: 'text', text: "What's weather in Lyon, RA?" } },
    ]);
  });

  it('lists and reads resources and resource templates', async () => {
    const { resources } = await c.client.listResources();
    expect(resources.map((r) => r.uri)).toContain(STATIC_URI);
    expect(resources).toEqual((await direct.client.listResources()).resources);

    const read = await c.client.readResource({ uri: STATIC_URI });
    expect(read.contents).toEqual([
      {
        uri: STATIC_URI,
        mimeType: 'text/markdown',
        text: readFileSync(resolve(PACKAGE_DIR, 'docs', STATIC_DOC), 'utf8'),
      },
    ]);

    const { resourceTemplates } = await c.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain(
      'demo://resource/dynamic/text/{resourceId}',
    );
    expect(resourceTemplates).toEqual((await direct.client.listResourceTemplates()).resourceTemplates);
    const dynamic = await c.client.readResource({ uri: 'demo://resource/dynamic/text/7' });
    expect(dynamic.contents[0]).toMatchObject({
      uri: 'demo://resource/dynamic/text/7',
      mimeType: 'text/plain',
    });
    expect(JSON.stringify(dynamic.contents[0])).toMatch(/"text":"Resource 7: This is a plaintext resource/);
  });

  it('completes prompt arguments, with context', async () => {
    const ref = { type: 'ref/prompt' as const, name: 'completable-prompt' };
    const department = await c.client.complete({ ref, argument: { name: 'department', value: 'E' } });
    expect(department.completion.values).toEqual(['Engineering']);
    const lead = await c.client.complete({
      ref,
      argument: { name: 'name', value: 'A' },
      context: { arguments: { department: 'Engineering' } },
    });
    expect(lead.completion.values).toEqual(['Alice']);
  });

  it('delivers every progress update, the last one included, before the result', async () => {
    const steps = 8;
    // The last update is written right before the result; a gateway dispatching notifications a tick late loses it
    // only now and then, hence several rounds.
    for (let round = 0; round < 4; round++) {
      const seen: Progress[] = [];
      const result = await call(
        c,
        'trigger-long-running-operation',
        { duration: 0.2, steps },
        { onprogress: (p) => seen.push(p) },
      );
      expect(texts(result)).toContain(`Steps: ${steps}`);
      expect(seen.map((p) => p.progress)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
      expect(seen.every((p) => p.total === steps)).toBe(true);
    }
    expect(c.errors.filter((e) => /progress/i.test(e))).toEqual([]);
  });

  it("keeps two clients' progress apart when they call at once", async () => {
    const other = await openClient(gatewayTransport(backend));
    try {
      const mine: Progress[] = [];
      const theirs: Progress[] = [];
      // Both SDK clients use their own message ids as progress tokens, which may well be equal.
      await Promise.all([
        call(
          c,
          'trigger-long-running-operation',
          { duration: 0.3, steps: 3 },
          { onprogress: (p) => mine.push(p) },
        ),
        call(
          other,
          'trigger-long-running-operation',
          { duration: 0.5, steps: 5 },
          {
            onprogress: (p) => theirs.push(p),
          },
        ),
      ]);
      expect(mine.map((p) => [p.progress, p.total])).toEqual([
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
      expect(theirs.map((p) => p.progress)).toEqual([1, 2, 3, 4, 5]);
      expect(theirs.every((p) => p.total === 5)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('cancels a call at once, forwards no progress after it, and keeps serving', async () => {
    const cancelsBefore = readCancels(mode).length;
    const controller = new AbortController();
    let firstProgress!: () => void;
    const started = new Promise<void>((r) => (firstProgress = r));
    const pending = c.client.request(
      {
        method: 'tools/call',
        // 25 steps over 5 s: one every 200 ms, so a progress for the cancelled call would show within the wait below.
        params: { name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 25 } },
      },
      CallToolResultSchema,
      { signal: controller.signal, onprogress: () => firstProgress() },
    );
    const outcome = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await withTimeout(started, 5_000, 'no progress from the long-running operation');
    const abortedAt = Date.now();
    controller.abort('test cancelled');
    const error = await outcome;
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    // SDK 1.32 rejects an aborted request with McpError RequestTimeout carrying the abort reason.
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).message).toContain('test cancelled');

    // The backend got notifications/cancelled for the id of the call it is running, with the client's reason.
    await waitUntil(
      () => readCancels(mode).length > cancelsBefore,
      3_000,
      'notifications/cancelled at the backend',
    );
    expect(readCancels(mode).slice(cancelsBefore)).toEqual([
      { requestId: expect.anything(), reason: 'test cancelled', matched: true },
    ]);

    // The SDK reports progress for a token it no longer knows through onerror: the gateway must drop them.
    const errorsBefore = c.errors.length;
    await sleep(700);
    expect(c.errors.slice(errorsBefore)).toEqual([]);

    const echo = await call(c, 'echo', { message: 'still here' });
    expect(texts(echo)).toBe('Echo: still here');
  });

  it("answers the backend's sampling request with the client's handler", async () => {
    c.sampling.length = 0;
    const result = await call(c, 'trigger-sampling-request', { prompt: 'say hi', maxTokens: 42 });
    expect(c.sampling).toHaveLength(1);
    expect(c.sampling[0]).toMatchObject({
      maxTokens: 42,
      systemPrompt: 'You are a helpful test server.',
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: 'Resource trigger-sampling-request context: say hi' },
        },
      ],
    });
    const text = texts(result);
    expect(text).toContain('LLM sampling result');
    expect(text).toContain('gw-test-model');
    expect(text).toContain('sampled by the test client: say hi');
  });

  it("answers the backend's elicitation request with the client's handler", async () => {
    c.elicitations.length = 0;
    const result = await call(c, 'trigger-elicitation-request', {});
    expect(c.elicitations).toHaveLength(1);
    expect(c.elicitations[0]?.message).toBe('Please provide inputs for the following fields:');
    const text = texts(result);
    expect(text).toContain('User provided the requested information');
    expect(text).toContain('- Name: Ada Lovelace');
    expect(text).toContain('- Agreed to terms: true');
    expect(text).toContain('- Favorite Integer: 7');
  });

  it("answers roots/list with the client's roots, and forwards roots/list_changed", async () => {
    const listed = await call(c, 'get-roots-list', {});
    expect(texts(listed)).toContain('Current MCP Roots (1 total)');
    expect(texts(listed)).toContain('URI: file:///tmp/gw-test-root');
    const callsBefore = c.rootsCalls;
    c.roots = [...c.roots, { uri: 'file:///tmp/gw-test-root-2', name: 'second root' }];
    await c.client.sendRootsListChanged();
    // server-everything asks again for the roots when it is told they changed, outside any call.
    await waitUntil(() => c.rootsCalls > callsBefore, 5_000, 'roots/list after roots/list_changed');
    const relisted = await call(c, 'get-roots-list', {});
    expect(texts(relisted)).toContain('Current MCP Roots (2 total)');
    expect(texts(relisted)).toContain('URI: file:///tmp/gw-test-root-2');
  });

  it('forwards logging/setLevel and delivers notifications/message', async () => {
    await c.client.setLoggingLevel('debug');
    c.logs.length = 0;
    const toggled = await call(c, 'toggle-simulated-logging', {});
    expect(texts(toggled)).toMatch(/^Started simulated/);
    try {
      // The backend sends one message at once, then one every 5 s.
      await waitUntil(
        () => c.logs.some((m) => /level[- ]message/i.test(String(m.data))),
        3_000,
        'a simulated log',
      );
    } finally {
      const off = await call(c, 'toggle-simulated-logging', {});
      expect(texts(off)).toMatch(/^Stopped simulated/);
    }

    // The level is the backend's to apply, not the gateway's: above "info", the backend's info log about a
    // subscription is not sent; at "info" it is. (Two URIs: the second subscribe must be a first one too.)
    const [quiet, loud] = ['demo://resource/dynamic/text/1', 'demo://resource/dynamic/text/2'];
    try {
      await c.client.setLoggingLevel('error');
      c.logs.length = 0;
      await c.client.subscribeResource({ uri: quiet });
      await sleep(500);
      expect(subscribeLogs(c, quiet)).toEqual([]);
      await c.client.setLoggingLevel('info');
      await c.client.subscribeResource({ uri: loud });
      await waitUntil(() => subscribeLogs(c, loud).length > 0, 3_000, 'the info log of a subscription');
    } finally {
      await c.client.unsubscribeResource({ uri: quiet });
      await c.client.unsubscribeResource({ uri: loud });
      await c.client.setLoggingLevel('debug');
    }
  });

  // A shared stdio process holds one subscription per URI for all sessions, so the gateway counts subscribers there
  // by design; a remote backend has a session per client, where nothing justifies answering in its place.
  it.skipIf(shared)('forwards every resources/subscribe and /unsubscribe to the backend', async () => {
    const uri = 'demo://resource/dynamic/text/3';
    const sequence = async (t: TestClient) => {
      await t.client.setLoggingLevel('info');
      t.logs.length = 0;
      await t.client.subscribeResource({ uri });
      await t.client.subscribeResource({ uri });
      await t.client.unsubscribeResource({ uri });
      await t.client.unsubscribeResource({ uri });
      // The backend logs each request it handles (at info level); a request answered elsewhere leaves no log.
      await sleep(500);
      return t.logs.map((m) => String(m.data).replace(/ from session .*| $/, ''));
    };
    const expected = [
      `Received Subscribe Resource request for URI: ${uri}`,
      `Received Subscribe Resource request for URI: ${uri}`,
      `Received Unsubscribe Resource request: ${uri}`,
      `Received Unsubscribe Resource request: ${uri}`,
    ];
    expect(await sequence(direct)).toEqual(expected);
    try {
      expect(await sequence(c)).toEqual(expected);
    } finally {
      await c.client.setLoggingLevel('debug');
    }
  });

  it('delivers notifications/resources/updated for a subscribed resource', async () => {
    await c.client.subscribeResource({ uri: STATIC_URI });
    c.updates.length = 0;
    const toggled = await call(c, 'toggle-subscriber-updates', {});
    expect(texts(toggled)).toMatch(/^Started simulated resource updated/);
    try {
      // The backend sends one update at once, then one every 5 s; 10 s covers a missed first one.
      await waitUntil(() => c.updates.includes(STATIC_URI), 10_000, `resources/updated for ${STATIC_URI}`);
    } finally {
      await call(c, 'toggle-subscriber-updates', {});
      await c.client.unsubscribeResource({ uri: STATIC_URI });
    }
    expect(c.updates.every((uri) => uri === STATIC_URI)).toBe(true);
  }, 15_000);

  it("returns the backend's own -32601 for an unknown method", async () => {
    const viaGateway = await c.client
      .request({ method: 'no/such-method', params: {} }, ResultSchema)
      .catch((e: unknown) => e);
    const reference = await direct.client
      .request({ method: 'no/such-method', params: {} }, ResultSchema)
      .catch((e: unknown) => e);
    expect(viaGateway).toBeInstanceOf(McpError);
    expect(reference).toBeInstanceOf(McpError);
    expect((viaGateway as McpError).code).toBe(-32601);
    expect((viaGateway as McpError).message).toBe('MCP error -32601: Method not found');
    const shape = (e: McpError) => ({ code: e.code, message: e.message, data: e.data });
    expect(shape(viaGateway as McpError)).toEqual(shape(reference as McpError));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Clients

/** tools/call without the SDK's outputSchema check, so that the result is what the gateway sent. */
function call(t: TestClient, name: string, args: Record<string, unknown> = {}, options?: RequestOptions) {
  return t.client.request(
    { method: 'tools/call', params: { name, arguments: args } },
    CallToolResultSchema,
    options,
  );
}

/** Every text block of a tool result, joined. */
function texts(result: CallToolResult): string {
  return result.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
}

interface TestClient {
  client: Client;
  /** What the client's handlers were asked, and what it received. */
  sampling: CreateMessageRequest['params'][];
  elicitations: ElicitRequest['params'][];
  rootsCalls: number;
  roots: Root[];
  logs: LoggingMessageNotification['params'][];
  updates: string[];
  /** Messages of the SDK's onerror (for example progress for an unknown token). */
  errors: string[];
  close(): Promise<void>;
}

/** A client with handlers for everything a backend may ask, registered before it connects. */
async function openClient(
  transport: Transport,
  capabilities: ClientCapabilities = CAPABILITIES,
): Promise<TestClient> {
  const client = new Client({ name: 'gateway-test', version: '1.0.0' }, { capabilities });
  const t: TestClient = {
    client,
    sampling: [],
    elicitations: [],
    rootsCalls: 0,
    roots: [{ uri: 'file:///tmp/gw-test-root', name: 'gw test root' }],
    logs: [],
    updates: [],
    errors: [],
    // A polite client ends its session (DELETE): the gateway then detaches it from a shared backend at once,
    // rather than when its idle sweep finds the session abandoned.
    close: async () => {
      if (transport instanceof StreamableHTTPClientTransport)
        await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
  client.onerror = (error) => t.errors.push(error.message);
  if (capabilities.sampling) {
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      t.sampling.push(request.params);
      const prompt = request.params.messages[0]?.content;
      const said = prompt && 'text' in prompt ? String(prompt.text).replace(/^.*context: /, '') : '';
      return {
        model: 'gw-test-model',
        role: 'assistant',
        content: { type: 'text', text: `sampled by the test client: ${said}` },
      };
    });
  }
  if (capabilities.elicitation) {
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      t.elicitations.push(request.params);
      return { action: 'accept', content: { name: 'Ada Lovelace', check: true, integer: 7 } };
    });
  }
  if (capabilities.roots) {
    client.setRequestHandler(ListRootsRequestSchema, () => {
      t.rootsCalls++;
      return { roots: t.roots };
    });
  }
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void t.logs.push(n.params));
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void t.updates.push(n.params.uri));
  await client.connect(transport);
  return t;
}

function gatewayTransport(backend: string): Transport {
  return new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/${backend}`));
}

/** A transport straight to the backend; for stdio a second child of its own, stopped when the client closes. */
function directTransport(mode: Mode): Transport {
  if (mode === 'stdio') {
    return new StdioClientTransport({
      command: process.execPath,
      args: [ENTRY, 'stdio'],
      env: getDefaultEnvironment(),
      stderr: 'ignore',
    });
  }
  if (mode === 'sse') return new SSEClientTransport(new URL(`http://127.0.0.1:${ports.sse}/sse`));
  return new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${ports.streamableHttp}/mcp`));
}

// ---------------------------------------------------------------------------------------------------------------
// Processes and waiting

/** The backend's info logs acknowledging a resources/subscribe for `uri`. */
function subscribeLogs(t: TestClient, uri: string) {
  return t.logs.filter((m) => String(m.data).includes(`Received Subscribe Resource request for URI: ${uri}`));
}

function readCancels(mode: Mode): Array<{ requestId: unknown; reason: unknown; matched: boolean }> {
  let text: string;
  try {
    text = readFileSync(cancelLog(mode), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { requestId: unknown; reason: unknown; matched: boolean });
}

function startEverything(mode: 'streamableHttp' | 'sse', port: number): ChildProcess {
  const child = spawn(process.execPath, ['--import', pathToFileURL(probe()).href, ENTRY, mode], {
    env: { ...process.env, PORT: String(port), EVERYTHING_CANCEL_LOG: cancelLog(mode) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const drain = (chunk: Buffer) => {
    if (debug) process.stderr.write(`[everything ${mode}] ${chunk.toString()}`);
  };
  child.stdout?.on('data', drain);
  child.stderr?.on('data', drain);
  children.push(child);
  return child;
}

/** SIGTERM by pid, SIGKILL if it is still there after 2 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid, 'SIGTERM');
  const gone = await Promise.race([exited.then(() => true), sleep(2_000).then(() => false)]);
  if (!gone) {
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        r(true);
      });
      socket.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
