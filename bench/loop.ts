/**
 * @module bench/loop: a closed-loop load generator (N workers, each sending its next call when the previous one is
 * answered) bounded by time and by count, and the statistics the report uses.
 */
import { performance } from 'node:perf_hooks';

/** One call of worker `worker`; resolves when answered, rejects on any error (counted, not retried). */
export type Call = (worker: number, seq: number) => Promise<void>;

export interface LoopResult {
  /** Per-call latencies in milliseconds, in completion order. */
  latencies: Float64Array;
  calls: number;
  errors: number;
  firstError: string | undefined;
  elapsedMs: number;
}

/** Stops early when this many calls failed: a broken scenario should fail fast, not run out its time. */
const MAX_ERRORS = 50;

export async function closedLoop(
  concurrency: number,
  durationMs: number,
  maxCalls: number,
  call: Call,
): Promise<LoopResult> {
  const latencies = new Float64Array(maxCalls);
  let calls = 0;
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const begin = performance.now();
  const end = begin + durationMs;

  async function worker(w: number): Promise<void> {
    for (let seq = 0; ; seq++) {
      if (started >= maxCalls || errors >= MAX_ERRORS || performance.now() >= end) return;
      started++;
      const t0 = performance.now();
      try {
        await call(w, seq);
        const t1 = performance.now();
        if (calls < maxCalls) latencies[calls++] = t1 - t0;
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return {
    latencies: latencies.subarray(0, calls),
    calls,
    errors,
    firstError,
    elapsedMs: performance.now() - begin,
  };
}

/** The q-quantile (0..1) of unsorted samples, nearest-rank; NaN for none. */
export function quantile(samples: ArrayLike<number>, q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
