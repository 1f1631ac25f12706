/**
 * A Connection over the SDK's in-memory transport, against an SDK Server written here: no gateway, no process. What the
 * session layer relies on is checked at the seam: the backend's identity, results passed on as they are, progress with
 * the caller's token, what the backend sends on its own reaching the right peer, counted subscriptions on a shared
 * connection, and calls in flight failing at once when the backend goes away.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ElicitResultSchema,
  ListToolsRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type Notification,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Connection, Peer } from '../../src/backends/connection.js';
import { connectTransport } from '../../src/backends/mcp-connection.js';
import { createStderrRing } from '../../src/backends/stderr-ring.js';
import { silentLogger } from '../../src/log.js';

const LIMITS = { timeoutMs: 5_000, maxTotalMs: 5_000 };

interface Backend {
  server: Server;
  subscribes: string[];
  unsubscribes: string[];
}

function backendServer(): Backend {
  const server = new Server(
    { name: 'in-memory', version: '1.2.3' },
    {
      capabilities: { tools: { listChanged: true }, logging: {}, resources: { subscribe: true } },
      instructions: 'hi',
    },
  );
  const backend: Backend = { server, subscribes: [], unsubscribes: [] };
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [] }));
  server.setRequestHandler(SubscribeRequestSchema, (request) => {
    backend.subscribes.push(request.params.uri);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    backend.unsubscribes.push(request.params.uri);
    return {};
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const token = request.params._meta?.progressToken;
    switch (request.params.name) {
      case 'progress':
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token!, progress: 1, total: 2 },
        });
        return { content: [{ type: 'text', text: 'done' }] };
      case 'log':
        await server.sendLoggingMessage({ level: 'info', data: 'working' });
        return { content: [] };
      case 'ask': {
        const answer = await server.request(
          {
            method: 'elicitation/create',
            params: { mode: 'form', message: 'name?', requestedSchema: { type: 'object', properties: {} } },
          },
          ElicitResultSchema,
        );
        return { content: [{ type: 'text', text: answer.action }] };
      }
      case 'bad-structure':
        // Not what an output schema would allow: a gateway forwards it as it is.
        return { content: [], structuredContent: { unexpected: true } };
      default:
        return new Promise(() => {});
    }
  });
  return backend;
}

/** A peer that records what reaches it and answers the backend's requests with `action`. */
function recordingPeer(action = 'accept') {
  const heard: Array<{ notification: Notification; related: RequestId | undefined }> = [];
  const asked: Array<{ method: string; related: RequestId | undefined }> = [];
  const peer: Peer = {
    notify: (notification, related) => heard.push({ notification, related }),
    request: async (request, related) => {
      asked.push({ method: request.method, related });
      return { action };
    },
  };
  return { peer, heard, asked };
}

const open: Connection[] = [];
async function connect(backend: Backend, options: { shared?: boolean; peers?: Set<Peer> } = {}) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await backend.server.connect(serverSide);
  const connection = await connectTransport(
    'mem',
    { transport: clientSide, pid: () => undefined, exit: () => undefined, stderr: createStderrRing() },
    {
      clientInfo: { name: 'test', version: '0' },
      capabilities: { elicitation: { form: {} } },
      log: silentLogger(),
      connectTimeoutMs: 2_000,
      ...options,
    },
  );
  open.push(connection);
  return connection;
}

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((c) => c.close()));
});

