/**
 * Property tests: every message round-trips through encode/decode in both byte orders, and the
 * decoder never throws on random, mutated or truncated input; whatever it accepts is canonical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, encodeMessage, encodeMessageInto, encodedLength } from './index.js';
import * as L from './layout.js';
import type { DecodeErrorCode, RingId, TotemMessage } from './types.js';

/** Plain-prototype records, so deepStrictEqual compares them with decoded objects. */
const rec: typeof fc.record = ((shape: never) => fc.record(shape, { noNullPrototype: true })) as never;

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const nodeId = fc.oneof(fc.integer({ min: 0, max: 16 }), u32);
const ringSeq = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.maxSafeNat());
const ringId: fc.Arbitrary<RingId> = rec({ rep: nodeId, seq: ringSeq });
const header = { sender: nodeId, target: nodeId };

const orfToken = rec({
  kind: fc.constant('orf_token' as const), ...header, encapsulated: fc.constant(0 as const),
  seq: u32, tokenSeq: u32, aru: u32, aruAddr: nodeId, ringId, backlog: u32, fcc: u32, retransFlg: i32,
  rtrList: fc.array(rec({ ringId, seq: u32 }), { maxLength: L.RETRANSMIT_ENTRIES_MAX }),
});
const mcast = rec({
  kind: fc.constant('mcast' as const), ...header, encapsulated: fc.constantFrom(1 as const, 2 as const),
  systemFrom: nodeId, seq: u32, thisSeqno: i32, ringId, nodeId, guarantee: i32,
  payload: fc.uint8Array({ maxLength: 1600 }),
});
const membJoin = rec({
  kind: fc.constant('memb_join' as const), ...header, encapsulated: fc.constant(0 as const), systemFrom: nodeId,
  procList: fc.array(nodeId, { maxLength: L.PROCESSOR_COUNT_MAX }),
  failedList: fc.array(nodeId, { maxLength: L.PROCESSOR_COUNT_MAX }),
  ringSeq,
});
const mergeDetect = rec({
  kind: fc.constant('memb_merge_detect' as const), ...header, encapsulated: fc.constant(0 as const), systemFrom: nodeId, ringId,
});
const holdCancel = rec({
  kind: fc.constant('token_hold_cancel' as const), ...header, encapsulated: fc.constant(0 as const), ringId,
});
const membEntry = rec({ ringId, aru: u32, highDelivered: u32, receivedFlg: u32 });
const commitToken = fc
  .array(fc.tuple(nodeId, membEntry), { maxLength: 40 })
  .chain((members) =>
    rec({
      kind: fc.constant('memb_commit_token' as const), ...header, encapsulated: fc.constant(0 as const),
      tokenSeq: u32, ringId, retransFlg: u32, membIndex: fc.integer({ min: 0, max: members.length }),
      addr: fc.constant(members.map(([id]) => id)), membList: fc.constant(members.map(([, e]) => e)),
    }),
  );

const anyMessage: fc.Arbitrary<TotemMessage> = fc.oneof(orfToken, mcast, membJoin, mergeDetect, holdCancel, commitToken);
const perType: [string, fc.Arbitrary<TotemMessage>][] = [
  ['orf_token', orfToken], ['mcast', mcast], ['memb_join', membJoin],
  ['memb_merge_detect', mergeDetect], ['token_hold_cancel', holdCancel], ['memb_commit_token', commitToken],
];

/** Field widths after the header, per type, to turn our LE frame into a big-endian sender's. */
function bigEndianCopy(le: Uint8Array): Uint8Array {
  const be = le.slice();
  const swap = (o: number, w: number) => be.set(le.slice(o, o + w).reverse(), o);
  const ring = (o: number) => { swap(o, 4); swap(o + 4, 8); };
  swap(0, 2); swap(5, 4); swap(9, 4);
  const count = (o: number) => le[o]! | (le[o + 1]! << 8) | (le[o + 2]! << 16) | (le[o + 3]! << 24);
  switch (le[3]) {
    case 0: {
      for (let o = 13; o < 29; o += 4) swap(o, 4);
      ring(29);
      for (let o = 41; o < 57; o += 4) swap(o, 4);
      for (let i = 0, o = 57; i < count(53); i++, o += 16) { ring(o); swap(o + 12, 4); }
      break;
    }
    case 1:
      swap(13, 4); swap(17, 4); swap(21, 4); ring(25); swap(37, 4); swap(41, 4);
      break;
    case 2:
      swap(13, 4); ring(17);
      break;
    case 3:
      swap(13, 4); swap(17, 4); swap(21, 4); swap(25, 8);
      for (let o = 33; o < le.length; o += 4) swap(o, 4);
      break;
    case 4: {
      swap(13, 4); ring(17); swap(29, 4); swap(33, 4); swap(37, 4);
      const n = count(37);
      for (let i = 0, o = 41; i < n; i++, o += 4) swap(o, 4);
      for (let i = 0, o = 41 + 4 * n; i < n; i++, o += 24) { ring(o); swap(o + 12, 4); swap(o + 16, 4); swap(o + 20, 4); }
      break;
    }
    case 5:
      ring(13);
      break;
  }
  return be;
}

