/** Batched EVT deliveries: a record is event 0's payload byte for byte, batches round-trip, the decoder is strict and never throws. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEvtDelivery, encodeEvtDelivery, EVT_PATTERNS_MAX, type EvtDelivery } from './evt-lib.js';
import {
  clampBatch, decodeEvtDeliveryBatch, encodeEvtDeliveryBatch, encodeEvtDeliveryRecord, EvtBatchWriter, EVT_BATCH_BYTES_MAX, EVT_BATCH_BYTES_MIN,
  EVT_BATCH_DELIVERIES_MAX, evtBatchBytes, withIds,
} from './evt-batch.js';
import { arbitraryDelivery } from './testing/evt-arbitraries.js';

const delivery = arbitraryDelivery;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Plain Uint8Arrays with the same bytes (the batch decoder hands out views). */
function plainCopy(d: EvtDelivery): EvtDelivery {
  return { ...d, publisherName: Uint8Array.from(d.publisherName), patterns: d.patterns.map((p) => Uint8Array.from(p)), data: Uint8Array.from(d.data) };
}

test('a shared record with its ids written is the event-0 payload byte for byte', () => {
  fc.assert(fc.property(delivery, (d) => {
    const single = encodeEvtDelivery(d);
    const record = encodeEvtDeliveryRecord(d);
    assert.deepEqual(withIds(record, d.channel, d.subscriptionId), concat(single.payload, single.tail));
    // The shared record itself is not changed by writing ids into a copy.
    assert.deepEqual(record.subarray(0, 8), new Uint8Array(8));
  }), { numRuns: 300 });
});

test('a batch round-trips in order, one shared record serving several subscriptions', () => {
  fc.assert(fc.property(fc.array(fc.tuple(delivery, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 20 }), (list) => {
    const items = [];
    const expected: EvtDelivery[] = [];
    for (const [d, copies] of list) {
      const record = encodeEvtDeliveryRecord(d);
      for (let k = 0; k < copies; k++) {
        items.push({ record, channel: (d.channel + k) >>> 0, subscriptionId: (d.subscriptionId ^ k) >>> 0 });
        expected.push({ ...d, channel: (d.channel + k) >>> 0, subscriptionId: (d.subscriptionId ^ k) >>> 0 });
      }
    }
    const payload = encodeEvtDeliveryBatch(items);
    assert.equal(payload.length, evtBatchBytes(items.length, items.reduce((a, it) => a + it.record.length, 0)));
    const decoded = decodeEvtDeliveryBatch(payload);
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.detail);
    assert.deepEqual(decoded.value.map(plainCopy), expected.map(plainCopy));
    // Each record decodes with event 0's own decoder too.
    for (const d of decoded.value) assert.ok(decodeEvtDelivery(withIds(encodeEvtDeliveryRecord(d), d.channel, d.subscriptionId)).ok);
  }), { numRuns: 200 });
});

test('the batch decoder never throws and refuses empty, oversized, truncated, trailing and bad-priority batches', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (garbage) => {
    decodeEvtDeliveryBatch(garbage);
    return true;
  }), { numRuns: 3000 });
  const d: EvtDelivery = {
    channel: 1, subscriptionId: 2, lost: false, priority: 1, eventId: 5n, retentionNs: 0n, publishTimeNs: 1n, publisherNodeId: 1,
    publisherName: new Uint8Array(0), patterns: [new Uint8Array([97])], data: new Uint8Array([1, 2, 3]),
  };
  const good = encodeEvtDeliveryBatch([{ record: encodeEvtDeliveryRecord(d), channel: 1, subscriptionId: 2 }]);
  assert.ok(decodeEvtDeliveryBatch(good).ok);
  const code = (p: Uint8Array) => {
    const r = decodeEvtDeliveryBatch(p);
    return r.ok ? 'OK' : r.error.code;
  };
  assert.equal(code(new Uint8Array([0, 0])), 'BAD_FIELD');
  assert.equal(code(new Uint8Array([0x01, 0x04])), 'TOO_MANY_ENTRIES');
  assert.equal(code(good.subarray(0, good.length - 1)), 'TRUNCATED');
  assert.equal(code(concat(good, new Uint8Array([0]))), 'TRAILING_BYTES');
  const count2 = good.slice();
  count2[0] = 2;
  assert.equal(code(count2), 'TRUNCATED');
  const badPriority = good.slice();
  badPriority[2 + 4 + 9] = 4;
  assert.equal(code(badPriority), 'BAD_FIELD');
  // A record that claims more patterns than the bound.
  const many = { ...d, patterns: Array.from({ length: EVT_PATTERNS_MAX + 1 }, () => new Uint8Array(0)) };
  assert.equal(code(encodeEvtDeliveryBatch([{ record: encodeEvtDeliveryRecord(many), channel: 1, subscriptionId: 1 }])), 'TOO_MANY_ENTRIES');
  assert.throws(() => encodeEvtDeliveryBatch([]), RangeError);
  // The writer holds exactly the records it was sized for.
  const record = encodeEvtDeliveryRecord(d);
  const w = new EvtBatchWriter(1, record.length);
  assert.throws(() => w.finish(), RangeError);
  w.add(record, 1, 2);
  assert.throws(() => w.add(record, 1, 2), RangeError);
  assert.deepEqual(w.finish(), good);
});

test('request 9 is clamped into its bounds', () => {
  assert.deepEqual(clampBatch(0, 0), { maxDeliveries: 0, maxBytes: EVT_BATCH_BYTES_MIN });
  assert.deepEqual(clampBatch(65535, 0xffffffff), { maxDeliveries: EVT_BATCH_DELIVERIES_MAX, maxBytes: EVT_BATCH_BYTES_MAX });
  assert.deepEqual(clampBatch(16, 100_000), { maxDeliveries: 16, maxBytes: 100_000 });
});
