/**
 * @module shared-stdio-isolation: reliability plan S6 (the CVE-2026-25536 class). Fifty client sessions share ONE
 * stdio backend process through /mcp/<backend>; every client uses the same JSON-RPC ids (fresh SDK clients all count
 * 0, 1, 2, …) and the same progress token, and every payload carries a nonce unique to (client, call). No response,
 * progress notification or cancellation may reach another client, and the backend must see gateway-unique ids.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  ProgressNotificationSchema,
  isJSONRPCNotification,
  isJSONRPCRequest,
  type CallToolResult,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type ProgressNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';

const CLIENTS = 50;
const ECHO_CALLS_PER_CLIENT = 4; // 200 calls in all
const MAX_DELAY_MS = 60;
const PROGRESS_STEPS = 5;
/** The progress token every client uses at once; legal per client, colliding across clients. */
const SHARED_TOKEN = 'same';

/** One client session with what it put on the wire and everything unexpected it received. */
interface Traced {
  label: string;
  client: Client;
  sent: JSONRPCMessage[];
  progress: ProgressNotification['params'][];
  errors: unknown[];
}

/** A tools/call as the fixture recorded it (see test/fixtures/echo-nonce-server.ts). */
interface SeenCall {
  id: string | number;
  tool: string;
  nonce: string | null;
  progressToken: string | number | null;
}

let gw: RunningGateway;
const all: Traced[] = [];
let crowd: Traced[] = [];
let probe: Traced;

beforeAll(async () => {
  gw = await startGateway(`
backends:
  echo:
    command: node dist/test/fixtures/echo-nonce-server.js
    timeout: 20
`);
  // All fifty initialize at once: their first use of the backend must also share one start.
  crowd = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => connect(`c${i}`)));
  probe = await connect('probe');
});

afterAll(async () => {
  await Promise.allSettled(all.map((t) => t.client.close()));
  await gw?.close();
});

