/**
 * Golden vectors for every CPG executive message, written by hand from the x86_64 layout of the
 * Corosync 3.1.7 structs (every member aligned(8), so each u32 is followed by 4 pad bytes), and
 * independent of the encoder: a message is a list of fields in struct order with explicit padding,
 * serialised little-endian and big-endian by the tiny writer below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as L from './layout.js';
import { decodeCpgMessage, encodeCpgMessage, peekCpgMessageId, type CpgExecMessage } from './wire.js';

type Field = readonly [width: 4 | 8, value: number | bigint] | { readonly pad: number } | Uint8Array;

function build(fields: readonly Field[], be: boolean): Uint8Array {
  const out: number[] = [];
  for (const f of fields) {
    if (f instanceof Uint8Array) out.push(...f);
    else if ('pad' in f) out.push(...new Array<number>(f.pad).fill(0));
    else {
      const [width, value] = f;
      let v = BigInt.asUintN(width * 8, BigInt(value));
      const bytes: number[] = [];
      for (let i = 0; i < width; i++, v >>= 8n) bytes.push(Number(v & 0xffn));
      out.push(...(be ? bytes.reverse() : bytes));
    }
  }
  return Uint8Array.from(out);
}

const pad = (n: number): Field => ({ pad: n });
/** A u32 in an aligned(8) slot: 4 value bytes and 4 pad bytes. */
const slot = (v: number): Field[] => [[4, v], pad(4)];
/** qb_ipc_request_header: id @0, size @8. */
const header = (messageId: number, size: number): Field[] => [...slot((2 << 16) | messageId), ...slot(size)];
/** mar_cpg_name_t: length @+0 (+4 pad), value[128] @+8; 136 bytes. */
function name(text: string): Field[] {
  const bytes = new TextEncoder().encode(text);
  return [...slot(bytes.length), bytes, pad(128 - bytes.length)];
}
/** mar_message_source_t: nodeid @+0 (+4 pad), conn (u64 pointer) @+8; 16 bytes. */
const source = (nodeId: number, conn: bigint): Field[] => [...slot(nodeId), [8, conn]];
const enc = (s: string) => new TextEncoder().encode(s);

function check(fields: readonly Field[], expected: CpgExecMessage, size: number): Uint8Array {
  const le = build(fields, false);
  assert.equal(le.length, size, 'hand-built size');
  assert.deepEqual(encodeCpgMessage(expected), le, 'encoder matches the hand-built LE bytes');
  assert.deepEqual(decodeCpgMessage(le), { ok: true, value: expected });
  return le;
}

/** A big-endian sender: every integer swapped; conn is dropped as Corosync does. */
function checkBigEndian(fields: readonly Field[], expected: CpgExecMessage): void {
  const be = build(fields, true);
  const value = 'source' in expected ? { ...expected, source: { ...expected.source, conn: 0n } } : expected;
  assert.deepEqual(decodeCpgMessage(be, { bigEndian: true }), { ok: true, value });
}

test('struct sizes follow the aligned(8) layout', () => {
  assert.equal(L.REQUEST_HEADER_SIZE, 16, 'id @0 (+4 pad), size @8 (+4 pad)');
  assert.equal(L.RESPONSE_HEADER_SIZE, 24, 'id @0, size @8, error @16, each padded to 8');
  assert.equal(L.NAME_SIZE, 8 + 128);
  assert.equal(L.PROCJOIN_SIZE, 16 + 136 + 8 + 8);
  assert.equal(L.MCAST_SIZE, 16 + 136 + 8 + 8 + 16);
  assert.equal(L.PARTIAL_SIZE, 16 + 136 + 4 * 8 + 16);
  assert.equal(L.DOWNLIST_OLD_SIZE, 16 + 8 + 4 * 384);
  assert.equal(L.DOWNLIST_SIZE, 16 + 8 + 8 + 4 * 384);
  assert.equal(L.JLE_SIZE, 8 + 136);
});

