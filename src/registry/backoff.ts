/**
 * @module backoff: how long a failing backend waits before it is tried again, and when it has failed too often to
 * be tried at all. Pure: time and randomness come in as arguments.
 */

export interface RestartPolicy {
  /** Delay before the second attempt in a row; the first restart after a failure is immediate. */
  floorMs: number;
  factor: number;
  capMs: number;
  /** ±fraction of the delay, so that many gateways do not retry in step. */
  jitter: number;
  /** This many failures within `windowMs` mark the backend failed: no more attempts until the window slides. */
  maxFailures: number;
  windowMs: number;
  /** A process that ran this long before it failed starts a fresh series (the consecutive count resets). */
  stableMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  floorMs: 500,
  factor: 2,
  capMs: 30_000,
  jitter: 0.2,
  maxFailures: 10,
  windowMs: 5 * 60_000,
  stableMs: 60_000,
};

/**
 * Delay before the next attempt after `consecutive` failures in a row: 0 after the first (a crash is restarted at
 * once on next use), then floor, floor×factor, … up to the cap, with jitter. `random` returns [0, 1).
 */
export function nextDelay(
  consecutive: number,
  policy: RestartPolicy,
  random: () => number = Math.random,
): number {
  if (consecutive <= 1) return 0;
  const base = Math.min(policy.capMs, policy.floorMs * policy.factor ** (consecutive - 2));
  const jittered = base * (1 + policy.jitter * (2 * random() - 1));
  return Math.round(Math.min(policy.capMs, Math.max(0, jittered)));
}

/** The failures still inside the window, and whether they are too many (a crash loop). */
export function crashLoop(
  failureTimes: readonly number[],
  now: number,
  policy: RestartPolicy,
): { recent: number[]; looping: boolean; clearsAt: number | undefined } {
  const recent = failureTimes.filter((t) => now - t < policy.windowMs);
  const looping = recent.length >= policy.maxFailures;
  return { recent, looping, clearsAt: looping ? recent[0]! + policy.windowMs : undefined };
}