for (const [name, arb] of perType) {
  test(`round trip ${name}: LE and BE decode to the original`, () => {
    fc.assert(
      fc.property(arb, (msg) => {
        const frame = encodeMessage(msg);
        assert.equal(frame.length, encodedLength(msg));
        assert.deepEqual(decodeMessage(frame), { ok: true, value: msg });
        assert.deepEqual(decodeMessage(bigEndianCopy(frame)), { ok: true, value: msg });
      }),
      { numRuns: 300 },
    );
  });
}

test('encodeMessageInto writes the same bytes at an offset of a reused buffer', () => {
  const scratch = new Uint8Array(8192).fill(0xee);
  fc.assert(
    fc.property(anyMessage, fc.integer({ min: 0, max: 64 }), (msg, offset) => {
      const n = encodeMessageInto(msg, scratch, offset);
      assert.deepEqual(scratch.subarray(offset, offset + n), encodeMessage(msg));
    }),
  );
});

const CODES: ReadonlySet<DecodeErrorCode> = new Set([
  'TRUNCATED', 'BAD_MAGIC', 'BAD_VERSION', 'UNKNOWN_TYPE', 'BAD_ENCAPSULATION',
  'TOO_MANY_ENTRIES', 'TRAILING_BYTES', 'OVERSIZED', 'BAD_FIELD',
]);

/** Decodes without throwing; an accepted frame must re-encode to itself (LE) or its LE twin (BE). */
function checkDecode(frame: Uint8Array): void {
  const r = decodeMessage(frame);
  if (!r.ok) {
    assert.ok(CODES.has(r.error.code), r.error.code);
    assert.equal(typeof r.error.detail, 'string');
    return;
  }
  const again = encodeMessage(r.value);
  const le = frame[0] === 0x70;
  assert.deepEqual(le ? again : bigEndianCopy(again), frame);
}

test('fuzz: random bytes never throw', () => {
  const magicPrefixed = fc
    .tuple(fc.constantFrom([0x70, 0xc0], [0xc0, 0x70]), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 300 }))
    .map(([magic, type, encap, rest]) => Uint8Array.from([...magic, 3, type, encap, ...rest]));
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), magicPrefixed), (frame) => checkDecode(frame)), { numRuns: 3000 });
});

type Mutation = { kind: 'set'; at: number; value: number } | { kind: 'truncate'; at: number } | { kind: 'append'; bytes: Uint8Array };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  rec({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  rec({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  rec({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function mutate(frame: Uint8Array, m: Mutation): Uint8Array {
  if (frame.length === 0) return frame;
  switch (m.kind) {
    case 'set': {
      const out = frame.slice();
      out[m.at % out.length] = m.value;
      return out;
    }
    case 'truncate':
      return frame.slice(0, m.at % frame.length);
    case 'append':
      return Uint8Array.from([...frame, ...m.bytes]);
  }
}

test('fuzz: mutated and truncated valid frames (both byte orders) never throw', () => {
  fc.assert(
    fc.property(anyMessage, fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (msg, be, mutations) => {
      let frame = encodeMessage(msg);
      if (be) frame = bigEndianCopy(frame);
      for (const m of mutations) frame = mutate(frame, m);
      checkDecode(frame);
    }),
    { numRuns: 3000 },
  );
});

test('every strict prefix of a valid frame is TRUNCATED', () => {
  fc.assert(
    fc.property(fc.oneof(orfToken, membJoin, mergeDetect, holdCancel, commitToken), (msg) => {
      const frame = encodeMessage(msg);
      for (let n = 0; n < frame.length; n++) {
        const r = decodeMessage(frame.subarray(0, n));
        assert.ok(!r.ok && r.error.code === 'TRUNCATED', `prefix ${n} of ${frame.length}`);
      }
    }),
    { numRuns: 100 },
  );
});

test('encoder rejects what it cannot represent (programmer errors)', () => {
  const base = { sender: 1, target: 0, encapsulated: 0 as const };
  assert.throws(() => encodeMessage({ kind: 'token_hold_cancel', ...base, ringId: { rep: 1, seq: 2 ** 53 } }), RangeError);
  assert.throws(() => encodeMessage({ kind: 'token_hold_cancel', ...base, ringId: { rep: 1, seq: -1 } }), RangeError);
  const rtr = Array.from({ length: 31 }, () => ({ ringId: { rep: 1, seq: 1 }, seq: 1 }));
  assert.throws(() => encodeMessage({
    kind: 'orf_token', ...base, seq: 0, tokenSeq: 0, aru: 0, aruAddr: 0, ringId: { rep: 1, seq: 1 }, backlog: 0, fcc: 0, retransFlg: 0, rtrList: rtr,
  }), RangeError);
  assert.throws(() => encodeMessage({
    kind: 'mcast', sender: 1, target: 0, encapsulated: 2, systemFrom: 1, seq: 0, thisSeqno: 0, ringId: { rep: 1, seq: 1 },
    nodeId: 1, guarantee: 0, payload: new Uint8Array(L.FRAME_SIZE_MAX),
  }), RangeError);
  assert.throws(() => encodeMessageInto({ kind: 'token_hold_cancel', ...base, ringId: { rep: 1, seq: 1 } }, new Uint8Array(24), 0), RangeError);
});
