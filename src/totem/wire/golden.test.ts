/**
 * Golden frames written by hand from the packed structs of Corosync 3.1.7 (totem.h, totemsrp.c),
 * independent of the encoder: each frame is a list of (width, value) fields in struct order,
 * serialised little-endian and big-endian by the tiny writer below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, isBigEndianFrame } from './index.js';
import * as L from './layout.js';
import type { TotemMessage } from './types.js';

type Field = readonly [width: 1 | 2 | 4 | 8, value: number | bigint] | Uint8Array;

function build(fields: readonly Field[], be: boolean): Uint8Array {
  const parts: number[] = [];
  for (const f of fields) {
    if (f instanceof Uint8Array) {
      parts.push(...f);
      continue;
    }
    const [width, value] = f;
    let v = BigInt.asUintN(width * 8, BigInt(value));
    const bytes: number[] = [];
    for (let i = 0; i < width; i++, v >>= 8n) bytes.push(Number(v & 0xffn));
    parts.push(...(be ? bytes.reverse() : bytes));
  }
  return Uint8Array.from(parts);
}

const hdr = (type: number, encap: number, nodeid: number, target = 0): Field[] => [
  [2, 0xc070], [1, 3], [1, type], [1, encap], [4, nodeid], [4, target],
];
const ringId = (rep: number, seq: number | bigint): Field[] => [[4, rep], [8, seq]];

function checkBoth(fields: readonly Field[], expected: TotemMessage, size: number): Uint8Array {
  const le = build(fields, false);
  const be = build(fields, true);
  assert.equal(le.length, size);
  assert.deepEqual(encodeMessage(expected), le, 'encoder matches the hand-built LE frame');
  const fromLe = decodeMessage(le);
  const fromBe = decodeMessage(be);
  assert.deepEqual(fromLe, { ok: true, value: expected });
  assert.deepEqual(fromBe, { ok: true, value: expected }, 'a big-endian sender decodes to the same value');
  assert.equal(isBigEndianFrame(le), false);
  assert.equal(isBigEndianFrame(be), true);
  return le;
}

test('struct sizes are the packed sums of their fields', () => {
  assert.equal(L.HEADER_SIZE, 2 + 1 + 1 + 1 + 4 + 4);
  assert.equal(L.RING_ID_SIZE, 4 + 8);
  assert.equal(L.MCAST_SIZE, 13 + 4 + 4 + 4 + 12 + 4 + 4);
  assert.equal(L.MCAST_SIZE, 45);
  assert.equal(L.ORF_TOKEN_SIZE, 13 + 4 * 4 + 12 + 4 * 4);
  assert.equal(L.RTR_ITEM_SIZE, 12 + 4);
  assert.equal(L.MEMB_JOIN_SIZE, 13 + 4 + 4 + 4 + 8);
  assert.equal(L.MERGE_DETECT_SIZE, 13 + 4 + 12);
  assert.equal(L.TOKEN_HOLD_CANCEL_SIZE, 13 + 12);
  assert.equal(L.COMMIT_TOKEN_SIZE, 13 + 4 + 12 + 4 + 4 + 4);
  assert.equal(L.COMMIT_MEMB_ENTRY_SIZE, 12 + 4 + 4 + 4);
});

test('mcast: literal little-endian bytes and field offsets', () => {
  const payload = Uint8Array.from([0xaa, 0xbb, 0xcc]);
  const msg: TotemMessage = {
    kind: 'mcast', sender: 1, target: 0, encapsulated: 2, systemFrom: 1, seq: 0x10203040, thisSeqno: -1,
    ringId: { rep: 1, seq: 0x1_0000_0004 }, nodeId: 7, guarantee: 0, payload,
  };
  const literal = Uint8Array.from([
    0x70, 0xc0, 0x03, 0x01, 0x02, // magic 0xC070 LE, version 3, type MCAST, MESSAGE_NOT_ENCAPSULATED
    0x01, 0, 0, 0, 0, 0, 0, 0, // nodeid 1, target_nodeid 0
    0x01, 0, 0, 0, // @13 system_from
    0x40, 0x30, 0x20, 0x10, // @17 seq
    0xff, 0xff, 0xff, 0xff, // @21 this_seqno -1
    0x01, 0, 0, 0, 0x04, 0, 0, 0, 0x01, 0, 0, 0, // @25 ring_id rep 1, seq 2^32 + 4
    0x07, 0, 0, 0, // @37 node_id
    0, 0, 0, 0, // @41 guarantee
    0xaa, 0xbb, 0xcc, // @45 payload
  ]);
  const fields: Field[] = [...hdr(1, 2, 1), [4, 1], [4, 0x10203040], [4, -1], ...ringId(1, 0x1_0000_0004), [4, 7], [4, 0], payload];
  const le = checkBoth(fields, msg, 48);
  assert.deepEqual(le, literal);
  assert.equal(le[L.MCAST_SEQ], 0x40);
  assert.equal(le[L.MCAST_RING_ID + 4], 0x04);
  assert.equal(le[L.MCAST_NODE_ID], 0x07);
});

test('mcast: empty payload is the bare 45-byte struct; encapsulated flag 1 kept', () => {
  const msg: TotemMessage = {
    kind: 'mcast', sender: 9, target: 0, encapsulated: 1, systemFrom: 9, seq: 1, thisSeqno: 0,
    ringId: { rep: 2, seq: 8 }, nodeId: 9, guarantee: 1, payload: new Uint8Array(0),
  };
  checkBoth([...hdr(1, 1, 9), [4, 9], [4, 1], [4, 0], ...ringId(2, 8), [4, 9], [4, 1]], msg, 45);
});

test('orf_token with two rtr items', () => {
  const msg: TotemMessage = {
    kind: 'orf_token', sender: 3, target: 4, encapsulated: 0, seq: 100, tokenSeq: 55, aru: 0xffffffff, aruAddr: 2,
    ringId: { rep: 1, seq: 12 }, backlog: 6, fcc: 3, retransFlg: 1,
    rtrList: [{ ringId: { rep: 1, seq: 12 }, seq: 97 }, { ringId: { rep: 1, seq: 8 }, seq: 99 }],
  };
  const fields: Field[] = [
    ...hdr(0, 0, 3, 4), [4, 100], [4, 55], [4, 0xffffffff], [4, 2], ...ringId(1, 12), [4, 6], [4, 3], [4, 1], [4, 2],
    ...ringId(1, 12), [4, 97], ...ringId(1, 8), [4, 99],
  ];
  const le = checkBoth(fields, msg, 57 + 2 * 16);
  assert.equal(le[L.ORF_RTR_LIST_ENTRIES], 2);
  assert.equal(le[L.ORF_TOKEN_SIZE + 12], 97, 'first rtr_item seq at 57 + 12');
});

test('memb_join with proc and failed lists', () => {
  const msg: TotemMessage = {
    kind: 'memb_join', sender: 0, target: 0, encapsulated: 0, systemFrom: 5,
    procList: [1, 2, 5], failedList: [3], ringSeq: 2 ** 40 + 12,
  };
  const fields: Field[] = [...hdr(3, 0, 0), [4, 5], [4, 3], [4, 1], [8, 2 ** 40 + 12], [4, 1], [4, 2], [4, 5], [4, 3]];
  const le = checkBoth(fields, msg, 33 + 4 * 4);
  assert.equal(le[L.JOIN_RING_SEQ + 5], 1, 'ring_seq bit 40');
  assert.equal(le[L.MEMB_JOIN_SIZE + 12], 3, 'failed list follows the proc list');
});

test('memb_merge_detect and token_hold_cancel', () => {
  checkBoth([...hdr(2, 0, 4), [4, 4], ...ringId(4, 20)], {
    kind: 'memb_merge_detect', sender: 4, target: 0, encapsulated: 0, systemFrom: 4, ringId: { rep: 4, seq: 20 },
  }, 29);
  checkBoth([...hdr(5, 0, 6), ...ringId(1, Number.MAX_SAFE_INTEGER)], {
    kind: 'token_hold_cancel', sender: 6, target: 0, encapsulated: 0, ringId: { rep: 1, seq: Number.MAX_SAFE_INTEGER },
  }, 25);
});

test('memb_commit_token: addr[] then memb_list[]', () => {
  const msg: TotemMessage = {
    kind: 'memb_commit_token', sender: 1, target: 2, encapsulated: 0, tokenSeq: 3, ringId: { rep: 1, seq: 16 },
    retransFlg: 0, membIndex: 1, addr: [1, 2],
    membList: [
      { ringId: { rep: 1, seq: 12 }, aru: 40, highDelivered: 41, receivedFlg: 1 },
      { ringId: { rep: 0, seq: 0 }, aru: 0, highDelivered: 0, receivedFlg: 0 },
    ],
  };
  const fields: Field[] = [
    ...hdr(4, 0, 1, 2), [4, 3], ...ringId(1, 16), [4, 0], [4, 1], [4, 2], [4, 1], [4, 2],
    ...ringId(1, 12), [4, 40], [4, 41], [4, 1], ...ringId(0, 0), [4, 0], [4, 0], [4, 0],
  ];
  const le = checkBoth(fields, msg, 41 + 2 * (4 + 24));
  assert.equal(le[L.COMMIT_TOKEN_SIZE + 8 + 12], 40, 'memb_list[0].aru after both addrs');
});

const mcastFields = (extra: Field[] = []): Field[] => [...hdr(1, 2, 1), [4, 1], [4, 1], [4, 0], ...ringId(1, 4), [4, 1], [4, 0], ...extra];

function code(frame: Uint8Array): string {
  const r = decodeMessage(frame);
  return r.ok ? 'ok' : r.error.code;
}

test('header rejections: truncated, magic, version, type, encapsulation', () => {
  const good = build(mcastFields(), false);
  assert.equal(code(good), 'ok');
  assert.equal(code(good.subarray(0, 12)), 'TRUNCATED');
  assert.equal(code(good.subarray(0, 44)), 'TRUNCATED');
  assert.equal(code(new Uint8Array(0)), 'TRUNCATED');
  const patch = (i: number, v: number) => { const f = good.slice(); f[i] = v; return f; };
  assert.equal(code(patch(0, 0xff)), 'BAD_MAGIC');
  assert.equal(code(patch(2, 2)), 'BAD_VERSION');
  assert.equal(code(patch(3, 6)), 'UNKNOWN_TYPE');
  assert.equal(code(patch(3, 0xff)), 'UNKNOWN_TYPE');
  assert.equal(code(patch(4, 0)), 'BAD_ENCAPSULATION', 'an mcast must say encapsulated or not');
  assert.equal(code(patch(4, 3)), 'BAD_ENCAPSULATION');
  assert.equal(code(build([...hdr(5, 1, 6), ...ringId(1, 1)], false)), 'BAD_ENCAPSULATION', 'tokens carry 0');
});

test('ring seq above Number.MAX_SAFE_INTEGER is rejected, in the fixed part and in lists', () => {
  assert.equal(code(build([...hdr(5, 0, 6), ...ringId(1, 2n ** 53n)], false)), 'BAD_FIELD');
  assert.equal(code(build([...hdr(5, 0, 6), ...ringId(1, 2n ** 53n - 1n)], false)), 'ok');
  assert.equal(code(build([...hdr(3, 0, 1), [4, 1], [4, 0], [4, 0], [8, 2n ** 64n - 1n]], false)), 'BAD_FIELD');
  const orf = (rtrSeq: bigint) => build([
    ...hdr(0, 0, 1), [4, 0], [4, 0], [4, 0], [4, 0], ...ringId(1, 1), [4, 0], [4, 0], [4, 0], [4, 1], ...ringId(1, rtrSeq), [4, 5],
  ], true);
  assert.equal(code(orf(7n)), 'ok');
  assert.equal(code(orf(2n ** 60n)), 'BAD_FIELD');
});

test('count rejections: rtr_list_entries, join lists, commit entries, memb_index, trailing bytes', () => {
  const orf = (entries: number, items: number, be = false) => {
    const f: Field[] = [...hdr(0, 0, 1), [4, 0], [4, 0], [4, 0], [4, 0], ...ringId(1, 1), [4, 0], [4, 0], [4, 0], [4, entries]];
    for (let i = 0; i < items; i++) f.push(...ringId(1, 1), [4, i]);
    return build(f, be);
  };
  assert.equal(code(orf(30, 30)), 'ok');
  assert.equal(code(orf(30, 30, true)), 'ok');
  assert.equal(code(orf(31, 31)), 'TOO_MANY_ENTRIES');
  assert.equal(code(orf(-1, 0)), 'BAD_FIELD');
  assert.equal(code(orf(2, 1)), 'TRUNCATED');
  assert.equal(code(orf(1, 2)), 'TRAILING_BYTES');

  const join = (proc: number, failed: number, ids: number) => {
    const f: Field[] = [...hdr(3, 0, 1), [4, 1], [4, proc], [4, failed], [8, 4]];
    for (let i = 0; i < ids; i++) f.push([4, i + 1]);
    return build(f, false);
  };
  assert.equal(code(join(384, 384, 768)), 'ok');
  assert.equal(code(join(385, 0, 385)), 'TOO_MANY_ENTRIES');
  assert.equal(code(join(0, 0xffffffff, 0)), 'TOO_MANY_ENTRIES');
  assert.equal(code(join(2, 1, 2)), 'TRUNCATED');
  assert.equal(code(join(2, 1, 4)), 'TRAILING_BYTES');

  const commit = (entries: number, items: number, membIndex = 0) => {
    const f: Field[] = [...hdr(4, 0, 1), [4, 1], ...ringId(1, 4), [4, 0], [4, membIndex], [4, entries]];
    for (let i = 0; i < items; i++) f.push([4, i + 1]);
    for (let i = 0; i < items; i++) f.push(...ringId(1, 1), [4, 0], [4, 0], [4, 0]);
    return build(f, false);
  };
  assert.equal(code(commit(384, 384)), 'ok');
  assert.equal(code(commit(3, 3, 3)), 'ok', 'memb_index reaches addr_entries after the last member');
  assert.equal(code(commit(3, 3, 4)), 'BAD_FIELD');
  assert.equal(code(commit(3, 3, -1)), 'BAD_FIELD');
  assert.equal(code(commit(385, 385)), 'TOO_MANY_ENTRIES');
  assert.equal(code(commit(-2, 0)), 'BAD_FIELD');
  assert.equal(code(commit(3, 2)), 'TRUNCATED');
  assert.equal(code(build([...hdr(5, 0, 6), ...ringId(1, 1), [1, 0]], false)), 'TRAILING_BYTES');
  assert.equal(code(build([...hdr(2, 0, 6), [4, 6], ...ringId(1, 1), [1, 0]], false)), 'TRAILING_BYTES');
});

test('frames above FRAME_SIZE_MAX are rejected; one at the bound is accepted', () => {
  assert.equal(L.FRAME_SIZE_MAX, 65536);
  assert.equal(code(build(mcastFields([new Uint8Array(L.FRAME_SIZE_MAX - 45)]), false)), 'ok');
  assert.equal(code(build(mcastFields([new Uint8Array(L.FRAME_SIZE_MAX - 44)]), false)), 'OVERSIZED');
});

test('payload is a zero-copy plain Uint8Array view, also from a Buffer', () => {
  const frame = Buffer.from(build(mcastFields([Uint8Array.from([1, 2, 3])]), false));
  const r = decodeMessage(frame);
  assert.ok(r.ok && r.value.kind === 'mcast');
  assert.equal(Object.getPrototypeOf(r.value.payload), Uint8Array.prototype);
  assert.equal(r.value.payload.buffer, frame.buffer);
  assert.deepEqual([...r.value.payload], [1, 2, 3]);
});

test('mcastPayloadBytesMax: netmtu 1500 over IPv4 udpu', () => {
  assert.equal(L.mcastPayloadBytesMax(1500), 1500 - 28 - 90);
  assert.equal(L.mcastPayloadBytesMax(1500, 0), 1410, "Corosync's net_mtu after totemsrp_net_mtu_adjust");
});