test('procjoin: a literal byte dump', () => {
  const msg: CpgExecMessage = { kind: 'procjoin', group: enc('ab'), pid: 0x1234, reason: 1 };
  const bytes = encodeCpgMessage(msg);
  const expected = new Uint8Array(168);
  expected.set([0x00, 0x00, 0x02, 0x00], 0); // header.id = (2 << 16) | 0, LE
  expected.set([0xa8, 0x00, 0x00, 0x00], 8); // header.size = 168
  expected.set([0x02, 0x00, 0x00, 0x00], 16); // group_name.length = 2
  expected.set([0x61, 0x62], 24); // group_name.value = "ab", zero-filled to 152
  expected.set([0x34, 0x12, 0x00, 0x00], 152); // pid
  expected.set([0x01, 0x00, 0x00, 0x00], 160); // reason = CONFCHG_CPG_REASON_JOIN; 164..167 pad
  assert.deepEqual(bytes, expected);
  assert.equal(peekCpgMessageId(bytes), 0);
});

test('procjoin (id 0) and procleave (id 1) share req_exec_cpg_procjoin', () => {
  const join: CpgExecMessage = { kind: 'procjoin', group: enc('grp'), pid: 4242, reason: 1 };
  const joinFields = [...header(0, 168), ...name('grp'), ...slot(4242), ...slot(1)];
  check(joinFields, join, 168);
  checkBigEndian(joinFields, join);
  const leave: CpgExecMessage = { kind: 'procleave', group: enc('grp'), pid: 4242, reason: 5 };
  const leaveFields = [...header(1, 168), ...name('grp'), ...slot(4242), ...slot(5)];
  check(leaveFields, leave, 168);
  checkBigEndian(leaveFields, leave);
});

test('joinlist (id 2): response header then join_list_entry[] of 144 bytes', () => {
  const msg: CpgExecMessage = {
    kind: 'joinlist',
    entries: [{ pid: 100, group: enc('a') }, { pid: 200, group: enc('bb') }],
  };
  const fields: Field[] = [
    ...header(2, 24 + 2 * 144), ...slot(0), // qb_ipc_response_header: error @16 = 0
    ...slot(100), ...name('a'), // entry 0 @24: pid @24, group_name @32
    ...slot(200), ...name('bb'), // entry 1 @168
  ];
  check(fields, msg, 312);
  checkBigEndian(fields, msg);
  check([...header(2, 24), ...slot(0)], { kind: 'joinlist', entries: [] }, 24);
});

test('mcast (id 3): 184-byte struct then msglen data bytes', () => {
  const data = Uint8Array.from([1, 2, 3, 4, 5]);
  const msg: CpgExecMessage = { kind: 'mcast', group: enc('g'), pid: 77, source: { nodeId: 3, conn: 0x7f00_1234_5678n }, data };
  const fields: Field[] = [
    ...header(3, 189), ...name('g'),
    ...slot(5), // msglen @152
    ...slot(77), // pid @160
    ...source(3, 0x7f00_1234_5678n), // source @168: nodeid @168, conn @176
    data, // message[] @184
  ];
  check(fields, msg, 189);
  checkBigEndian(fields, msg);
});

test('downlist_old (id 4): left_nodes @16, nodeids[384] @24, always full size', () => {
  const msg: CpgExecMessage = { kind: 'downlist_old', leftNodes: [5, 9] };
  const fields: Field[] = [...header(4, 1560), ...slot(2), [4, 5], [4, 9], pad(4 * 382)];
  check(fields, msg, 1560);
  checkBigEndian(fields, msg);
});

test('downlist (id 5): old_members @16, left_nodes @24, nodeids[384] @32', () => {
  const msg: CpgExecMessage = { kind: 'downlist', oldMembers: 3, leftNodes: [2] };
  const fields: Field[] = [...header(5, 1568), ...slot(3), ...slot(1), [4, 2], pad(4 * 383)];
  check(fields, msg, 1568);
  checkBigEndian(fields, msg);
});

test('downlist ignores stale node ids past left_nodes (Corosync reuses one static struct)', () => {
  const fields: Field[] = [...header(5, 1568), ...slot(3), ...slot(1), [4, 2], [4, 99], pad(4 * 382)];
  assert.deepEqual(decodeCpgMessage(build(fields, false)), {
    ok: true,
    value: { kind: 'downlist', oldMembers: 3, leftNodes: [2] },
  });
});

test('partial_mcast (id 6): msglen @152, fraglen @160, pid @168, type @176, source @184, data @200', () => {
  const data = Uint8Array.from([9, 8, 7]);
  const msg: CpgExecMessage = {
    kind: 'partial_mcast', group: enc('big'), pid: 12, totalBytes: 10, type: 1, source: { nodeId: 1, conn: 42n }, data,
  };
  const fields: Field[] = [
    ...header(6, 203), ...name('big'), ...slot(10), ...slot(3), ...slot(12), ...slot(1), ...source(1, 42n), data,
  ];
  check(fields, msg, 203);
  checkBigEndian(fields, msg);
});

