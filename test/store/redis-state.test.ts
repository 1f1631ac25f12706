/**
 * The shared state on a real redis-server: the connection's health follows Redis going away and coming back, a
 * command never waits for an absent Redis, versioned documents are announced over pub/sub and found by their
 * version when an announcement is lost, and two catalogs on two connections share what one of them read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { silentLogger } from '../../src/log.js';
import { createRedisState, type RedisState } from '../../src/store/redis-state.js';
import { sharedDocs } from '../../src/store/shared-docs.js';
import { hasRedisServer, startRedis, type RedisServer } from '../helpers/redis.js';

const until = async (check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe.runIf(hasRedisServer())('the shared state store', () => {
  let redis: RedisServer;
  const states: RedisState[] = [];
  const open = async (prefix = 'test:'): Promise<RedisState> => {
    const state = createRedisState(
      { url: redis.url, prefix, connectTimeoutMs: 1_000, commandTimeoutMs: 500 },
      silentLogger(),
    );
    states.push(state);
    await state.connect();
    return state;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const state of states) await state.close();
    await redis?.stop();
  });

  it('writes versioned documents, announces them, and locks a name for one owner', async () => {
    const a = sharedDocs(await open('docs:'), 'things', 'a');
    const b = sharedDocs(await open('docs:'), 'things', 'b');
    const heard: string[] = [];
    b.onChange((name, version) => heard.push(`${name}@${version}`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await a.put('x', { n: 1 })).toBe(1);
    expect(await a.put('x', { n: 2 })).toBe(2);
    expect(await b.get('x')).toEqual({ version: 2, value: { n: 2 } });
    expect(await b.versions(['x', 'y'])).toEqual([2, 0]);
    await until(() => heard.includes('x@2'));
    expect(await a.lock('x', 5_000)).toBe(true);
    expect(await b.lock('x', 5_000)).toBe(false);
    await b.unlock('x');
    expect(await b.lock('x', 5_000)).toBe(false);
    await a.unlock('x');
    expect(await b.lock('x', 5_000)).toBe(true);
  });

  it('shares a catalog entry read on one replica with another, by announcement and by version', async () => {
    const servers = new Map([['files', 'Files']]);
    const fingerprint = () => 'fp-1';
    const one = new Catalog(undefined, servers, fingerprint);
    const two = new Catalog(undefined, servers, fingerprint);
    one.share(sharedDocs(await open('cat:'), 'catalog', 'one'));
    // The second never hears an announcement (no subscription took): only its version check finds the entry.
    const quiet = sharedDocs(await open('cat:'), 'catalog', 'two');
    two.share({ ...quiet, onChange: () => {} }, 100);
    one.set('files', [{ name: 'read', inputSchema: { type: 'object' } }]);
    await until(() => two.isIndexed('files'));
    expect(two.get('files')?.tools.map((t) => t.tool.name)).toEqual(['read']);
    one.stopSharing();
    two.stopSharing();
  });

  it('reports Redis gone at once, and recovers when it returns', async () => {
    const state = await open();
    expect(state.status()).toMatchObject({ store: 'redis', up: true });
    await redis.restart();
    // The restart dropped the connection: a command fails fast instead of waiting.
    const started = Date.now();
    await state.attempt((c) => c.ping());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Date.now() - started).toBeLessThan(1_500);
    await until(async () => (await state.attempt((c) => c.ping())) === 'PONG' && state.up);
    expect(state.status().up).toBe(true);
    await redis.stop();
    await until(async () => {
      await state.attempt((c) => c.ping());
      return !state.up;
    });
    expect(state.status()).toMatchObject({ up: false, down_since: expect.any(String) });
    expect(await state.attempt((c) => c.get('k'))).toBeUndefined();
    await redis.restart();
    await until(() => state.up);
  });
});
