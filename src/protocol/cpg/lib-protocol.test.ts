/**
 * CPG library protocol: golden bytes for a few messages (so a client in another language can be
 * checked against them), round trips of every request, response and event, bounds, and fuzz: the
 * decoders never throw, and whatever they accept re-encodes to exactly the same bytes (one
 * encoding per value, so nothing is silently ignored).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CpgLibEventId,
  CpgLibRequestId,
  decodeCpgLibEvent,
  decodeCpgLibRequest,
  decodeCpgLibResponse,
  encodeCpgLibEvent,
  encodeCpgLibRequest,
  encodeCpgLibResponse,
  type CpgLibEvent,
  type CpgLibRequest,
  type CpgLibRequestKind,
  type CpgLibResponse,
} from './lib-protocol.js';

const rec: typeof fc.record = ((shape: never) => fc.record(shape, { noNullPrototype: true })) as never;
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const group = fc.uint8Array({ maxLength: 128 });
const data = fc.uint8Array({ maxLength: 300 });
const member = rec({ nodeId: u32, pid: u32 });
const members = fc.array(member, { maxLength: 12 });
const reason = fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const, 5 as const);
const address = rec({ nodeId: u32, pid: u32, reason });
const flow = fc.constantFrom('enabled' as const, 'disabled' as const);

const anyRequest: fc.Arbitrary<CpgLibRequest> = fc.oneof(
  rec({ kind: fc.constant('join' as const), group, deliverInitialTotemConf: fc.boolean() }),
  rec({ kind: fc.constant('leave' as const), group }),
  rec({ kind: fc.constant('mcast' as const), group, guarantee: fc.constantFrom('agreed' as const, 'safe' as const), data }),
  rec({ kind: fc.constant('membershipGet' as const), group }),
  rec({ kind: fc.constant('localNodeIdGet' as const) }),
  rec({ kind: fc.constant('groupsList' as const) }),
  rec({ kind: fc.constant('flowControlGet' as const) }),
);

const anyResponse: fc.Arbitrary<CpgLibResponse> = fc.oneof(
  rec({ kind: fc.constantFrom('join' as const, 'leave' as const, 'mcast' as const) }),
  rec({ kind: fc.constant('membershipGet' as const), members }),
  rec({ kind: fc.constant('localNodeIdGet' as const), nodeId: u32 }),
  rec({ kind: fc.constant('groupsList' as const), groups: fc.array(rec({ group, members }), { maxLength: 6 }) }),
  rec({ kind: fc.constant('flowControlGet' as const), state: flow }),
);

const anyEvent: fc.Arbitrary<CpgLibEvent> = fc.oneof(
  rec({ kind: fc.constant('confchg' as const), group, members, left: fc.array(address, { maxLength: 6 }), joined: fc.array(address, { maxLength: 6 }) }),
  rec({ kind: fc.constant('deliver' as const), group, nodeId: u32, pid: u32, data }),
  data.chain((d) => rec({
    kind: fc.constant('partial_deliver' as const), group, nodeId: u32, pid: u32,
    totalBytes: fc.integer({ min: d.length, max: 0xffffffff }), type: fc.constantFrom(1 as const, 2 as const, 3 as const), data: fc.constant(d),
  })),
  rec({ kind: fc.constant('totem_confchg' as const), ringId: rec({ nodeId: u32, seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) }), nodes: fc.array(u32, { maxLength: 20 }) }),
  rec({ kind: fc.constant('flow_control' as const), state: flow }),
);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ascii = (s: string) => new TextEncoder().encode(s);

test('golden bytes: join, mcast, confchg, deliver, totem confchg', () => {
  const join = encodeCpgLibRequest({ kind: 'join', group: ascii('ab'), deliverInitialTotemConf: true });
  assert.equal(join.messageId, 0);
  assert.equal(hex(join.payload), '02' + '6162' + '01000000');
  const mcast = encodeCpgLibRequest({ kind: 'mcast', group: ascii('g'), guarantee: 'safe', data: Uint8Array.of(9, 8) });
  assert.equal(mcast.messageId, 2);
  assert.equal(hex(mcast.payload), '03' + '0167' + '0908');
  const confchg = encodeCpgLibEvent({
    kind: 'confchg', group: ascii('g'), members: [{ nodeId: 1, pid: 2 }], left: [], joined: [{ nodeId: 1, pid: 2, reason: 1 }],
  });
  assert.equal(confchg.messageId, 4);
  assert.equal(hex(confchg.payload), '0167' + '01000000' + '0100000002000000' + '00000000' + '01000000' + '010000000200000001000000');
  const deliver = encodeCpgLibEvent({ kind: 'deliver', group: ascii('g'), nodeId: 3, pid: 0x1234, data: Uint8Array.of(0xff) });
  assert.equal(deliver.messageId, 5);
  assert.equal(hex(deliver.payload), '0167' + '03000000' + '34120000' + 'ff');
  const totem = encodeCpgLibEvent({ kind: 'totem_confchg', ringId: { nodeId: 1, seq: 0x100000004 }, nodes: [1, 2] });
  assert.equal(totem.messageId, 13);
  assert.equal(hex(totem.payload), '01000000' + '0400000001000000' + '02000000' + '0100000002000000');
});

test('every request, response and event round-trips', () => {
  fc.assert(fc.property(anyRequest, (req) => {
    const { messageId, payload } = encodeCpgLibRequest(req);
    assert.deepEqual(decodeCpgLibRequest(messageId, payload), { ok: true, value: req });
  }), { numRuns: 500 });
  fc.assert(fc.property(anyResponse, (res) => {
    assert.deepEqual(decodeCpgLibResponse(res.kind, encodeCpgLibResponse(res)), { ok: true, value: res });
  }), { numRuns: 500 });
  fc.assert(fc.property(anyEvent, (ev) => {
    const { messageId, payload } = encodeCpgLibEvent(ev);
    assert.deepEqual(decodeCpgLibEvent(messageId, payload), { ok: true, value: ev });
  }), { numRuns: 500 });
});

test('"do not wait": bit 1 of the join flags, bit 7 of the mcast guarantee byte; absent means wait', () => {
  const join = encodeCpgLibRequest({ kind: 'join', group: ascii('g'), deliverInitialTotemConf: true, wait: false });
  assert.deepEqual([...join.payload.subarray(2)], [3, 0, 0, 0]);
  assert.deepEqual(decodeCpgLibRequest(join.messageId, join.payload), { ok: true, value: { kind: 'join', group: ascii('g'), deliverInitialTotemConf: true, wait: false } });
  const mcast = encodeCpgLibRequest({ kind: 'mcast', group: ascii('g'), guarantee: 'safe', data: Uint8Array.of(9), wait: false });
  assert.equal(mcast.payload[0], 0x83);
  assert.deepEqual(decodeCpgLibRequest(mcast.messageId, mcast.payload), { ok: true, value: { kind: 'mcast', group: ascii('g'), guarantee: 'safe', data: Uint8Array.of(9), wait: false } });
  const waiting = encodeCpgLibRequest({ kind: 'mcast', group: ascii('g'), guarantee: 'agreed', data: Uint8Array.of(9), wait: true });
  assert.equal(waiting.payload[0], 2);
  assert.deepEqual(decodeCpgLibRequest(waiting.messageId, waiting.payload), { ok: true, value: { kind: 'mcast', group: ascii('g'), guarantee: 'agreed', data: Uint8Array.of(9) } });
});

test('decoded values do not alias the received bytes', () => {
  const { payload } = encodeCpgLibEvent({ kind: 'deliver', group: ascii('g'), nodeId: 1, pid: 1, data: Uint8Array.of(7) });
  const r = decodeCpgLibEvent(CpgLibEventId.deliver, payload);
  payload.fill(0);
  assert.ok(r.ok && r.value.kind === 'deliver');
  assert.deepEqual([...r.value.data], [7]);
  assert.deepEqual([...r.value.group], [...ascii('g')]);
});

test('bounds and strictness: typed errors for each malformed case', () => {
  const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'OK' : r.error!.code);
  // A name of 129 bytes.
  const long = new Uint8Array(1 + 129 + 4);
  long[0] = 129;
  assert.equal(code(decodeCpgLibRequest(CpgLibRequestId.join, long)), 'NAME_TOO_LONG');
  // 128 is fine.
  const max = encodeCpgLibRequest({ kind: 'leave', group: new Uint8Array(128) });
  assert.equal(code(decodeCpgLibRequest(max.messageId, max.payload)), 'OK');
  assert.throws(() => encodeCpgLibRequest({ kind: 'leave', group: new Uint8Array(129) }), RangeError);
  // Truncated, trailing, unknown ids, unknown flags, bad guarantee, bad reason, bad flow state.
  assert.equal(code(decodeCpgLibRequest(CpgLibRequestId.join, Uint8Array.of(1, 0x61, 0, 0))), 'TRUNCATED');
  assert.equal(code(decodeCpgLibRequest(CpgLibRequestId.localNodeIdGet, Uint8Array.of(0))), 'TRAILING_BYTES');
  assert.equal(code(decodeCpgLibRequest(99, new Uint8Array(0))), 'UNKNOWN_MESSAGE');
  assert.equal(code(decodeCpgLibEvent(0, new Uint8Array(0))), 'UNKNOWN_MESSAGE');
  assert.equal(code(decodeCpgLibRequest(CpgLibRequestId.join, Uint8Array.of(0, 4, 0, 0, 0))), 'BAD_FIELD');
  assert.equal(code(decodeCpgLibRequest(CpgLibRequestId.mcast, Uint8Array.of(0x84, 0))), 'BAD_FIELD');
  assert.equal(code(decodeCpgLibRequest(CpgLibRequestId.mcast, Uint8Array.of(1, 0))), 'BAD_FIELD');
  assert.equal(code(decodeCpgLibRequest(CpgLibRequestId.mcast, new Uint8Array(0))), 'TRUNCATED');
  const badReason = encodeCpgLibEvent({ kind: 'confchg', group: new Uint8Array(0), members: [], left: [{ nodeId: 1, pid: 1, reason: 2 }], joined: [] });
  badReason.payload[1 + 4 + 4 + 8] = 6;
  assert.equal(code(decodeCpgLibEvent(CpgLibEventId.confchg, badReason.payload)), 'BAD_FIELD');
  assert.equal(code(decodeCpgLibEvent(CpgLibEventId.flowControl, Uint8Array.of(2))), 'BAD_FIELD');
  assert.equal(code(decodeCpgLibResponse('flowControlGet', Uint8Array.of(2))), 'BAD_FIELD');
  // A fragment longer than the message it belongs to.
  const partial = encodeCpgLibEvent({ kind: 'partial_deliver', group: new Uint8Array(0), nodeId: 1, pid: 1, totalBytes: 2, type: 1, data: Uint8Array.of(1, 2) });
  const grown = new Uint8Array([...partial.payload, 3]);
  assert.equal(code(decodeCpgLibEvent(CpgLibEventId.partialDeliver, grown)), 'BAD_FIELD');
  // A ring sequence beyond 2^53-1.
  const seq = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0);
  assert.equal(code(decodeCpgLibEvent(CpgLibEventId.totemConfchg, seq)), 'BAD_FIELD');
});

test('a forged count is refused before allocating', () => {
  const forged = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8);
  const r = decodeCpgLibResponse('membershipGet', forged);
  assert.equal(r.ok ? 'OK' : r.error.code, 'TOO_MANY_ENTRIES');
  const groups = decodeCpgLibResponse('groupsList', Uint8Array.of(0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0));
  assert.equal(groups.ok ? 'OK' : groups.error.code, 'TOO_MANY_ENTRIES');
  const totem = decodeCpgLibEvent(CpgLibEventId.totemConfchg, Uint8Array.of(1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0));
  assert.equal(totem.ok ? 'OK' : totem.error.code, 'TOO_MANY_ENTRIES');
});

const requestIds = Object.values(CpgLibRequestId);
const eventIds = Object.values(CpgLibEventId);
const kinds = Object.keys(CpgLibRequestId) as CpgLibRequestKind[];

/** Random bytes, or a valid encoding with a few bytes flipped, cut or appended. */
function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const mutate = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat({ max: 8 }), fc.boolean())
    .map(([bytes, flips, cut, append]) => {
      const out = Uint8Array.from(bytes);
      for (const [at, v] of flips) if (out.length > 0) out[at % out.length] = v;
      const trimmed = out.subarray(0, Math.max(0, out.length - cut));
      return append ? Uint8Array.from([...trimmed, 0]) : trimmed;
    });
  return fc.oneof(fc.uint8Array({ maxLength: 200 }), mutate);
}