test('padding is ignored: Corosync does not zero req_exec_cpg_partial_mcast', () => {
  const data = Uint8Array.from([1]);
  const msg: CpgExecMessage = {
    kind: 'partial_mcast', group: enc('x'), pid: 1, totalBytes: 1, type: 3, source: { nodeId: 2, conn: 7n }, data,
  };
  const bytes = encodeCpgMessage(msg);
  for (const o of [4, 12, 20, 156, 164, 172, 180, 188]) bytes.fill(0xee, o, o + 4);
  bytes.fill(0xee, 24 + 1, 152); // name bytes past length
  assert.deepEqual(decodeCpgMessage(bytes), { ok: true, value: msg });
});

test('a 128-byte name is accepted; 129 is NAME_TOO_LONG', () => {
  const longest = new Uint8Array(128).fill(0x41);
  const msg: CpgExecMessage = { kind: 'procjoin', group: longest, pid: 1, reason: 1 };
  assert.deepEqual(decodeCpgMessage(encodeCpgMessage(msg)), { ok: true, value: msg });
  const bytes = encodeCpgMessage(msg);
  bytes[16] = 129;
  assert.equal(expectError(bytes), 'NAME_TOO_LONG');
  assert.throws(() => encodeCpgMessage({ ...msg, group: new Uint8Array(129) }), RangeError);
});

function expectError(bytes: Uint8Array, bigEndian = false): string {
  const r = decodeCpgMessage(bytes, { bigEndian });
  assert.equal(r.ok, false);
  return r.ok ? '' : r.error.code;
}

test('typed errors for malformed messages', () => {
  const join = encodeCpgMessage({ kind: 'procjoin', group: enc('g'), pid: 1, reason: 1 });
  assert.equal(expectError(join.subarray(0, 10)), 'TRUNCATED');
  assert.equal(expectError(join.subarray(0, 160)), 'SIZE_MISMATCH', 'header.size says 168');
  const short = join.slice(0, 160);
  short[8] = 160;
  assert.equal(expectError(short), 'TRUNCATED', 'a procjoin is always 168 bytes');
  const otherService = join.slice();
  otherService[2] = 3;
  assert.equal(expectError(otherService), 'WRONG_SERVICE');
  assert.equal(peekCpgMessageId(otherService), undefined);
  const unknown = join.slice();
  unknown[0] = 7;
  assert.equal(expectError(unknown), 'UNKNOWN_MESSAGE');
  const badReason = join.slice();
  badReason[160] = 6;
  assert.equal(expectError(badReason), 'BAD_FIELD');

  const mcast = encodeCpgMessage({ kind: 'mcast', group: enc('g'), pid: 1, source: { nodeId: 1, conn: 0n }, data: new Uint8Array(4) });
  mcast[152] = 5;
  assert.equal(expectError(mcast), 'LENGTH_MISMATCH', 'msglen must match the data delivered');

  const partial = encodeCpgMessage({
    kind: 'partial_mcast', group: enc('g'), pid: 1, totalBytes: 4, type: 2, source: { nodeId: 1, conn: 0n }, data: new Uint8Array(4),
  });
  const badType = partial.slice();
  badType[176] = 4;
  assert.equal(expectError(badType), 'BAD_FIELD');
  const fragTooLong = partial.slice();
  fragTooLong[152] = 3;
  assert.equal(expectError(fragTooLong), 'BAD_FIELD', 'fraglen > msglen');

  const down = encodeCpgMessage({ kind: 'downlist', oldMembers: 1, leftNodes: [] });
  down.set([0x81, 0x01], 24); // left_nodes = 385
  assert.equal(expectError(down), 'TOO_MANY_ENTRIES');

  const jl = encodeCpgMessage({ kind: 'joinlist', entries: [{ pid: 1, group: enc('g') }] });
  const jlOdd = new Uint8Array(jl.length + 8);
  jlOdd.set(jl);
  jlOdd[8] = jlOdd.length;
  assert.equal(expectError(jlOdd), 'LENGTH_MISMATCH');
});
