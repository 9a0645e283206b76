import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makePayload, makeTimedPayload, payloadId, payloadSentMicros } from './payload.js';

test('a payload starts with its id and is padded with the alphabet to its size', () => {
  fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('|')), fc.integer({ min: 0, max: 5000 }), (id, size) => {
    const p = makePayload(id, size);
    const head = Buffer.from(`${id}|`);
    assert.equal(p.length, Math.max(size, head.length));
    assert.deepEqual(Buffer.from(p.subarray(0, head.length)), head);
    for (let i = head.length; i < p.length; i++) assert.equal(p[i], 0x61 + (i % 26));
    if (head.length - 1 <= 64) assert.equal(payloadId(p), id);
  }));
});

test('a timed payload carries its id and send time', () => {
  const p = makeTimedPayload('2.77:5', 1024, 1_700_000_000_123_456);
  assert.equal(payloadId(p), '2.77:5');
  assert.equal(payloadSentMicros(p), 1_700_000_000_123_456);
  assert.equal(p.length, 1024);
});
