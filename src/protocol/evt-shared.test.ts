/** Shared EVT deliveries (event 2): round trips, the same deliveries as a batch, bounds, a decoder that never throws. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeEvtLibRequest, decodeEvtLibResponse, encodeEvtLibRequest, encodeEvtLibResponse, type EvtDelivery } from './evt-lib.js';
import { decodeEvtDeliveryBatch, encodeEvtDeliveryBatch, encodeEvtDeliveryRecord, EVT_BATCH_DELIVERIES_MAX } from './evt-batch.js';
import { clampShare, decodeEvtDeliveryShared, encodeEvtDeliveryShared, evtSharedBytes, EvtSharedWriter, type EvtSharedDelivery, type EvtSharedEntry } from './evt-shared.js';
import { arbitraryBytes, arbitraryDeliveryBody } from './testing/evt-arbitraries.js';

const bytes = arbitraryBytes;
const body = arbitraryDeliveryBody;
const target = fc.record({ channel: fc.nat({ max: 0xffffffff }), subscriptionId: fc.nat({ max: 0xffffffff }) });
const entries = fc.array(fc.tuple(body, fc.array(target, { minLength: 1, maxLength: 8 })), { minLength: 1, maxLength: 12 });

/** Every (delivery) a frame stands for, in the order the client hands them out. */
function expand(frame: readonly EvtSharedDelivery[]): EvtDelivery[] {
  const out: EvtDelivery[] = [];
  for (const e of frame) for (let i = 0; i < e.targets.length; i += 2) out.push({ ...e.body, channel: e.targets[i]!, subscriptionId: e.targets[i + 1]! });
  return out;
}

const plain = (d: EvtDelivery): EvtDelivery => ({ ...d, publisherName: Uint8Array.from(d.publisherName), patterns: d.patterns.map((p) => Uint8Array.from(p)), data: Uint8Array.from(d.data) });

test('a shared frame round-trips, and stands for exactly the deliveries a batch of the same targets holds, in the same order', () => {
  fc.assert(fc.property(entries, (list) => {
    const shared: EvtSharedEntry[] = list.map(([b, targets]) => ({ record: encodeEvtDeliveryRecord(b), targets }));
    const payload = encodeEvtDeliveryShared(shared);
    const targetCount = list.reduce((a, [, t]) => a + t.length, 0);
    assert.equal(payload.length, evtSharedBytes(list.length, targetCount, shared.reduce((a, e) => a + e.record.length, 0)));
    const decoded = decodeEvtDeliveryShared(payload);
    assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.detail);
    assert.equal(decoded.value.length, list.length);
    for (const [i, [b, targets]] of list.entries()) {
      const got: EvtSharedDelivery = decoded.value[i]!;
      assert.deepEqual(got.targets, targets.flatMap((t) => [t.channel, t.subscriptionId]));
      assert.deepEqual({ ...got.body, publisherName: Uint8Array.from(got.body.publisherName), patterns: got.body.patterns.map((p: Uint8Array) => Uint8Array.from(p)), data: Uint8Array.from(got.body.data) }, { ...b });
    }
    const batch = decodeEvtDeliveryBatch(encodeEvtDeliveryBatch(shared.flatMap((e) => e.targets.map((t) => ({ record: e.record, ...t })))));
    assert.ok(batch.ok);
    assert.deepEqual(expand(decoded.value).map(plain), batch.value.map(plain));
    // Sharing is the point: the frame is smaller than the batch whenever an entry has two targets.
    if (targetCount > list.length) assert.ok(payload.length < encodeEvtDeliveryBatch(shared.flatMap((e) => e.targets.map((t) => ({ record: e.record, ...t })))).length);
  }), { numRuns: 300 });
});

test('the shared decoder never throws, and any cut or extra byte of a valid frame is refused', () => {
  fc.assert(fc.property(bytes(600), (junk) => {
    const r = decodeEvtDeliveryShared(junk);
    assert.equal(typeof r.ok, 'boolean');
  }), { numRuns: 2000 });
  fc.assert(fc.property(entries, fc.nat(), (list, cut) => {
    const payload = encodeEvtDeliveryShared(list.map(([b, targets]) => ({ record: encodeEvtDeliveryRecord(b), targets })));
    const at = cut % payload.length;
    const r = decodeEvtDeliveryShared(payload.subarray(0, at));
    assert.equal(r.ok, false, `cut at ${at} of ${payload.length}`);
    const longer = new Uint8Array(payload.length + 1);
    longer.set(payload);
    const l = decodeEvtDeliveryShared(longer);
    assert.ok(!l.ok && l.error.code === 'TRAILING_BYTES');
  }), { numRuns: 300 });
});

