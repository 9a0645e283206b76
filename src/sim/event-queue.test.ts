import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue } from './event-queue.js';
import { Prng } from './prng.js';

// The agenda must pop in (time, insertion order) order whatever the interleaving of pushes and
// pops: every seeded run's reproducibility rests on it.
test('the agenda pops by time, ties in insertion order, over random interleavings', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const rng = new Prng(seed);
    const queue = new EventQueue<number>();
    const reference: { time: number; order: number }[] = [];
    let order = 0;
    for (let step = 0; step < 400; step++) {
      if (reference.length === 0 || rng.u32() % 3 !== 0) {
        // Few distinct times, so ties are common.
        const time = rng.u32() % 20;
        queue.push(time, order);
        reference.push({ time, order });
        order++;
      } else {
        reference.sort((a, b) => a.time - b.time || a.order - b.order);
        const want = reference.shift()!;
        assert.equal(queue.peekTime(), want.time);
        assert.deepEqual(queue.pop(), { time: want.time, item: want.order }, `seed ${seed} step ${step}`);
      }
      assert.equal(queue.size, reference.length);
    }
  }
});

test('an empty agenda has no next time and pops nothing', () => {
  const queue = new EventQueue<string>();
  assert.equal(queue.peekTime(), undefined);
  assert.equal(queue.pop(), undefined);
  queue.push(5, 'a');
  assert.deepEqual(queue.pop(), { time: 5, item: 'a' });
  assert.equal(queue.pop(), undefined);
});
