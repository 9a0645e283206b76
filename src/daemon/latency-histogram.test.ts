import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { LatencyHistogram } from './latency-histogram.js';
import { LATENCY_BUCKETS_SECONDS } from './metrics.js';

test('LatencyHistogram prints what prom-client\'s own Histogram prints for the same observations', async () => {
  await fc.assert(fc.asyncProperty(fc.array(fc.oneof(
    fc.double({ min: 0, max: 20_000, noNaN: true }),
    fc.constantFrom(...LATENCY_BUCKETS_SECONDS.map((s) => s * 1000)), // on a bound: `le` includes it
  ), { maxLength: 200 }), async (samplesMs) => {
    const ours = new Registry();
    const theirs = new Registry();
    const mine = new LatencyHistogram('h_seconds', 'help', LATENCY_BUCKETS_SECONDS);
    ours.registerMetric(mine.asPromMetric());
    const reference = new Histogram({ name: 'h_seconds', help: 'help', buckets: LATENCY_BUCKETS_SECONDS, registers: [theirs] });
    for (const ms of samplesMs) {
      mine.observe(ms);
      reference.observe(ms / 1000);
    }
    const lines = (text: string): string[] => text.split('\n').filter((l) => !l.startsWith('h_seconds_sum'));
    const [a, b] = [await ours.metrics(), await theirs.metrics()];
    assert.deepEqual(lines(a), lines(b));
    const sum = (text: string): number => Number(/^h_seconds_sum (\S+)$/m.exec(text)![1]);
    assert.ok(Math.abs(sum(a) - sum(b)) <= 1e-9 * Math.max(1, sum(b)), 'the sums agree up to rounding (ours adds milliseconds)');
  }), { numRuns: 200 });
});
