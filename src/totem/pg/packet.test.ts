/** totempg packet codec: golden bytes from struct totempg_mcast (exec/totempg.c), strictness, fuzz. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PG_HEADER_SIZE, PG_PACKET_BYTES_MAX, decodePgPacket, encodePgPacket, type PgCodecErrorCode, type PgPacket } from './index.js';

const ab = (s: string) => new TextEncoder().encode(s);

function code(bytes: ArrayLike<number>, be = false): string {
  const r = decodePgPacket(Uint8Array.from(bytes), be);
  return r.ok ? 'ok' : r.error.code;
}

test('header is version i16 + type i16 + fragmented u8 + continuation u8 + msg_count u16', () => {
  assert.equal(PG_HEADER_SIZE, 2 + 2 + 1 + 1 + 2);
});

test('golden little-endian and big-endian packets decode to the same messages', () => {
  const le = [
    0, 0, 0, 0, // version 0, type 0
    3, 7, // fragmented 3 (last message continues), continuation 7 (first continues fragment 7)
    3, 0, // msg_count 3
    2, 0, 0, 0, 1, 1, // msg_len 2, 0, 257
    0x61, 0x62, ...new Array<number>(257).fill(0x7a),
  ];
  const be = [0, 0, 0, 0, 3, 7, 0, 3, 0, 2, 0, 0, 1, 1, 0x61, 0x62, ...new Array<number>(257).fill(0x7a)];
  const expected: PgPacket = { fragmented: 3, continuation: 7, messages: [ab('ab'), new Uint8Array(0), new Uint8Array(257).fill(0x7a)] };
  assert.deepEqual(decodePgPacket(Uint8Array.from(le)), { ok: true, value: expected });
  assert.deepEqual(decodePgPacket(Uint8Array.from(be), true), { ok: true, value: expected });
  const encoded = encodePgPacket(expected);
  assert.ok(encoded.ok);
  assert.deepEqual([...encoded.value], le);
});

test('strict decode: truncated, version, type, empty, lengths, trailing bytes, oversize', () => {
  const good = [0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0x61, 0x62];
  assert.equal(code(good), 'ok');
  assert.equal(code(good.slice(0, 7)), 'TRUNCATED');
  assert.equal(code(good.slice(0, 9)), 'TRUNCATED', 'lengths cut');
  assert.equal(code(good.slice(0, 11)), 'TRUNCATED', 'data cut');
  assert.equal(code([...good, 0]), 'TRAILING_BYTES');
  assert.equal(code([0, 1, ...good.slice(2)]), 'BAD_VERSION');
  assert.equal(code([0, 0, 1, 0, ...good.slice(4)]), 'BAD_FIELD');
  assert.equal(code([0, 0, 0, 0, 0, 0, 0, 0]), 'BAD_FIELD', 'msg_count 0');
  assert.equal(code(good, true), 'TRUNCATED', 'read big-endian, msg_count is 256');
  assert.equal(code(new Uint8Array(PG_PACKET_BYTES_MAX + 1)), 'OVERSIZED');
});

test('encode refuses what the format cannot carry, without throwing', () => {
  const bad = (p: PgPacket): string => {
    const r = encodePgPacket(p);
    return r.ok ? 'ok' : r.error.code;
  };
  assert.equal(bad({ fragmented: 0, continuation: 0, messages: [] }), 'BAD_FIELD');
  assert.equal(bad({ fragmented: 256, continuation: 0, messages: [ab('x')] }), 'BAD_FIELD');
  assert.equal(bad({ fragmented: 0, continuation: -1, messages: [ab('x')] }), 'BAD_FIELD');
  assert.equal(bad({ fragmented: 0, continuation: 0, messages: [new Uint8Array(0x10000)] }), 'OVERSIZED');
  assert.equal(bad({ fragmented: 0, continuation: 0, messages: [new Uint8Array(40000), new Uint8Array(40000)] }), 'OVERSIZED');
});

const packetArb: fc.Arbitrary<PgPacket> = fc.record(
  {
    fragmented: fc.integer({ min: 0, max: 255 }),
    continuation: fc.integer({ min: 0, max: 255 }),
    messages: fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 20 }),
  },
  { noNullPrototype: true },
);

test('round trip: decode(encode(p)) == p', () => {
  fc.assert(
    fc.property(packetArb, (p) => {
      const e = encodePgPacket(p);
      assert.ok(e.ok);
      assert.deepEqual(decodePgPacket(e.value), { ok: true, value: p });
    }),
    { numRuns: 500 },
  );
});

const CODES: ReadonlySet<PgCodecErrorCode> = new Set(['TRUNCATED', 'BAD_VERSION', 'BAD_FIELD', 'TOO_MANY_ENTRIES', 'TRAILING_BYTES', 'OVERSIZED']);

test('fuzz: random and mutated packets never throw; accepted ones re-encode to themselves', () => {
  const mutated = fc
    .tuple(packetArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat())
    .map(([p, sets, cut]) => {
      const e = encodePgPacket(p);
      const bytes = e.ok ? e.value.slice() : new Uint8Array(0);
      for (const [at, v] of sets) if (bytes.length > 0) bytes[at % bytes.length] = v;
      return cut % 4 === 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
    });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), fc.boolean(), (bytes, be) => {
      const r = decodePgPacket(bytes, be);
      if (!r.ok) {
        assert.ok(CODES.has(r.error.code));
        return;
      }
      if (be) return;
      const again = encodePgPacket(r.value);
      assert.ok(again.ok);
      assert.deepEqual(again.value, bytes.slice());
    }),
    { numRuns: 3000 },
  );
});
