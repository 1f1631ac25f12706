/**
 * The legacy connections held for stateless clients: reused by the next request of the same kind (backend, declared
 * capabilities, credential), never shared by two requests at once, never across kinds, closed when idle too long or
 * when more are idle than kept, and replaced when the backend lost the session.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Result } from '@modelcontextprotocol/sdk/types.js';
import type { Connection, Peer } from '../../src/backends/connection.js';
import { LegacyLinks } from '../../src/session/legacy-links.js';

class FakeConnection implements Connection {
  readonly backend = 'b';
  readonly info = { capabilities: {}, serverInfo: { name: 'fake', version: '1' }, instructions: undefined };
  sessionLost = false;
  closed = false;
  callsInFlight = 0;
  lastActivity = Date.now();
  readonly pid = undefined;
  readonly peers = new Set<Peer>();
  onClosed() {}
  stderrTail() {
    return [];
  }
  async request(): Promise<Result> {
    return {};
  }
  async notify() {}
  attach(peer: Peer) {
    this.peers.add(peer);
  }
  detach(peer: Peer) {
    this.peers.delete(peer);
  }
  observe() {}
  async close() {
    this.closed = true;
  }
}

const peer = (): Peer => ({ notify: () => undefined, request: async () => ({}) });
let opened: FakeConnection[];
let links: LegacyLinks;

beforeEach(() => {
  vi.useFakeTimers();
  opened = [];
  links = new LegacyLinks(
    {
      open: async () => {
        const connection = new FakeConnection();
        opened.push(connection);
        return connection;
      },
    },
    1_000,
    4,
  );
});

afterEach(() => {
  vi.useRealTimers();
});

describe('LegacyLinks', () => {
  it('reuses an idle connection of the same kind, with only the current request attached', async () => {
    const first = peer();
    const a = links.hold('b', { roots: {} }, 'Bearer x', first);
    const connection = await a.connect();
    expect([...(connection as FakeConnection).peers]).toEqual([first]);
    a.release();
    expect((connection as FakeConnection).peers.size).toBe(0);
    const second = peer();
    const b = links.hold('b', { roots: {} }, 'Bearer x', second);
    expect(await b.connect()).toBe(connection);
    expect([...(connection as FakeConnection).peers]).toEqual([second]);
    b.release();
    expect(opened).toHaveLength(1);
  });

  it('opens another for a request running at once, and for another kind', async () => {
    const a = links.hold('b', {}, undefined, peer());
    const b = links.hold('b', {}, undefined, peer());
    const c = links.hold('b', { sampling: {} }, undefined, peer());
    const d = links.hold('b', {}, 'Bearer other', peer());
    const all = await Promise.all([a.connect(), b.connect(), c.connect(), d.connect()]);
    expect(new Set(all).size).toBe(4);
    for (const held of [a, b, c, d]) held.release();
  });

  it('closes an idle connection after the idle time, and those beyond four idle at once', async () => {
    const held = Array.from({ length: 5 }, () => links.hold('b', {}, undefined, peer()));
    await Promise.all(held.map((h) => h.connect()));
    for (const h of held) h.release();
    expect(opened.filter((c) => c.closed)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_001);
    expect(opened.every((c) => c.closed)).toBe(true);
  });

  it('replaces a connection whose backend session was lost, and does not keep it', async () => {
    const held = links.hold('b', {}, undefined, peer());
    const first = (await held.connect()) as FakeConnection;
    first.sessionLost = true;
    const second = await held.connect();
    expect(second).not.toBe(first);
    expect(first.closed).toBe(true);
    held.release();
    const next = links.hold('b', {}, undefined, peer());
    expect(await next.connect()).toBe(second);
    next.release();
    await links.close();
    expect(opened.every((c) => c.closed)).toBe(true);
  });
});
