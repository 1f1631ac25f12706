/**
 * Tallied histograms against prom-client's own: fed the same observations, a registry writes the same text and the
 * same JSON for both, including values on a bound, above the last bound, label values to escape, and after a reset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from 'prom-client';
import { talliedHistogram } from '../../src/metrics/tally.js';

const BUCKETS = [0.0001, 0.0005, 0.001, 0.01, 0.5, 2];

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const config = {
    name: 'd_seconds',
    help: 'Durations.',
    labelNames: ['backend', 'method'],
    buckets: BUCKETS,
  };
  return {
    ours,
    theirs,
    tallied: talliedHistogram({ ...config, registers: [ours] }),
    reference: new Histogram({ ...config, registers: [theirs] }),
  };
}

const SERIES = [
  { backend: 'a', method: 'tools/call' },
  { backend: 'b "quoted"\\', method: 'tools/list' },
];

describe('talliedHistogram', () => {
  it('writes what prom-client writes for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: SERIES.length - 1 }),
            fc.oneof(fc.constantFrom(...BUCKETS, 0, 3), fc.double({ min: 0, max: 5, noNaN: true })),
          ),
          { maxLength: 60 },
        ),
        async (observations) => {
          const { ours, theirs, tallied, reference } = pair();
          // A tally is shown from its creation (with zeros), prom-client's series from its first observation or zero().
          const series = SERIES.map((labels) => {
            reference.zero(labels);
            return tallied.series(labels);
          });
          for (const [i, value] of observations) {
            series[i]!.observe(value);
            reference.observe(SERIES[i]!, value);
          }
          expect(await ours.metrics()).toBe(await theirs.metrics());
          expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
        },
      ),
    );
  });

  it('starts again from zero when the registry is reset', async () => {
    const { ours, tallied } = pair();
    const series = tallied.series(SERIES[0]!);
    series.observe(0.0003);
    series.observe(7);
    expect(await ours.metrics()).toContain('d_seconds_count{backend="a",method="tools/call"} 2');
    ours.resetMetrics();
    const text = await ours.metrics();
    expect(text).toContain('d_seconds_count{backend="a",method="tools/call"} 0');
    expect(text).toContain('d_seconds_bucket{le="+Inf",backend="a",method="tools/call"} 0');
    series.observe(0.0005);
    expect(await ours.metrics()).toContain('d_seconds_bucket{le="0.0005",backend="a",method="tools/call"} 1');
  });
});
