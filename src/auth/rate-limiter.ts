/**
 * @module rate-limiter: requests per second per client, as a token bucket (a burst of twice the rate, then the
 * rate). One map lookup and a little arithmetic a request: it sits on the fast path. With replicas, the requests a
 * client made on the others are taken from its bucket here too (`shared`, told of them a moment later), so that
 * the rate holds across replicas, approximately, without a round trip to Redis on any request.
 */

/** What replicas share of the clients' requests (`state.store: redis`). */
export interface SharedRequestCounts {
  /** This replica took one request of the client's. */
  record(client: string): void;
  /** How many requests the other replicas reported for the client so far (grows; may start over from 0). */
  others(client: string): number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** `others()` when last looked at. */
  othersSeen: number;
}

/** Clients' buckets kept at most; a full bucket is the same as none, so the oldest are dropped first. */
const MAX_BUCKETS = 10_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;
  /** The other replicas' requests; undefined: this replica's alone. */
  shared: SharedRequestCounts | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.burst = perSecond * 2;
  }

  /** Takes one request's token; when there is none, the seconds until there will be one (for Retry-After). */
  take(client: string): { ok: true } | { ok: false; retryAfterS: number } {
    const now = this.now();
    const others = this.shared?.others(client) ?? 0;
    let bucket = this.buckets.get(client);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.burst, at: now, othersSeen: others };
      this.buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
      bucket.at = now;
      // What the client spent elsewhere since, spent here too (never more than a burst below empty).
      if (others > bucket.othersSeen)
        bucket.tokens = Math.max(-this.burst, bucket.tokens - (others - bucket.othersSeen));
      bucket.othersSeen = others;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.shared?.record(client);
      return { ok: true };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)) };
  }
}
