/**
 * @module rate-limiter: requests per second per client, as a token bucket (a burst of twice the rate, then the
 * rate). One map lookup and a little arithmetic a request: it sits on the fast path.
 */

interface Bucket {
  tokens: number;
  at: number;
}

/** Clients' buckets kept at most; a full bucket is the same as none, so the oldest are dropped first. */
const MAX_BUCKETS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.burst = perSecond * 2;
  }

  /** Takes one request's token; when there is none, the seconds until there will be one (for Retry-After). */
  take(client: string): { ok: true } | { ok: false; retryAfterS: number } {
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)) };
  }
}
