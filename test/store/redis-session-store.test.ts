/**
 * REST sessions in a real redis-server: created through one replica's store and read, listed and deleted through
 * another's; credentials sealed before they reach Redis (no byte of them in clear there); sessions expire with
 * their key; while Redis is away a replica keeps them in its own store and still finds them after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createRedisState, type RedisState } from '../../src/store/redis-state.js';
import { redisSessionStore } from '../../src/store/redis-session-store.js';
import { createSecretBox } from '../../src/store/secret-box.js';
import type { SessionStore, StoredSession } from '../../src/store/session-store.js';
import { openSqliteSessionStore } from '../../src/store/sqlite-session-store.js';
import { until } from '../helpers/processes.js';
import { hasRedisServer, startRedis, type RedisServer } from '../helpers/redis.js';

const SECRET = 'sk-live-5c0ffee5c0ffee5c0ffee';
const box = createSecretBox(Buffer.alloc(32, 9));

function session(id: string, over: Partial<StoredSession> = {}): StoredSession {
  const now = Date.now();
  return {
    id,
    owner: 'alice',
    servers: ['alpha'],
    surface: 'meta',
    credentials: { alpha: { authorization: `Bearer ${SECRET}` } },
    metadata: { n: 1 },
    createdAt: now,
    expiresAt: now + 60_000,
    ...over,
  };
}

describe.runIf(hasRedisServer())('REST sessions in Redis', () => {
  let redis: RedisServer;
  let dir: string;
  const states: RedisState[] = [];
  const stores: SessionStore[] = [];
  let one: SessionStore;
  let two: SessionStore;
  let oneState: RedisState;

  const replica = async (name: string): Promise<[SessionStore, RedisState]> => {
    const state = createRedisState(
      { url: redis.url, prefix: 'rest-test:', connectTimeoutMs: 1_000, commandTimeoutMs: 500 },
      silentLogger(),
    );
    await state.connect();
    states.push(state);
    const local = openSqliteSessionStore(join(dir, `${name}.db`), box).store;
    const store = redisSessionStore(state, box, local);
    stores.push(store);
    return [store, state];
  };

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'mcpgw-rest-redis-'));
    [one, oneState] = await replica('one');
    [two] = await replica('two');
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    for (const state of states) await state.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is written on one replica and read, listed and deleted on another, sealed at rest', async () => {
    const s1 = session('s1');
    await one.put(s1);
    await one.put(session('s2', { createdAt: Date.now() + 1, owner: 'bob' }));
    expect(await two.get('s1')).toEqual(s1);
    expect((await two.list('alice')).map((s) => s.id)).toEqual(['s1']);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const keys = await raw.keys('rest-test:*');
    for (const key of keys) {
      const value = (await raw.type(key)) === 'string' ? await raw.get(key) : '';
      expect(value ?? '').not.toContain(SECRET);
    }
    expect(await raw.pTTL('rest-test:rest:s1')).toBeGreaterThan(50_000);
    raw.destroy();
    expect(await two.delete('s1')).toBe(true);
    expect(await one.get('s1')).toBeUndefined();
    expect(await one.list('alice')).toEqual([]);
  });

  it('keeps sessions in the replica while Redis is away, and finds them there after', async () => {
    await redis.stop();
    await one.put(session('offline'));
    expect((await one.get('offline'))?.id).toBe('offline');
    expect(await two.get('offline')).toBeUndefined();
    await redis.restart();
    await until(async () => (await oneState.attempt((c) => c.ping())) === 'PONG', 'redis back', 5_000);
    expect((await one.get('offline'))?.id).toBe('offline');
    expect((await one.list('alice')).map((s) => s.id)).toEqual(['offline']);
  });
});
