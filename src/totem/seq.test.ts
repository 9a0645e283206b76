/**
 * Sequence arithmetic modulo 2^32 (seq.ts): comparisons agree with plain integer order for any
 * two numbers less than 2^31 apart, wherever they sit relative to the wrap; stepping and
 * distances are exact; the sort queue keyed by them works across the wrap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SEQ_MAX, isSeq, seqAdd, seqDistance, seqLt, seqLte, seqMax, seqMin, seqNext, seqPrev } from './seq.js';
import { MessageStore, type StoredMcast } from './store.js';
import type { Mcast } from './wire/types.js';

const HALF = 0x8000_0000;
const u32 = fc.integer({ min: 0, max: SEQ_MAX });
/** Numbers near the wrap are where plain comparisons break: weight them. */
const seq = fc.oneof(u32, fc.integer({ min: SEQ_MAX - 100, max: SEQ_MAX }), fc.integer({ min: 0, max: 100 }));
/** A signed step smaller than 2^31 in size: the protocol's window is far smaller. */
const step = fc.oneof(fc.integer({ min: -(HALF - 1), max: HALF - 1 }), fc.integer({ min: -20_000, max: 20_000 }));

test('concrete cases around the wrap', () => {
  assert.equal(seqLt(SEQ_MAX, 0), true, '0xffffffff comes before 0');
  assert.equal(seqLt(0, SEQ_MAX), false);
  assert.equal(seqLt(SEQ_MAX - 5, 3), true);
  assert.equal(seqLte(7, 7), true);
  assert.equal(seqLt(7, 7), false);
  assert.equal(seqNext(SEQ_MAX), 0);
  assert.equal(seqPrev(0), SEQ_MAX, 'the aru before a ring starting at 0 is 0xffffffff');
  assert.equal(seqAdd(SEQ_MAX - 1, 3), 1);
  assert.equal(seqAdd(1, -3), SEQ_MAX - 1);
  assert.equal(seqDistance(SEQ_MAX - 1, 2), 4);
  assert.equal(seqMin(SEQ_MAX, 2), SEQ_MAX);
  assert.equal(seqMax(SEQ_MAX, 2), 2);
  // Below 2^31 apart and away from the wrap, the order is the plain one (the default start, 0).
  assert.equal(seqLt(0, HALF - 1), true);
  assert.equal(seqLt(10, 20), true);
  assert.ok(isSeq(0) && isSeq(SEQ_MAX) && !isSeq(-1) && !isSeq(SEQ_MAX + 1) && !isSeq(1.5));
});

test('order is plain integer order shifted anywhere modulo 2^32 (property)', () => {
  fc.assert(
    fc.property(seq, step, (a, d) => {
      const b = seqAdd(a, d);
      assert.equal(seqLt(a, b), d > 0);
      assert.equal(seqLte(a, b), d >= 0);
      assert.equal(seqLt(b, a), d < 0);
      assert.equal(seqMin(a, b), d >= 0 ? a : b);
      assert.equal(seqMax(a, b), d >= 0 ? b : a);
      assert.ok(isSeq(b));
    }),
    { numRuns: 5000 },
  );
});

test('comparisons are a strict order within a window (property)', () => {
  fc.assert(
    fc.property(seq, fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 30_000 }), (base, x, y, z) => {
      const [a, b, c] = [seqAdd(base, x), seqAdd(base, y), seqAdd(base, z)];
      assert.equal(seqLt(a, b) && seqLt(b, a), false, 'asymmetric');
      assert.equal(seqLt(a, b) || seqLt(b, a) || a === b, true, 'total');
      if (seqLt(a, b) && seqLt(b, c)) assert.equal(seqLt(a, c), true, 'transitive');
      assert.equal(seqLte(a, b), seqLt(a, b) || a === b);
    }),
    { numRuns: 5000 },
  );
});

test('stepping and distances are exact modulo 2^32 (property)', () => {
  fc.assert(
    fc.property(seq, seq, (a, b) => {
      assert.equal(seqPrev(seqNext(a)), a);
      assert.equal(seqNext(seqPrev(a)), a);
      assert.equal(seqDistance(a, seqNext(a)), 1);
      assert.equal(seqAdd(a, seqDistance(a, b)), b);
      assert.equal(seqDistance(a, b) + seqDistance(b, a), a === b ? 0 : 2 ** 32);
      assert.ok(isSeq(seqNext(a)) && isSeq(seqPrev(a)));
    }),
    { numRuns: 5000 },
  );
});

test('a loop "seq <= end" by seqNext visits exactly the numbers in between, across the wrap', () => {
  fc.assert(
    fc.property(seq, fc.integer({ min: -3, max: 300 }), (start, count) => {
      const end = seqAdd(start, count);
      const seen: number[] = [];
      for (let s = seqNext(start); seqLte(s, end); s = seqNext(s)) seen.push(s);
      assert.deepEqual(seen, Array.from({ length: Math.max(0, count) }, (_, i) => seqAdd(start, i + 1)));
    }),
  );
});

function stored(seq: number): StoredMcast {
  const msg = { kind: 'mcast', seq } as unknown as Mcast;
  return { frame: new Uint8Array(1), msg };
}

test('the sort queue holds, finds and releases messages across the wrap', () => {
  const start = SEQ_MAX - 2; // the ring's first message is SEQ_MAX - 1
  const store = new MessageStore(start, 16);
  assert.equal(store.inRange(start), false, 'the start itself is released');
  assert.equal(store.inRange(seqPrev(start)), false);
  for (const s of [SEQ_MAX - 1, SEQ_MAX, 0, 1, 2]) assert.ok(store.add(s, stored(s)), `add ${s}`);
  assert.equal(store.add(0, stored(0)), false, 'duplicate');
  assert.equal(store.inRange(seqAdd(start, 15)), true);
  assert.equal(store.inRange(seqAdd(start, 16)), false, 'beyond the capacity');
  assert.equal(store.highestSeq(), 2);
  assert.equal(store.miss(4), 1);
  assert.equal(store.miss(4), 2);
  store.releaseTo(0);
  assert.equal(store.lastReleased, 0);
  assert.deepEqual([SEQ_MAX - 1, SEQ_MAX, 0, 1, 2].map((s) => store.has(s)), [false, false, false, true, true]);
  assert.equal(store.size, 2);
  store.releaseTo(SEQ_MAX); // behind: nothing happens
  assert.equal(store.lastReleased, 0);
  assert.equal(store.add(SEQ_MAX, stored(SEQ_MAX)), false, 'a released number is out of range');
  store.releaseTo(2);
  assert.equal(store.size, 0);
  assert.equal(store.highestSeq(), 2);
});