test('fuzz: decoders never throw and what they accept re-encodes byte for byte', () => {
  const reqBytes = mutated(anyRequest.map((r) => encodeCpgLibRequest(r).payload));
  fc.assert(fc.property(fc.constantFrom(...requestIds, 7, 0xffffffff), reqBytes, (id, bytes) => {
    const r = decodeCpgLibRequest(id, bytes);
    if (r.ok) assert.equal(hex(encodeCpgLibRequest(r.value).payload), hex(bytes));
  }), { numRuns: 2000 });
  const resBytes = mutated(anyResponse.map((r) => encodeCpgLibResponse(r)));
  fc.assert(fc.property(fc.constantFrom(...kinds), resBytes, (kind, bytes) => {
    const r = decodeCpgLibResponse(kind, bytes);
    if (r.ok) assert.equal(hex(encodeCpgLibResponse(r.value)), hex(bytes));
  }), { numRuns: 2000 });
  const evBytes = mutated(anyEvent.map((e) => encodeCpgLibEvent(e).payload));
  fc.assert(fc.property(fc.constantFrom(...eventIds, 0, 6), evBytes, (id, bytes) => {
    const r = decodeCpgLibEvent(id, bytes);
    if (r.ok) {
      const again = encodeCpgLibEvent(r.value);
      assert.equal(again.messageId, id);
      assert.equal(hex(again.payload), hex(bytes));
    }
  }), { numRuns: 2000 });
});
