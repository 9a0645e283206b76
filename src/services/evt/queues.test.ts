/**
 * The delivery queues against a reference model (plain arrays, Array#shift, as they were before
 * they took from the front by index): the same items out, the same lost notices, evictions, drops,
 * counts and bytes, over long runs that pass the index compaction many times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EvtPriority } from '../../protocol/evt-lib.js';
import { PriorityQueues, type Pending, type QueueLimits } from './queues.js';

interface Item extends Pending {
  readonly id: number;
}

/** The model: the old implementation, array for array. */
class Model {
  readonly queues: Item[][] = [[], [], [], []];
  readonly stats = { lostNotices: 0, dropped: 0, evicted: 0 };
  count = 0;
  bytes = 0;
  blocked = false;
  constructor(readonly limits: QueueLimits) {}

  push(item: Item, notice: (i: Item) => Item): boolean {
    this.resume();
    if (!this.blocked && (this.count >= this.limits.sizeMax || this.bytes + item.bytes > this.limits.bytesMax)) {
      this.blocked = true;
      this.stats.lostNotices++;
      this.add(notice(item));
    }
    if (!this.blocked) {
      this.add(item);
      return true;
    }
    for (let p = 3; p > item.priority; p--) {
      const q = this.queues[p]!;
      if (q.length === 0) continue;
      const e = q.pop()!;
      this.count--;
      this.bytes -= e.bytes;
      this.stats.evicted++;
      this.add(item);
      return true;
    }
    this.stats.dropped++;
    return false;
  }

  shift(): Item | undefined {
    for (const q of this.queues) {
      const item = q.shift();
      if (item === undefined) continue;
      this.count--;
      this.bytes -= item.bytes;
      this.resume();
      return item;
    }
    return undefined;
  }

  filter(keep: (i: Item) => boolean): number {
    let removed = 0;
    for (let p = 0; p < 4; p++) {
      const q = this.queues[p]!;
      const kept = q.filter(keep);
      for (const i of q) if (!keep(i)) this.bytes -= i.bytes;
      removed += q.length - kept.length;
      this.queues[p] = kept;
    }
    this.count -= removed;
    this.resume();
    return removed;
  }

  add(item: Item): void {
    this.queues[item.priority]!.push(item);
    this.count++;
    this.bytes += item.bytes;
  }

  resume(): void {
    if (this.blocked && this.count < this.limits.resumeAt) this.blocked = false;
  }
}

type Op = { op: 'push'; priority: EvtPriority; bytes: number; n: number } | { op: 'shift'; n: number } | { op: 'filter'; mod: number };

const ops: fc.Arbitrary<Op[]> = fc.array(fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('push' as const), priority: fc.constantFrom<EvtPriority>(0, 1, 2, 3), bytes: fc.integer({ min: 1, max: 200 }), n: fc.integer({ min: 1, max: 900 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('shift' as const), n: fc.integer({ min: 1, max: 1500 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('filter' as const), mod: fc.integer({ min: 2, max: 7 }) }) },
), { maxLength: 40 });

test('the delivery queues take, evict, drop and filter exactly as the array model does', () => {
  fc.assert(fc.property(ops, fc.integer({ min: 50, max: 3000 }), (list, sizeMax) => {
    const limits: QueueLimits = { sizeMax, resumeAt: Math.floor(sizeMax / 2), bytesMax: sizeMax * 150 };
    const real = new PriorityQueues<Item>(limits);
    const model = new Model(limits);
    let next = 1;
    const notice = (i: Item): Item => ({ id: -i.id, priority: 0, bytes: 64, lost: true });
    for (const o of list) {
      if (o.op === 'push') {
        for (let k = 0; k < o.n; k++) {
          const item: Item = { id: next++, priority: o.priority, bytes: o.bytes, lost: false };
          assert.equal(real.push(item, notice), model.push(item, notice));
        }
      } else if (o.op === 'shift') {
        for (let k = 0; k < o.n; k++) {
          assert.equal(real.peek()?.id, model.queues.find((q) => q.length > 0)?.[0]?.id);
          assert.equal(real.shift()?.id, model.shift()?.id);
        }
      } else {
        assert.equal(real.filter((i) => i.id % o.mod !== 0), model.filter((i) => i.id % o.mod !== 0));
      }
      assert.deepEqual([real.size, real.bytes, real.blocked], [model.count, model.bytes, model.blocked]);
      assert.deepEqual(real.stats, model.stats);
    }
    assert.deepEqual([...real.items()].map((i) => i.id), model.queues.flat().map((i) => i.id));
  }), { numRuns: 150 });
});
