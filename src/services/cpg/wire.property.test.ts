/**
 * Property tests: every CPG message round-trips; a big-endian rendering (every integer field
 * swapped) decodes to the same value; the decoder never throws on random, mutated or truncated
 * input, and whatever it accepts re-encodes to the same bytes modulo padding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as L from './layout.js';
import { decodeCpgMessage, encodeCpgMessage, type CpgExecMessage } from './wire.js';

const rec: typeof fc.record = ((shape: never) => fc.record(shape, { noNullPrototype: true })) as never;

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const group = fc.uint8Array({ maxLength: L.CPG_MAX_NAME_LENGTH });
const reason = fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const, 5 as const);
const source = rec({ nodeId: u32, conn: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) });
const nodeIds = fc.array(u32, { maxLength: L.PROCESSOR_COUNT_MAX });

const anyMessage: fc.Arbitrary<CpgExecMessage> = fc.oneof(
  rec({ kind: fc.constant('procjoin' as const), group, pid: u32, reason }),
  rec({ kind: fc.constant('procleave' as const), group, pid: u32, reason }),
  rec({ kind: fc.constant('joinlist' as const), entries: fc.array(rec({ pid: u32, group }), { maxLength: 20 }) }),
  rec({ kind: fc.constant('mcast' as const), group, pid: u32, source, data: fc.uint8Array({ maxLength: 600 }) }),
  fc.uint8Array({ maxLength: 600 }).chain((data) =>
    rec({
      kind: fc.constant('partial_mcast' as const), group, pid: u32,
      totalBytes: fc.integer({ min: data.length, max: 0xffffffff }),
      type: fc.constantFrom(1 as const, 2 as const, 3 as const), source, data: fc.constant(data),
    }),
  ),
  rec({ kind: fc.constant('downlist_old' as const), leftNodes: nodeIds }),
  rec({ kind: fc.constant('downlist' as const), oldMembers: fc.integer({ min: 0, max: L.PROCESSOR_COUNT_MAX }), leftNodes: nodeIds }),
);

/** Offsets of every 4-byte integer field of an encoded message, to render it big-endian. */
function intFieldOffsets(msg: CpgExecMessage): number[] {
  const name = (o: number) => [o + L.NAME_LENGTH];
  const hdr = [L.HDR_ID, L.HDR_SIZE_FIELD];
  switch (msg.kind) {
    case 'procjoin':
    case 'procleave':
      return [...hdr, ...name(L.PROCJOIN_GROUP), L.PROCJOIN_PID, L.PROCJOIN_REASON];
    case 'joinlist':
      return [...hdr, L.RES_HDR_ERROR, ...msg.entries.flatMap((_, i) => {
        const o = L.JOINLIST_ENTRIES + i * L.JLE_SIZE;
        return [o + L.JLE_PID, ...name(o + L.JLE_GROUP)];
      })];
    case 'mcast':
      return [...hdr, ...name(L.MCAST_GROUP), L.MCAST_MSGLEN, L.MCAST_PID, L.MCAST_SOURCE];
    case 'partial_mcast':
      return [...hdr, ...name(L.PARTIAL_GROUP), L.PARTIAL_MSGLEN, L.PARTIAL_FRAGLEN, L.PARTIAL_PID, L.PARTIAL_TYPE, L.PARTIAL_SOURCE];
    case 'downlist_old':
      return [...hdr, L.DOWNLIST_OLD_LEFT_NODES, ...msg.leftNodes.map((_, i) => L.DOWNLIST_OLD_NODEIDS + 4 * i)];
    case 'downlist':
      return [...hdr, L.DOWNLIST_OLD_MEMBERS, L.DOWNLIST_LEFT_NODES, ...msg.leftNodes.map((_, i) => L.DOWNLIST_NODEIDS + 4 * i)];
  }
}

function swapped(bytes: Uint8Array, offsets: readonly number[]): Uint8Array {
  const out = bytes.slice();
  for (const o of offsets) out.set(bytes.subarray(o, o + 4).slice().reverse(), o);
  return out;
}

test('encode then decode is the identity', () => {
  fc.assert(
    fc.property(anyMessage, (msg) => {
      assert.deepEqual(decodeCpgMessage(encodeCpgMessage(msg)), { ok: true, value: msg });
    }),
    { numRuns: 500 },
  );
});

test('a big-endian sender decodes to the same message (conn dropped, as Corosync does)', () => {
  fc.assert(
    fc.property(anyMessage, (msg) => {
      const be = swapped(encodeCpgMessage(msg), intFieldOffsets(msg));
      const expected = 'source' in msg ? { ...msg, source: { ...msg.source, conn: 0n } } : msg;
      assert.deepEqual(decodeCpgMessage(be, { bigEndian: true }), { ok: true, value: expected });
    }),
    { numRuns: 300 },
  );
});

function neverThrowsAndIsCanonical(bytes: Uint8Array, bigEndian: boolean): void {
  const r = decodeCpgMessage(bytes, { bigEndian });
  if (!r.ok || bigEndian) return;
  // Accepted bytes re-encode to an equally long message that decodes to the same value.
  const again = encodeCpgMessage(r.value);
  assert.equal(again.length, bytes.length);
  assert.deepEqual(decodeCpgMessage(again), r);
}

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.boolean(), (bytes, be) => neverThrowsAndIsCanonical(bytes, be)),
    { numRuns: 1000 },
  );
});

test('random bytes behind a valid CPG header never throw', () => {
  const headed = fc.tuple(fc.integer({ min: 0, max: 8 }), fc.uint8Array({ maxLength: 1700 })).map(([id, body]) => {
    const b = new Uint8Array(16 + body.length);
    b.set(body, 16);
    new DataView(b.buffer).setUint32(0, (2 << 16) | id, true);
    new DataView(b.buffer).setInt32(8, b.length, true);
    return b;
  });
  fc.assert(fc.property(headed, (bytes) => neverThrowsAndIsCanonical(bytes, false)), { numRuns: 1000 });
});

test('mutated and truncated valid messages never throw', () => {
  const mutation = fc.tuple(anyMessage, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(), fc.boolean());
  fc.assert(
    fc.property(mutation, ([msg, edits, cut, be]) => {
      const bytes = encodeCpgMessage(msg);
      for (const [at, v] of edits) bytes[at % bytes.length] = v;
      neverThrowsAndIsCanonical(bytes, be);
      neverThrowsAndIsCanonical(bytes.subarray(0, cut % (bytes.length + 1)), be);
    }),
    { numRuns: 1000 },
  );
});
