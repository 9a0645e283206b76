import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TimeQueue } from './time-queue.js';

test('TimeQueue is a FIFO across growth and wrap-around (against an array model)', () => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constant(undefined)), { maxLength: 600 }), (ops) => {
    const q = new TimeQueue();
    const model: number[] = [];
    for (const op of ops) {
      if (op === undefined) assert.equal(q.shift(), model.shift());
      else {
        q.push(op);
        model.push(op);
      }
    }
    while (model.length > 0) assert.equal(q.shift(), model.shift());
    assert.equal(q.shift(), undefined);
  }));
});
