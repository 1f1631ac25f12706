/**
 * @module tally: counter series counted in a plain number and handed to prom-client when it collects (a scrape).
 * prom-client's own child hashes its label values on every inc (about 250 ns), which every forwarded call paid for
 * three counters; a tally's inc is an addition.
 */
import { Counter, type CounterConfiguration } from 'prom-client';

export interface Tally {
  inc(): void;
}

class LabelledTally implements Tally {
  pending = 0;
  constructor(readonly labels: Record<string, string>) {}
  inc(): void {
    this.pending++;
  }
}

/** The tallies of one counter, handed to it each time it is collected. */
export class Tallies {
  private readonly all: LabelledTally[] = [];

  /** A series of the counter; look it up once per label set (metrics.ts caches them), not per count. */
  series(labels: Record<string, string>): Tally {
    const tally = new LabelledTally(labels);
    this.all.push(tally);
    return tally;
  }

  /** Adds what was counted since the last collection to `counter`. */
  flushInto(counter: Counter): void {
    for (const tally of this.all) {
      if (tally.pending === 0) continue;
      counter.inc(tally.labels, tally.pending);
      tally.pending = 0;
    }
  }
}

/** A counter registered as `config` says, whose series are tallies: flushed into it each time it is collected. */
export function talliedCounter(config: CounterConfiguration<string>): Tallies {
  const tallies = new Tallies();
  new Counter({
    ...config,
    collect() {
      tallies.flushInto(this);
    },
  });
  return tallies;
}