test('bounds: no entries, an entry without targets and more than EVT_BATCH_DELIVERIES_MAX targets in a frame are refused', () => {
  const record = encodeEvtDeliveryRecord({ lost: false, priority: 3, eventId: 5000n, retentionNs: 0n, publishTimeNs: 0n, publisherNodeId: 1, publisherName: new Uint8Array(0), patterns: [], data: new Uint8Array(4) });
  const t = (n: number) => Array.from({ length: n }, (_, i) => ({ channel: i + 1, subscriptionId: 1 }));
  // The largest frame there may be: every target in one entry.
  const full = decodeEvtDeliveryShared(encodeEvtDeliveryShared([{ record, targets: t(EVT_BATCH_DELIVERIES_MAX) }]));
  assert.ok(full.ok && full.value[0]!.targets.length === 2 * EVT_BATCH_DELIVERIES_MAX);
  assert.throws(() => encodeEvtDeliveryShared([{ record, targets: t(EVT_BATCH_DELIVERIES_MAX + 1) }]), RangeError);
  assert.throws(() => encodeEvtDeliveryShared([{ record, targets: [] }]), RangeError);
  // Forged frames: the counts are checked before anything is allocated for them.
  const one = encodeEvtDeliveryShared([{ record, targets: t(1) }]);
  const forge = (edit: (v: DataView) => void): Uint8Array => {
    const copy = one.slice();
    edit(new DataView(copy.buffer));
    return copy;
  };
  const codeOf = (p: Uint8Array) => {
    const r = decodeEvtDeliveryShared(p);
    return r.ok ? 'ok' : r.error.code;
  };
  assert.equal(codeOf(forge((v) => v.setUint16(0, 0, true))), 'BAD_FIELD');
  assert.equal(codeOf(forge((v) => v.setUint16(0, EVT_BATCH_DELIVERIES_MAX + 1, true))), 'TOO_MANY_ENTRIES');
  assert.equal(codeOf(forge((v) => v.setUint16(2, 0, true))), 'BAD_FIELD');
  assert.equal(codeOf(forge((v) => v.setUint16(2, EVT_BATCH_DELIVERIES_MAX + 1, true))), 'TOO_MANY_ENTRIES');
  assert.equal(codeOf(forge((v) => v.setUint16(2, 2, true))), 'TRUNCATED');
  // Two entries of 600 targets: 1200 in the frame.
  const two = encodeEvtDeliveryShared([{ record, targets: t(600) }, { record, targets: t(424) }]);
  assert.ok(decodeEvtDeliveryShared(two).ok);
  const over = two.slice();
  const v = new DataView(over.buffer);
  const second = 2 + 2 + 600 * 8 + 4 + (record.length - 8);
  assert.equal(v.getUint16(second, true), 424);
  v.setUint16(second, 425, true);
  assert.equal(codeOf(over), 'TOO_MANY_ENTRIES');
});

test('the writer refuses what it was not sized for', () => {
  const record = encodeEvtDeliveryRecord({ lost: false, priority: 0, eventId: 2000n, retentionNs: 0n, publishTimeNs: 0n, publisherNodeId: 1, publisherName: new Uint8Array(0), patterns: [], data: new Uint8Array(0) });
  const w = new EvtSharedWriter(1, 2, record.length);
  assert.throws(() => w.target(1, 1), RangeError, 'a target before its entry');
  w.entry(record, 2);
  w.target(1, 1);
  assert.throws(() => w.finish(), RangeError, 'a target missing');
  w.target(2, 1);
  assert.throws(() => w.entry(record, 1), RangeError, 'an entry too many');
  assert.ok(decodeEvtDeliveryShared(w.finish()).ok);
  assert.throws(() => new EvtSharedWriter(0, 0, 0), RangeError);
  assert.throws(() => new EvtSharedWriter(2, 1, 0), RangeError, 'fewer targets than entries');
});

test('request 10 and its answer round-trip; the daemon clamps the target bound', () => {
  fc.assert(fc.property(fc.nat({ max: 0xffff }), (maxTargets) => {
    const req = encodeEvtLibRequest({ kind: 'share', maxTargets });
    assert.equal(req.messageId, 10);
    assert.deepEqual(decodeEvtLibRequest(req.messageId, req.payload), { ok: true, value: { kind: 'share', maxTargets } });
    const used = clampShare(maxTargets);
    assert.ok(used >= 0 && used <= EVT_BATCH_DELIVERIES_MAX && (maxTargets === 0) === (used === 0));
    const res = decodeEvtLibResponse('share', encodeEvtLibResponse(1, { kind: 'share', maxTargets: used }));
    assert.deepEqual(res, { ok: true, value: { saCode: 1, body: { kind: 'share', maxTargets: used } } });
  }));
  assert.equal(decodeEvtLibRequest(10, new Uint8Array(1)).ok, false);
});
