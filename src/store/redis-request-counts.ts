/**
 * @module redis-request-counts: each client's requests counted across replicas, for the per-client rate
 * (auth/rate-limiter.ts). A replica adds what it took to `<prefix>rate:<client>` every `flushMs` (one pipeline for
 * every active client, never a round trip on a request) and learns the total from the reply; the others' share is
 * the total minus its own. A counter left alone for a minute expires, and both sides start over. While Redis does
 * not answer, nothing is learnt and each replica limits by its own count.
 */
import type { RedisState } from './redis-state.js';

const IDLE_MS = 60_000;

interface Count {
  /** Taken here and not yet added to Redis. */
  pending: number;
  /** Added to Redis by this replica since the counter began. */
  mine: number;
  /** The other replicas' share, as of the last flush. */
  others: number;
  lastUsed: number;
}

export function redisRequestCounts(state: RedisState, flushMs = 100) {
  const counts = new Map<string, Count>();
  const key = (client: string) => state.key(`rate:${client}`);
  let flushing = false;

  async function flush(): Promise<void> {
    if (flushing || counts.size === 0 || !state.up) return;
    flushing = true;
    const now = Date.now();
    const batch = [...counts].filter(([client, c]) => {
      if (now - c.lastUsed <= IDLE_MS) return true;
      counts.delete(client);
      return false;
    });
    const sent = batch.map(([, c]) => c.pending);
    for (const [, c] of batch) c.pending = 0;
    try {
      const replies = await state.run(async (client) => {
        const multi = client.multi();
        batch.forEach(([name], i) => {
          multi.incrBy(key(name), sent[i]!);
          multi.pExpire(key(name), IDLE_MS);
        });
        return multi.exec();
      });
      batch.forEach(([, c], i) => {
        const total = Number(replies[i * 2]);
        c.mine += sent[i]!;
        // The counter expired and began again: so does this replica's share of it.
        if (total < c.mine) c.mine = sent[i]!;
        c.others = Math.max(0, total - c.mine);
      });
    } catch {
      // Not added: counted again at the next flush.
      batch.forEach(([, c], i) => (c.pending += sent[i]!));
    } finally {
      flushing = false;
    }
  }

  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();

  return {
    record(client: string): void {
      const c = counts.get(client);
      if (c) {
        c.pending++;
        c.lastUsed = Date.now();
      } else counts.set(client, { pending: 1, mine: 0, others: 0, lastUsed: Date.now() });
    },
    others(client: string): number {
      const c = counts.get(client);
      if (c) return c.others;
      // A client first seen here: learn what the others counted, at the next flush.
      counts.set(client, { pending: 0, mine: 0, others: 0, lastUsed: Date.now() });
      return 0;
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}
