/**
 * The CLM library protocol: golden bytes of a record, round trips of every request, answer and
 * event, strict decoding (truncation at every length, trailing bytes, bad fields, forged counts),
 * and the SA error table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLM_MAX_ITEMS,
  decodeClmLibAnswer,
  decodeClmLibEvent,
  decodeClmLibRequest,
  decodeRecord,
  encodeClmLibAnswer,
  encodeClmLibRequest,
  encodeClmTrackCallback,
  encodeRecord,
  type ClmNodeRecord,
  type ClmNotification,
} from './clm-protocol.js';
import { SA_AIS_ERROR, SaAisError, saStatusName } from './sa-errors.js';

const record: ClmNodeRecord = { nodeId: 3, address: { family: 'inet', text: '10.0.0.3' }, name: 'n3', bootTimestamp: 1_700_000_000_000_000_000n, initialViewNumber: 12 };
const notification: ClmNotification = {
  viewNumber: 16,
  numberOfMembers: 1,
  items: [
    { node: { ...record, nodeId: 1, name: 'n1' }, member: true, change: 'NO_CHANGE' },
    { node: record, member: false, change: 'LEFT' },
  ],
};

test('record: golden bytes', () => {
  const bytes = encodeRecord(record);
  // u32 id, u8 family, u8 length + address, u16 length + name, i64 boot ns, u64 initial view; little-endian.
  assert.equal(Buffer.from(bytes).toString('hex'),
    '03000000' + '01' + '08' + '31302e302e302e33' + '0200' + '6e33' + '00002a36fe9c9717' + '0c00000000000000');
  assert.deepEqual(decodeRecord(bytes), { ok: true, value: record });
});

test('requests, answers and the track callback round-trip', () => {
  for (const req of [{ kind: 'track', flags: 3 }, { kind: 'trackStop' }, { kind: 'nodeGet', nodeId: 0xffffffff }] as const) {
    const frame = encodeClmLibRequest(req);
    assert.deepEqual(decodeClmLibRequest(frame.messageId, frame.payload), { ok: true, value: req });
  }
  for (const [kind, answer] of [
    ['track', { error: 'SA_AIS_OK', value: { kind: 'track', view: notification } }],
    ['track', { error: 'SA_AIS_OK', value: { kind: 'track', view: undefined } }],
    ['trackStop', { error: 'SA_AIS_OK', value: { kind: 'trackStop' } }],
    ['nodeGet', { error: 'SA_AIS_OK', value: { kind: 'nodeGet', node: record } }],
    ['nodeGet', { error: 'SA_AIS_ERR_NOT_EXIST' }],
    ['track', { error: 'SA_AIS_ERR_BAD_FLAGS' }],
  ] as const) {
    assert.deepEqual(decodeClmLibAnswer(kind, encodeClmLibAnswer(answer)), { ok: true, value: answer });
  }
  const ev = encodeClmTrackCallback(notification);
  assert.deepEqual(decodeClmLibEvent(ev.messageId, ev.payload), { ok: true, value: notification });
});

test('strict decoding: every truncation, trailing bytes, bad fields, forged counts, unknown ids', () => {
  const ev = encodeClmTrackCallback(notification).payload;
  for (let n = 0; n < ev.length; n++) assert.equal(decodeClmLibEvent(0, ev.subarray(0, n)).ok, false, `truncated at ${n}`);
  const trailing = new Uint8Array([...ev, 0]);
  assert.deepEqual((decodeClmLibEvent(0, trailing) as { error: { code: string } }).error.code, 'TRAILING_BYTES');
  const badChange = ev.slice();
  badChange[16] = 9; // first item's change
  assert.equal(decodeClmLibEvent(0, badChange).ok, false);
  const badCount = ev.slice();
  new DataView(badCount.buffer).setUint32(12, CLM_MAX_ITEMS + 1, true);
  assert.deepEqual((decodeClmLibEvent(0, badCount) as { error: { code: string } }).error.code, 'TOO_MANY_ENTRIES');
  const badMembers = ev.slice();
  new DataView(badMembers.buffer).setUint32(8, 385, true);
  assert.equal(decodeClmLibEvent(0, badMembers).ok, false, 'numberOfMembers within the ring bound');
  const rec = encodeRecord(record);
  const badFamily = rec.slice();
  badFamily[4] = 3;
  assert.equal(decodeRecord(badFamily).ok, false);
  const badUtf8 = rec.slice();
  badUtf8[16] = 0xff; // inside the name
  assert.equal(decodeRecord(badUtf8).ok, false);
  assert.equal(decodeClmLibRequest(9, new Uint8Array(0)).ok, false);
  assert.equal(decodeClmLibRequest(0, new Uint8Array(3)).ok, false);
  assert.equal(decodeClmLibEvent(1, ev).ok, false);
  assert.equal(decodeClmLibAnswer('nodeGet', new Uint8Array([99, 0, 0, 0])).ok, false, 'an SA error value the table lacks');
});

test('records over the name and address bounds are refused by the encoder', () => {
  assert.throws(() => encodeRecord({ ...record, name: 'x'.repeat(257) }), RangeError);
  assert.throws(() => encodeRecord({ ...record, address: { family: 'inet6', text: 'a'.repeat(65) } }), RangeError);
  assert.doesNotThrow(() => encodeRecord({ ...record, name: 'x'.repeat(256), address: { family: 'inet6', text: 'a'.repeat(64) } }));
});

test('SA error table: values, names, and the error class', () => {
  assert.equal(SA_AIS_ERROR.SA_AIS_ERR_NOT_EXIST, 12);
  assert.equal(SA_AIS_ERROR.SA_AIS_ERR_BAD_FLAGS, 25);
  assert.equal(SA_AIS_ERROR.SA_AIS_ERR_SECURITY, 100);
  assert.equal(Object.keys(SA_AIS_ERROR).length, 28);
  assert.equal(saStatusName(15), 'SA_AIS_ERR_NO_SPACE');
  assert.equal(saStatusName(28), undefined);
  const e = new SaAisError('SA_AIS_ERR_NOT_EXIST', 'nope');
  assert.equal(e.value, 12);
  assert.equal(e.name, 'SaAisError');
  assert.equal(new SaAisError('ABORT_ERR', 'stop').name, 'AbortError');
});

test('fuzz: decoders never throw, and whatever they accept re-encodes to the same bytes', async () => {
  const fc = (await import('fast-check')).default;
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 3 }), (bytes, id) => {
    const ev = decodeClmLibEvent(0, bytes);
    if (ev.ok) assert.deepEqual(encodeClmTrackCallback(ev.value).payload, bytes);
    const rec = decodeRecord(bytes);
    if (rec.ok) assert.deepEqual(encodeRecord(rec.value), bytes);
    const req = decodeClmLibRequest(id, bytes);
    if (req.ok) assert.deepEqual(encodeClmLibRequest(req.value).payload, bytes);
    for (const kind of ['track', 'trackStop', 'nodeGet'] as const) {
      const a = decodeClmLibAnswer(kind, bytes);
      if (a.ok) assert.deepEqual(encodeClmLibAnswer(a.value), bytes);
    }
  }), { numRuns: 3000 });
  // Valid records, mutated one byte at a time, still never throw.
  const good = encodeClmTrackCallback(notification).payload;
  fc.assert(fc.property(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, v) => {
    const b = good.slice();
    b[at] = v;
    const r = decodeClmLibEvent(0, b);
    if (r.ok) assert.deepEqual(encodeClmTrackCallback(r.value).payload, b);
  }), { numRuns: 3000 });
});