/** A fresh SDK client on /mcp/echo whose outgoing messages are recorded and whose progress is captured raw. */
async function connect(label: string): Promise<Traced> {
  const client = new Client({ name: `isolation-${label}`, version: '1.0.0' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp/echo`));
  const traced: Traced = { label, client, sent: [], progress: [], errors: [] };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    traced.sent.push(...structuredClone(Array.isArray(message) ? message : [message]));
    return send(message, options);
  };
  // Replaces the SDK's own progress routing (keyed by the ids it would have chosen as tokens): we send our own
  // colliding token and want to see every progress notification this session receives, whoever it was meant for.
  client.setNotificationHandler(ProgressNotificationSchema, (notification) => {
    traced.progress.push(notification.params);
  });
  client.onerror = (error) => traced.errors.push(error);
  await client.connect(transport);
  all.push(traced);
  return traced;
}

function callTool(
  t: Traced,
  name: string,
  args: Record<string, unknown>,
  options: { progressToken?: string; signal?: AbortSignal } = {},
): Promise<CallToolResult> {
  return t.client.request(
    {
      method: 'tools/call',
      params: {
        name,
        arguments: args,
        ...(options.progressToken !== undefined ? { _meta: { progressToken: options.progressToken } } : {}),
      },
    },
    CallToolResultSchema,
    options.signal ? { signal: options.signal, timeout: 20_000 } : { timeout: 20_000 },
  );
}

/** The tools/call requests a client sent for `tool`, in order. */
function sentCalls(t: Traced, tool: string): JSONRPCRequest[] {
  return t.sent.filter(
    (m): m is JSONRPCRequest => isJSONRPCRequest(m) && m.method === 'tools/call' && m.params?.name === tool,
  );
}

async function seenByBackend(): Promise<SeenCall[]> {
  const result = await callTool(probe, 'seen_ids', {});
  return (result.structuredContent as { calls: SeenCall[] }).calls;
}

async function cancelledNonces(): Promise<string[]> {
  const result = await callTool(probe, 'cancelled_nonces', {});
  return (result.structuredContent as { nonces: string[] }).nonces;
}

/**
 * Everything the SDK reported to a client's onerror instead of throwing: a response or progress notification for a
 * request the session never made shows up here ("unknown message ID", "unknown token"). None is expected at all.
 */
function clientErrors(): string[] {
  return all.flatMap((t) => t.errors.map((e) => `${t.label}: ${e instanceof Error ? e.message : String(e)}`));
}

/** Waits for `condition` to hold, without failing: the assertions after it say precisely what is wrong. */
async function settle(condition: () => void | Promise<void>): Promise<void> {
  await vi.waitFor(condition, { timeout: 5_000, interval: 25 }).catch(() => {});
}

describe('one shared stdio backend, fifty clients with colliding ids', () => {
  it('runs every session on one backend process', () => {
    const echo = gw.gateway.registry.status().find((s) => s.name === 'echo');
    expect(echo?.connections).toBe(1);
    expect(echo?.pid).toBeGreaterThan(0);
  });

  it('returns every echo_nonce result to the client that asked, 200 concurrent calls', async () => {
    const calls = crowd.flatMap((t, c) =>
      Array.from({ length: ECHO_CALLS_PER_CLIENT }, (_, k) => {
        const nonce = `${t.label}-k${k}-${randomUUID()}`;
        const delay_ms = Math.floor(Math.random() * MAX_DELAY_MS);
        return callTool(t, 'echo_nonce', { nonce, delay_ms }).then(
          (result) => ({ c, nonce, result, error: undefined }),
          (error: unknown) => ({ c, nonce, result: undefined, error }),
        );
      }),
    );
    const outcomes = await Promise.all(calls);

    // The ids really collide: every client sent the same id sequence for its echo calls.
    const idLists = crowd.map((t) => sentCalls(t, 'echo_nonce').map((m) => m.id));
    expect(idLists[0]).toHaveLength(ECHO_CALLS_PER_CLIENT);
    for (const ids of idLists) expect(ids).toEqual(idLists[0]);

    const failed = outcomes.filter((o) => o.error !== undefined);
    expect(failed.map((o) => String(o.error))).toEqual([]);
    const misrouted = outcomes.filter(
      (o) =>
        o.result === undefined ||
        firstText(o.result) !== o.nonce ||
        (o.result.structuredContent as { nonce?: string } | undefined)?.nonce !== o.nonce,
    );
    expect(misrouted.map((o) => ({ expected: o.nonce, got: o.result?.structuredContent }))).toEqual([]);
    expect(outcomes).toHaveLength(CLIENTS * ECHO_CALLS_PER_CLIENT);
    expect(clientErrors()).toEqual([]);

    // The backend received each call once, under ids of the gateway's own: unique although the clients' collide.
    const seen = (await seenByBackend()).filter((s) => s.tool === 'echo_nonce');
    expect(seen).toHaveLength(CLIENTS * ECHO_CALLS_PER_CLIENT);
    expect(new Set(seen.map((s) => s.nonce)).size).toBe(seen.length);
    expect(new Set(seen.map((s) => s.id)).size).toBe(seen.length);
  });

  it('delivers progress with a token every client uses only to the client whose call it is', async () => {
    const nonces = crowd.map((t) => `${t.label}-progress-${randomUUID()}`);
    for (const t of crowd) t.progress.length = 0;
    const outcomes = await Promise.all(
      crowd.map((t, c) =>
        callTool(
          t,
          'progress_nonce',
          { nonce: nonces[c], steps: PROGRESS_STEPS },
          { progressToken: SHARED_TOKEN },
        ),
      ),
    );
    outcomes.forEach((result, c) => expect(firstText(result)).toBe(nonces[c]));

    // What went on the wire: the same token from every client (and the same request id too).
    const sent = crowd.map((t) => sentCalls(t, 'progress_nonce'));
    for (const calls of sent) {
      expect(calls).toHaveLength(1);
      expect(calls[0]!.params?._meta?.progressToken).toBe(SHARED_TOKEN);
      expect(calls[0]!.id).toBe(sent[0]![0]!.id);
    }

    // The SDK hands notifications to handlers a microtask after it reads them; give the last ones a moment.
    await settle(() => {
      for (const t of crowd) expect(t.progress.length).toBeGreaterThanOrEqual(PROGRESS_STEPS);
    });
    const misrouted = crowd.flatMap((t, c) =>
      t.progress
        .filter((p) => typeof p.message !== 'string' || !p.message.startsWith(`${nonces[c]}#`))
        .map((p) => ({ client: t.label, message: p.message })),
    );
    expect(misrouted).toEqual([]);
    crowd.forEach((t, c) => {
      expect(t.progress).toEqual(
        Array.from({ length: PROGRESS_STEPS }, (_, i) => ({
          progressToken: SHARED_TOKEN,
          progress: i + 1,
          total: PROGRESS_STEPS,
          message: `${nonces[c]}#${i + 1}`,
        })),
      );
    });
    expect(clientErrors()).toEqual([]);

    // Connection, each call carried a token of the gateway's own, never the clients' shared one.
    const seen = (await seenByBackend()).filter((s) => s.tool === 'progress_nonce');
    expect(seen).toHaveLength(CLIENTS);
    const tokens = seen.map((s) => s.progressToken);
    expect(tokens).not.toContain(SHARED_TOKEN);
    expect(new Set(tokens).size).toBe(CLIENTS);
  });

  it('cancels only the call of the client that aborted, although both used the same request id', async () => {
    const [a, b] = await Promise.all([connect('cancel-a'), connect('cancel-b')]);
    const nonceA = `cancel-a-${randomUUID()}`;
    const nonceB = `cancel-b-${randomUUID()}`;
    const abortA = new AbortController();
    const abortB = new AbortController();
    const settled = { a: false, b: false };
    const callA = callTool(a, 'slow_nonce', { nonce: nonceA }, { signal: abortA.signal });
    const callB = callTool(b, 'slow_nonce', { nonce: nonceB }, { signal: abortB.signal });
    // Observed (and kept from being unhandled should an assertion below fail first).
    const outcomeA = callA.then(
      () => ({ ok: true, reason: undefined as unknown }),
      (reason: unknown) => ({ ok: false, reason }),
    );
    const outcomeB = callB.then(
      () => ({ ok: true, reason: undefined as unknown }),
      (reason: unknown) => ({ ok: false, reason }),
    );
    void outcomeA.then(() => (settled.a = true));
    void outcomeB.then(() => (settled.b = true));
    try {
      // Only once both calls are running in the backend does a cancellation have two candidates to confuse.
      await settle(async () => {
        const nonces = (await seenByBackend()).map((s) => s.nonce);
        expect(nonces).toEqual(expect.arrayContaining([nonceA, nonceB]));
      });
      expect((await seenByBackend()).map((s) => s.nonce)).toEqual(expect.arrayContaining([nonceA, nonceB]));
      const [sentA] = sentCalls(a, 'slow_nonce');
      const [sentB] = sentCalls(b, 'slow_nonce');
      expect(sentA?.id).toBeDefined();
      expect(sentA?.id).toBe(sentB?.id);

      abortA.abort('client a gives up');
      expect(await outcomeA).toEqual({
        ok: false,
        reason: expect.objectContaining({ message: expect.stringContaining('client a gives up') }),
      });
      // A's notifications/cancelled named the very id B's call also has.
      expect(
        a.sent
          .filter(isJSONRPCNotification)
          .filter((m) => m.method === 'notifications/cancelled')
          .map((m) => m.params),
      ).toEqual([{ requestId: sentA?.id, reason: 'client a gives up' }]);
      await settle(async () => expect(await cancelledNonces()).toEqual([nonceA]));
      expect(await cancelledNonces()).toEqual([nonceA]);
      // B's call is untouched: still pending here and still running in the backend, after a further moment.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await cancelledNonces()).toEqual([nonceA]);
      expect(settled.b).toBe(false);

      abortB.abort('client b gives up');
      expect(await outcomeB).toEqual({
        ok: false,
        reason: expect.objectContaining({ message: expect.stringContaining('client b gives up') }),
      });
      await settle(async () => expect(await cancelledNonces()).toEqual([nonceA, nonceB]));
      expect(await cancelledNonces()).toEqual([nonceA, nonceB]);
      expect(clientErrors()).toEqual([]);
    } finally {
      abortA.abort('test over');
      abortB.abort('test over');
      await Promise.all([outcomeA, outcomeB]);
    }
  });

  it('gave every request the backend received a gateway-unique id, over one process', async () => {
    const seen = await seenByBackend();
    // 200 echo + 50 progress + 2 slow calls, plus the probe's own calls.
    expect(seen.length).toBeGreaterThan(CLIENTS * ECHO_CALLS_PER_CLIENT + CLIENTS + 2);
    const counts = new Map<string | number, number>();
    for (const s of seen) counts.set(s.id, (counts.get(s.id) ?? 0) + 1);
    const duplicates = [...counts].filter(([, n]) => n > 1);
    expect(duplicates).toEqual([]);

    const echo = gw.gateway.registry.status().find((s) => s.name === 'echo');
    expect(echo?.connections).toBe(1);
    expect(echo?.pid).toBeGreaterThan(0);
  });
});
