import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeHeader, encodeExecMessage, writeExecHeader, execBody, EXEC_HEADER_BYTES, serviceIdMake, SERVICES_COUNT_MAX } from './header.js';
import { decodeSyncMessage, encodeBarrier, encodeServiceBuild, SYNC_MSG_BARRIER, SYNC_MSG_SERVICE_BUILD } from './sync-wire.js';

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

test('sync messages carry the ring id and round-trip; malformed ones are typed errors', () => {
  const ringId = { rep: 3, seq: 2 ** 40 + 7 };
  const b = decodeSyncMessage(SYNC_MSG_BARRIER, encodeBarrier(ringId, 32));
  assert.deepEqual(b, { ok: true, message: { kind: 'barrier', ringId, serviceId: 32 } });
  const s = decodeSyncMessage(SYNC_MSG_SERVICE_BUILD, encodeServiceBuild(ringId, [2, 32]));
  assert.deepEqual(s, { ok: true, message: { kind: 'serviceBuild', ringId, serviceIds: [2, 32] } });
  assert.equal(pick(decodeSyncMessage(7, encodeBarrier(ringId, 1))), 'SYNC_UNKNOWN_MESSAGE');
  assert.equal(pick(decodeSyncMessage(SYNC_MSG_BARRIER, new Uint8Array(10))), 'SYNC_BAD_LENGTH');
  const tooMany = encodeServiceBuild(ringId, []);
  tooMany[16] = SERVICES_COUNT_MAX + 1;
  assert.equal(pick(decodeSyncMessage(SYNC_MSG_SERVICE_BUILD, tooMany)), 'SYNC_BAD_FIELD');
  fc.assert(fc.property(fc.nat(3), fc.uint8Array({ maxLength: 300 }), (id, bytes) => {
    decodeSyncMessage(id, bytes);
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
