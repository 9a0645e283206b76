import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, encodeFrame, HELLO_MAGIC, isValidServiceName, type IpcFrame } from './frame.js';

/** A plain Uint8Array copy of the body, so decoded payload views compare equal to the samples. */
function body(frame: IpcFrame): Uint8Array {
  return new Uint8Array(encodeFrame(frame).subarray(4));
}

const samples: IpcFrame[] = [
  { kind: 'hello', versionMin: 1, versionMax: 3, pid: 4242, maxFrameBytes: 1 << 20, serviceName: 'cpg' },
  { kind: 'accept', version: 1, connectionId: 7, nodeId: 0xfffffffe, bootId: new Uint8Array(16).fill(5), maxFrameBytes: 99, maxInFlightRequests: 4 },
  { kind: 'reject', code: 'ACCESS_DENIED', detail: 'no' },
  { kind: 'closing', reason: 'SERVER_STOPPING', detail: 'bye' },
  { kind: 'request', requestId: 0xffffffff, messageId: 3, payload: new Uint8Array([1, 2]) },
  { kind: 'response', requestId: 1, status: 6, payload: new Uint8Array(0) },
  { kind: 'event', messageId: 9, payload: new Uint8Array([7]) },
];

test('every frame kind round-trips', () => {
  for (const frame of samples) {
    const r = decodeFrame(body(frame));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.frame, frame);
  }
});

test('the length prefix equals the body length', () => {
  for (const frame of samples) {
    const wire = encodeFrame(frame);
    assert.equal(wire.readUInt32LE(0), wire.length - 4);
  }
});

test('every strict prefix of a fixed-size body is TRUNCATED, one byte more is TRAILING_BYTES', () => {
  for (const frame of samples.filter((f) => f.kind === 'hello' || f.kind === 'accept' || f.kind === 'reject' || f.kind === 'closing')) {
    const b = body(frame);
    for (let n = 0; n < b.length; n++) {
      const r = decodeFrame(b.subarray(0, n));
      assert.ok(!r.ok, `${frame.kind} cut at ${n} decoded`);
      assert.ok(r.error.code === 'TRUNCATED' || r.error.code === 'BAD_FIELD', `${frame.kind}@${n}: ${r.error.code}`);
    }
    const longer = new Uint8Array(b.length + 1);
    longer.set(b);
    const r = decodeFrame(longer);
    assert.ok(!r.ok && r.error.code === 'TRAILING_BYTES', `${frame.kind}: ${JSON.stringify(r)}`);
  }
});

test('bad hello fields are BAD_FIELD: magic, service name, version range', () => {
  const good = Buffer.from(body(samples[0]!));
  const badMagic = Buffer.from(good);
  badMagic.writeUInt32LE(HELLO_MAGIC ^ 1, 1);
  assert.equal(decodeFrame(badMagic).ok, false);
  const badName = body({ ...(samples[0] as Extract<IpcFrame, { kind: 'hello' }>), serviceName: 'a b' });
  const r = decodeFrame(badName);
  assert.ok(!r.ok && r.error.code === 'BAD_FIELD');
  const badRange = Buffer.from(good);
  badRange.writeUInt16LE(5, 5);
  assert.ok(!decodeFrame(badRange).ok);
  assert.equal(isValidServiceName('x'.repeat(64)), true);
  assert.equal(isValidServiceName('x'.repeat(65)), false);
  assert.equal(isValidServiceName(''), false);
});

test('unknown kind, unknown reject code and invalid UTF-8 detail are rejected', () => {
  assert.deepEqual(decodeFrame(new Uint8Array([99])), { ok: false, error: { code: 'UNKNOWN_KIND', detail: 'frame kind 99' } });
  assert.equal(decodeFrame(new Uint8Array([3, 200, 0, 0])).ok, false);
  assert.equal(decodeFrame(new Uint8Array([7, 1, 0, 1, 0xff])).ok, false);
});

test('long details are cut at a character boundary within 255 bytes', () => {
  const r = decodeFrame(body({ kind: 'closing', reason: 'BAD_FRAME', detail: 'é'.repeat(300) }));
  assert.ok(r.ok && r.frame.kind === 'closing');
  assert.ok(r.frame.detail.length > 0 && Buffer.byteLength(r.frame.detail) <= 255);
});

test('random bodies never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      const r = decodeFrame(b);
      assert.equal(typeof r.ok, 'boolean');
    }),
    { numRuns: 2000 },
  );
});
