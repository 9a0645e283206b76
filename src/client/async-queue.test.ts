/** AsyncQueue: items come out in push order across long runs (the front index and its compaction), each taken once, with its hook. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AsyncQueue } from './async-queue.js';

test('pushed items come out in order, each taken once, across the front-index compaction; end drops what is left', async () => {
  await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 })), { maxLength: 8 }), async (steps) => {
    const taken: number[] = [];
    const q = new AsyncQueue<number>((n) => taken.push(n));
    let pushed = 0;
    const out: number[] = [];
    for (const [push, pull] of steps) {
      for (let i = 0; i < push; i++) q.push(pushed++);
      const n = Math.min(pull, q.length);
      for (let i = 0; i < n; i++) {
        const r = await q.next();
        assert.equal(r.done, false);
        out.push(r.value as number);
      }
      assert.equal(q.length, pushed - out.length);
    }
    assert.deepEqual(out, Array.from({ length: out.length }, (_, i) => i));
    assert.deepEqual(taken, out);
    const dropped = q.end(undefined, true);
    assert.deepEqual(dropped, Array.from({ length: pushed - out.length }, (_, i) => out.length + i));
    assert.equal(q.length, 0);
    assert.deepEqual(await q.next(), { value: undefined, done: true });
  }), { numRuns: 30 });
});

test('a waiting next() gets the next push at once; end() without dropping lets the buffered items out first', async () => {
  const q = new AsyncQueue<string>(() => {});
  const waiting = q.next();
  q.push('a');
  assert.deepEqual(await waiting, { value: 'a', done: false });
  q.push('b');
  q.push('c');
  assert.deepEqual(q.end(), []);
  assert.deepEqual(await q.next(), { value: 'b', done: false });
  assert.deepEqual(await q.next(), { value: 'c', done: false });
  assert.deepEqual(await q.next(), { value: undefined, done: true });
  assert.equal(q.push('d'), false);
});