describe('McpConnection', () => {
  it("reports the backend's identity and passes results on as they are", async () => {
    const connection = await connect(backendServer());
    expect(connection.info.serverInfo).toMatchObject({ name: 'in-memory', version: '1.2.3' });
    expect(connection.info.capabilities.tools).toEqual({ listChanged: true });
    expect(connection.info.instructions).toBe('hi');
    const result = await connection.request('tools/call', { name: 'bad-structure' }, LIMITS);
    expect(result).toEqual({ content: [], structuredContent: { unexpected: true } });
    expect(connection.callsInFlight).toBe(0);
  });

  it("carries progress back with the caller's own token", async () => {
    const connection = await connect(backendServer());
    const progress: unknown[] = [];
    await connection.request(
      'tools/call',
      { name: 'progress', _meta: { progressToken: 'mine' } },
      {
        ...LIMITS,
        onProgress: (params) => progress.push(params),
      },
    );
    expect(progress).toEqual([{ progressToken: 'mine', progress: 1, total: 2 }]);
  });

  it('sends what the backend says during a call to the caller, and list changes to every peer', async () => {
    const backend = backendServer();
    const a = recordingPeer();
    const b = recordingPeer();
    const connection = await connect(backend, { peers: new Set([a.peer, b.peer]), shared: true });
    await connection.request(
      'tools/call',
      { name: 'log' },
      { ...LIMITS, caller: { peer: a.peer, requestId: 7 } },
    );
    expect(a.heard).toMatchObject([
      {
        notification: { method: 'notifications/message', params: { level: 'info', data: 'working' } },
        related: 7,
      },
    ]);
    expect(b.heard).toEqual([]);

    const seen: string[] = [];
    connection.observe((n) => seen.push(n.method));
    await backend.server.sendToolListChanged();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['notifications/tools/list_changed']);
    expect(a.heard.at(-1)?.notification.method).toBe('notifications/tools/list_changed');
    expect(b.heard.at(-1)?.notification.method).toBe('notifications/tools/list_changed');
  });

  it('sends a message it cannot relate to one call only to a connection with one client', async () => {
    const backend = backendServer();
    const a = recordingPeer();
    const b = recordingPeer();
    const peers = new Set([a.peer]);
    await connect(backend, { peers, shared: true });
    await backend.server.sendLoggingMessage({ level: 'info', data: 'alone' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(a.heard.map((h) => h.notification.params?.data)).toEqual(['alone']);
    peers.add(b.peer);
    await backend.server.sendLoggingMessage({ level: 'info', data: 'whose?' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(a.heard.map((h) => h.notification.params?.data)).toEqual(['alone']);
    expect(b.heard).toEqual([]);
  });

  it("passes the backend's request to the client whose call is in flight, and its answer back", async () => {
    const a = recordingPeer('decline');
    const b = recordingPeer('accept');
    const connection = await connect(backendServer(), { peers: new Set([a.peer, b.peer]), shared: true });
    const result = await connection.request(
      'tools/call',
      { name: 'ask' },
      {
        ...LIMITS,
        caller: { peer: a.peer, requestId: 'r1' },
      },
    );
    expect(result).toEqual({ content: [{ type: 'text', text: 'decline' }] });
    expect(a.asked).toEqual([{ method: 'elicitation/create', related: 'r1' }]);
    expect(b.asked).toEqual([]);
  });

  it('counts subscriptions on a shared connection: first subscribe and last unsubscribe reach the backend', async () => {
    const backend = backendServer();
    const a = recordingPeer();
    const b = recordingPeer();
    const connection = await connect(backend, { peers: new Set([a.peer, b.peer]), shared: true });
    const as = (peer: Peer) => ({ ...LIMITS, caller: { peer, requestId: 1 } });
    await connection.request('resources/subscribe', { uri: 'mem://x' }, as(a.peer));
    await connection.request('resources/subscribe', { uri: 'mem://x' }, as(b.peer));
    expect(backend.subscribes).toEqual(['mem://x']);
    await connection.request('resources/unsubscribe', { uri: 'mem://x' }, as(a.peer));
    expect(backend.unsubscribes).toEqual([]);
    connection.detach(b.peer);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(backend.unsubscribes).toEqual(['mem://x']);
  });

  it('fails calls in flight at once when the backend goes away, and says why', async () => {
    const backend = backendServer();
    const connection = await connect(backend);
    const reasons: string[] = [];
    connection.onClosed((reason) => reasons.push(reason));
    const call = connection.request('tools/call', { name: 'hang' }, LIMITS);
    await backend.server.close();
    await expect(call).rejects.toMatchObject({
      code: -32010,
      message: 'backend "mem" is unavailable: the connection closed',
    });
    expect(connection.closed).toBe(true);
    expect(connection.callsInFlight).toBe(0);
    expect(reasons).toEqual(['the connection closed']);
    await expect(connection.request('tools/call', { name: 'x' }, LIMITS)).rejects.toMatchObject({
      code: -32010,
    });
  });

  it('names the backend when it never answers initialize', async () => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await serverSide.start();
    const connecting = connectTransport(
      'silent',
      { transport: clientSide, pid: () => undefined, exit: () => undefined, stderr: createStderrRing() },
      {
        clientInfo: { name: 'test', version: '0' },
        capabilities: {},
        log: silentLogger(),
        connectTimeoutMs: 100,
      },
    );
    await expect(connecting).rejects.toThrow(
      'backend "silent" could not be started: it did not answer initialize within 0.1 s',
    );
  });
});
