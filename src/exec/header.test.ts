import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeHeader, encodeExecMessage, writeExecHeader, execBody, EXEC_HEADER_BYTES, serviceIdMake, SERVICES_COUNT_MAX } from './header.js';
import { decodeSyncMessage, encodeBarrier, encodeServiceBuild, SYNC_SERVICE_BUILD_BYTES } from './sync-wire.js';

test('SERVICE_ID_MAKE puts the service in the high 16 bits', () => {
  assert.equal(serviceIdMake(2, 3), 0x20003);
  assert.equal(serviceIdMake(32, 0xffff), 0x20ffff);
});

test('the header is libqb\'s qb_ipc_request_header: id at 0, size at 8, 16 bytes, little-endian', () => {
  const m = encodeExecMessage(8, 5, new Uint8Array([0xaa, 0xbb]), 0x01020304);
  assert.equal(m.length, EXEC_HEADER_BYTES + 2);
  assert.deepEqual([...m.subarray(0, 4)], [5, 0, 8, 0]);
  assert.deepEqual([...m.subarray(4, 8)], [4, 3, 2, 1], 'source tag in the padding after id');
  assert.deepEqual([...m.subarray(8, 12)], [18, 0, 0, 0]);
  assert.deepEqual([...m.subarray(12, 16)], [0, 0, 0, 0]);
  const d = decodeHeader(m);
  assert.ok(d.ok);
  assert.deepEqual(d.header, { serviceId: 8, messageId: 5, size: 18, sourceTag: 0x01020304 });
  assert.deepEqual([...execBody(m)], [0xaa, 0xbb]);
});

test('malformed headers are typed errors', () => {
  assert.deepEqual(pick(decodeHeader(new Uint8Array(15))), 'SHORT_MESSAGE');
  const neg = encodeExecMessage(1, 1, new Uint8Array(0));
  neg[3] = 0x80;
  assert.equal(pick(decodeHeader(neg)), 'BAD_ID');
  const short = encodeExecMessage(1, 1, new Uint8Array(4));
  assert.equal(pick(decodeHeader(short.subarray(0, 18))), 'SIZE_MISMATCH');
  const long = new Uint8Array(24);
  long.set(encodeExecMessage(1, 1, new Uint8Array(4)));
  long[8] = 24;
  assert.ok(decodeHeader(long).ok, 'size equal to the delivered length decodes');
  assert.throws(() => encodeExecMessage(0x8000, 0, new Uint8Array(0)), RangeError);
  assert.throws(() => encodeExecMessage(1, 0x10000, new Uint8Array(0)), RangeError);
});

test('decodeHeader never throws and round-trips what encode wrote', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    decodeHeader(bytes);
  }));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0x7fff }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 64 }), fc.nat(), (s, id, body, tag) => {
      const d = decodeHeader(encodeExecMessage(s, id, body, tag));
      assert.ok(d.ok);
      assert.equal(d.header.serviceId, s);
      assert.equal(d.header.messageId, id);
      assert.equal(d.header.sourceTag, tag >>> 0);
    }),
  );
});

test('sync messages are sync.c\'s structs byte for byte: a 32-byte barrier, a 552-byte service build', () => {
  const ringId = { rep: 3, seq: 2 ** 40 + 7 };
  const barrier = encodeBarrier(ringId);
  assert.equal(barrier.length, 32);
  // qb_ipc_request_header {id = 0, size = 32}, then memb_ring_id {nodeid 3, seq} packed at 16.
  assert.deepEqual([...barrier.subarray(0, 12)], [0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0]);
  assert.deepEqual([...barrier.subarray(16, 28)], [3, 0, 0, 0, 7, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual(decodeSyncMessage(barrier), { ok: true, message: { kind: 'barrier', ringId } });
  const build = encodeServiceBuild(ringId, [0, 2, 3, 5]);
  assert.equal(build.length, SYNC_SERVICE_BUILD_BYTES);
  assert.equal(SYNC_SERVICE_BUILD_BYTES, 552);
  assert.deepEqual([...build.subarray(0, 12)], [1, 0, 0, 0, 0, 0, 0, 0, 0x28, 2, 0, 0]);
  // service_list_entries at 32 (aligned 8), service_list[128] from 40.
  assert.deepEqual([...build.subarray(32, 36)], [4, 0, 0, 0]);
  assert.deepEqual([...build.subarray(40, 56)], [0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0]);
  assert.deepEqual(decodeSyncMessage(build), { ok: true, message: { kind: 'serviceBuild', ringId, serviceIds: [0, 2, 3, 5] } });
});

test('malformed sync messages are typed errors, never throws', () => {
  const ringId = { rep: 3, seq: 9 };
  const unknown = encodeBarrier(ringId);
  unknown[0] = 7;
  assert.equal(pick(decodeSyncMessage(unknown)), 'SYNC_UNKNOWN_MESSAGE');
  assert.equal(pick(decodeSyncMessage(new Uint8Array(10))), 'SYNC_BAD_LENGTH');
  const long = new Uint8Array(40);
  long.set(encodeBarrier(ringId));
  assert.equal(pick(decodeSyncMessage(long)), 'SYNC_BAD_LENGTH');
  long[8] = 40;
  assert.equal(pick(decodeSyncMessage(long)), 'SYNC_BAD_LENGTH');
  const tooMany = encodeServiceBuild(ringId, []);
  tooMany[32] = 129;
  assert.equal(pick(decodeSyncMessage(tooMany)), 'SYNC_BAD_FIELD');
  const badId = encodeServiceBuild(ringId, [SERVICES_COUNT_MAX]);
  assert.equal(pick(decodeSyncMessage(badId)), 'SYNC_BAD_FIELD');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
    decodeSyncMessage(bytes);
  }));
});

function pick(r: { ok: boolean; code?: string }): string | undefined {
  return r.ok ? undefined : r.code;
}

test('a header written into a message built with room for it equals encodeExecMessage, with no copy', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0x7fff }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 300 }), fc.nat(),
    (service, message, body, tag) => {
      const roomy = new Uint8Array(EXEC_HEADER_BYTES + body.length).fill(0xee);
      roomy.set(body, EXEC_HEADER_BYTES);
      const written = writeExecHeader(roomy, service, message, tag);
      assert.equal(written, roomy);
      assert.deepEqual(written, encodeExecMessage(service, message, body, tag));
    }));
  assert.throws(() => writeExecHeader(new Uint8Array(15), 1, 1), RangeError);
});
