/**
 * The correlator alone, with a wire written in the test: answers matched to their calls by the correlator's own ids,
 * progress routed and its token restored, timeouts and cancellations told to the backend, and a call released on every
 * path (callsInFlight back to 0), including a transport that throws before it returns a promise.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { Correlator } from '../../src/backends/correlator.js';
import { Cancellation } from '../../src/cancellation.js';
import { RpcError } from '../../src/errors.js';

const LIMITS = { timeoutMs: 1_000, maxTotalMs: 5_000 };

function wire(send: (message: JSONRPCMessage) => Promise<void> = async () => {}) {
  const sent: JSONRPCMessage[] = [];
  const correlator = new Correlator({
    backend: 'b',
    send: (message) => {
      sent.push(message);
      return send(message);
    },
    sendFailed: (error) => new RpcError(-32010, `unavailable: ${String(error)}`),
  });
  const requests = () => sent.filter((m): m is JSONRPCRequest => 'id' in m && 'method' in m);
  return { correlator, sent, requests };
}

afterEach(() => vi.useRealTimers());

describe('Correlator', () => {
  it('matches answers by its own ids, whatever ids the callers use', async () => {
    const { correlator, requests } = wire();
    const first = correlator.request('tools/call', { name: 'a' }, LIMITS);
    const second = correlator.request('tools/call', { name: 'b' }, LIMITS);
    const [a, b] = requests();
    expect(a!.id).not.toBe(b!.id);
    expect(correlator.callsInFlight).toBe(2);
    // Answered in the other order.
    expect(correlator.receive({ jsonrpc: '2.0', id: b!.id, result: { v: 'b' } })).toBe(true);
    expect(correlator.receive({ jsonrpc: '2.0', id: a!.id, error: { code: -1, message: 'no' } })).toBe(true);
    await expect(second).resolves.toEqual({ v: 'b' });
    await expect(first).rejects.toMatchObject({ code: -1, message: 'no' });
    expect(correlator.callsInFlight).toBe(0);
    // Not ours: left to whoever else reads the wire.
    expect(correlator.receive({ jsonrpc: '2.0', id: 0, result: {} })).toBe(false);
    expect(correlator.receive({ jsonrpc: '2.0', method: 'notifications/message', params: {} })).toBe(false);
  });

  it("rewrites a caller's progress token and restores it on the way back; stray progress goes nowhere", async () => {
    const { correlator, requests } = wire();
    const heard: unknown[] = [];
    const call = correlator.request(
      'tools/call',
      { name: 'a', _meta: { progressToken: 1 } },
      {
        ...LIMITS,
        onProgress: (params) => heard.push(params),
      },
    );
    const [sent] = requests();
    const token = sent!.params!._meta!.progressToken;
    expect(token).not.toBe(1);
    correlator.receive({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: token!, progress: 1 },
    });
    expect(
      correlator.receive({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 1, progress: 9 },
      }),
    ).toBe(true);
    correlator.receive({ jsonrpc: '2.0', id: sent!.id, result: {} });
    await call;
    expect(heard).toEqual([{ progressToken: 1, progress: 1 }]);
  });

  it('times out, tells the backend, and lets progress restart the clock up to the hard cap', async () => {
    vi.useFakeTimers();
    const { correlator, sent, requests } = wire();
    const call = correlator.request(
      'tools/call',
      { _meta: { progressToken: 't' } },
      {
        timeoutMs: 1_000,
        maxTotalMs: 2_500,
        onProgress: () => {},
      },
    );
    const failed = expect(call).rejects.toMatchObject({ code: -32001, reason: 'backend_timeout' });
    const [request] = requests();
    const token = request!.params!._meta!.progressToken!;
    const progress = () =>
      correlator.receive({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: token, progress: 1 },
      });
    await vi.advanceTimersByTimeAsync(900);
    progress();
    await vi.advanceTimersByTimeAsync(900);
    progress();
    await vi.advanceTimersByTimeAsync(900);
    expect(correlator.callsInFlight).toBe(1);
    // Past the hard cap, progress no longer restarts the clock.
    progress();
    await vi.advanceTimersByTimeAsync(1_000);
    await failed;
    expect(sent.at(-1)).toMatchObject({
      method: 'notifications/cancelled',
      params: { requestId: request!.id },
    });
    expect(correlator.callsInFlight).toBe(0);
  });

  it('never sends a call cancelled before it started, and tells the backend of a later cancellation', async () => {
    const { correlator, sent, requests } = wire();
    const early = new Cancellation();
    early.cancel('gone');
    await expect(correlator.request('tools/call', {}, { ...LIMITS, cancellation: early })).rejects.toThrow(
      'cancelled: gone',
    );
    expect(sent).toHaveLength(0);

    const late = new Cancellation();
    const call = correlator.request('tools/call', {}, { ...LIMITS, cancellation: late });
    late.cancel('changed my mind');
    await expect(call).rejects.toThrow('cancelled: changed my mind');
    expect(sent.at(-1)).toMatchObject({
      method: 'notifications/cancelled',
      params: { requestId: requests()[0]!.id, reason: 'changed my mind' },
    });
    expect(correlator.callsInFlight).toBe(0);
  });

  it('releases a call whose transport throws at once or rejects', async () => {
    const throwing = wire(() => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    await expect(throwing.correlator.request('tools/call', {}, LIMITS)).rejects.toThrow(
      /unavailable: RangeError/,
    );
    expect(throwing.correlator.callsInFlight).toBe(0);

    const rejecting = wire(() => Promise.reject(new Error('socket hang up')));
    await expect(rejecting.correlator.request('tools/call', {}, LIMITS)).rejects.toThrow(/socket hang up/);
    expect(rejecting.correlator.callsInFlight).toBe(0);
  });

  it('fails every call in flight when the connection ends', async () => {
    const { correlator } = wire();
    const calls = [1, 2, 3].map(() => correlator.request('tools/call', {}, LIMITS));
    correlator.failAll(new RpcError(-32010, 'gone'));
    for (const call of calls) await expect(call).rejects.toThrow('gone');
    expect(correlator.callsInFlight).toBe(0);
  });
});
