/**
 * The token bucket on a fake clock, alone and with replicas: the requests a client made on other replicas are taken
 * from its bucket here as they are learnt, never more than a burst below empty, and a counter that starts over
 * (expired in Redis) takes nothing back.
 */
import { describe, expect, it } from 'vitest';
import { RateLimiter, type SharedRequestCounts } from '../../src/auth/rate-limiter.js';

function limiter(perSecond: number) {
  let now = 0;
  const limit = new RateLimiter(perSecond, () => now);
  return { limit, advance: (ms: number) => (now += ms) };
}

const passes = (limit: RateLimiter, client: string, n: number) =>
  Array.from({ length: n }, () => limit.take(client).ok).filter(Boolean).length;

describe('RateLimiter', () => {
  it('lets a burst of twice the rate pass, then the rate', () => {
    const { limit, advance } = limiter(5);
    expect(passes(limit, 'a', 20)).toBe(10);
    advance(1_000);
    expect(passes(limit, 'a', 20)).toBe(5);
    expect(passes(limit, 'b', 20)).toBe(10);
  });

  it('takes what other replicas counted, and records its own', () => {
    const { limit, advance } = limiter(5);
    let others = 0;
    const recorded: string[] = [];
    const shared: SharedRequestCounts = { record: (c) => recorded.push(c), others: () => others };
    limit.shared = shared;
    expect(passes(limit, 'a', 4)).toBe(4);
    expect(recorded).toHaveLength(4);
    // Four more on another replica: six tokens were left, two remain.
    others = 4;
    expect(passes(limit, 'a', 10)).toBe(2);
    // A flood elsewhere empties the bucket, but never more than a burst below empty: 2 s bring it back to empty.
    others = 1_000;
    expect(passes(limit, 'a', 1)).toBe(0);
    advance(2_000);
    expect(passes(limit, 'a', 1)).toBe(0);
    advance(200);
    expect(passes(limit, 'a', 1)).toBe(1);
    // The shared counter started over: nothing is taken back, nothing is given.
    others = 3;
    advance(200);
    expect(passes(limit, 'a', 1)).toBe(1);
  });
});
