import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, crashLoop, nextDelay } from '../../src/registry/backoff.js';

const policy = DEFAULT_RESTART_POLICY;
const middle = () => 0.5; // no jitter
const low = () => 0; // -20 %
const high = () => 0.999_999; // +20 %

describe('nextDelay', () => {
  it.each([
    [0, 0],
    [1, 0],
    [2, 500],
    [3, 1_000],
    [4, 2_000],
    [5, 4_000],
    [6, 8_000],
    [7, 16_000],
    [8, 30_000],
    [20, 30_000],
  ])('after %i consecutive failures waits %i ms (no jitter)', (failures, expected) => {
    expect(nextDelay(failures, policy, middle)).toBe(expected);
  });

  it('jitters ±20 % and never past the cap', () => {
    expect(nextDelay(3, policy, low)).toBe(800);
    expect(nextDelay(3, policy, high)).toBe(1_200);
    expect(nextDelay(12, policy, high)).toBe(30_000);
  });
});

describe('crashLoop', () => {
  it('counts only failures inside the window', () => {
    const now = 1_000_000;
    const times = [now - 400_000, now - 200_000, now - 1_000];
    expect(crashLoop(times, now, policy)).toEqual({
      recent: [now - 200_000, now - 1_000],
      looping: false,
      clearsAt: undefined,
    });
  });

  it('is a loop at maxFailures within the window, clearing when the oldest leaves it', () => {
    const now = 1_000_000;
    const times = Array.from({ length: 10 }, (_, i) => now - 10_000 + i * 1_000);
    const result = crashLoop(times, now, policy);
    expect(result.looping).toBe(true);
    expect(result.clearsAt).toBe(now - 10_000 + policy.windowMs);
  });
});
