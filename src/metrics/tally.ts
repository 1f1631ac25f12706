/**
 * @module tally: counter and histogram series counted in plain numbers, read by prom-client when it collects (a
 * scrape). prom-client's own child hashes its label values on every inc (about 250 ns), which every forwarded call
 * paid for three counters, and on every histogram observation also validates the labels and looks its bucket up by
 * the bound as a property name (about 400 ns, some 5,000 instructions); a tally's inc is an addition, an observation a
 * walk along the bounds.
 */
import {
  Counter,
  Histogram,
  type CounterConfiguration,
  type Aggregator,
  type HistogramConfiguration,
} from 'prom-client';

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

/** One histogram series: a count per bucket (not cumulative; the last is above every bound) and the sum. */
export class HistogramTally {
  readonly counts: number[];
  sum = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** As prom-client places it: in the first bucket whose bound is at least `value`. */
  observe(value: number): void {
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
  }
}

/** A value as prom-client's Histogram hands it to the registry: the series' labels apart from `le`. */
interface ExportedValue {
  labels: { le?: number | string };
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  /** prom-client's buckets carry one (null without exemplars). */
  exemplar?: null;
}

/**
 * A prom-client Histogram (so the registry takes it, and its configuration is checked as any histogram's) whose
 * values are read from tallies. The registry writes a histogram from `getForPromString` and prom-client's own `get`
 * (JSON) reads it too; the values are in the shape prom-client's Histogram gives there: `le` buckets cumulative,
 * then `+Inf`, `_sum` and `_count`.
 */
class TalliedHistogram extends Histogram<string> {
  private readonly all: HistogramTally[] = [];
  private readonly bounds: readonly number[];

  constructor(private readonly config: HistogramConfiguration<string>) {
    super(config);
    this.bounds = [...(config.buckets ?? [])];
  }

  series(labels: Record<string, string>): HistogramTally {
    const tally = new HistogramTally(labels, this.bounds);
    this.all.push(tally);
    return tally;
  }

  getForPromString(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: ExportedValue[];
    aggregator: Aggregator;
  }> {
    const { name, help, aggregator = 'sum' } = this.config;
    const values: ExportedValue[] = [];
    for (const { labels: sharedLabels, counts, sum } of this.all) {
      let count = 0;
      const bucket = (le: number | string, i: number) => {
        count += counts[i]!;
        values.push({
          labels: { le },
          sharedLabels,
          value: count,
          metricName: `${name}_bucket`,
          exemplar: null,
        });
      };
      this.bounds.forEach(bucket);
      bucket('+Inf', this.bounds.length);
      values.push({ labels: {}, sharedLabels, value: sum, metricName: `${name}_sum` });
      values.push({ labels: {}, sharedLabels, value: count, metricName: `${name}_count` });
    }
    return Promise.resolve({ name, help, type: 'histogram', values, aggregator });
  }

  /** Also called by prom-client's constructor, before this class's fields exist. */
  override reset(): void {
    for (const tally of this.all ?? []) {
      tally.counts.fill(0);
      tally.sum = 0;
    }
  }
}

/** A histogram registered as `config` says (explicit buckets), whose series are tallies: one per `series` call. */
export function talliedHistogram(config: HistogramConfiguration<string>): {
  series(labels: Record<string, string>): HistogramTally;
} {
  return new TalliedHistogram(config);
}
