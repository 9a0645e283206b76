/** Link-layer fragmentation: split, reassemble in any order, bounds, garbage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FRAGMENT_HEADER_BYTES, FRAGMENT_MARKER, Reassembler, fragmentFrame, isFragment } from './fragments.js';

const frameOf = (n: number, seed = 7): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);

test('a frame that fits one datagram is sent as it is, without a header', () => {
  const frame = frameOf(1000);
  const out = fragmentFrame(frame, { senderId: 1, serial: 1, maxDatagramBytes: 1472 });
  assert.equal(out.length, 1);
  assert.equal(out[0], frame);
  assert.equal(isFragment(out[0]!), false);
});

test('a large frame is split into datagrams no larger than the bound and put back together', () => {
  const frame = frameOf(65_000);
  const out = fragmentFrame(frame, { senderId: 3, serial: 42, maxDatagramBytes: 1472 });
  assert.equal(out.length, Math.ceil(65_000 / (1472 - FRAGMENT_HEADER_BYTES)));
  for (const d of out) {
    assert.ok(d.length <= 1472);
    assert.equal(d[0], FRAGMENT_MARKER);
  }
  const r = new Reassembler({ senders: [1, 2, 3], maxFrameBytes: 65_536 });
  for (const d of out.slice(0, -1)) assert.deepEqual(r.accept(d), { ok: true, frame: undefined });
  const last = r.accept(out[out.length - 1]!);
  assert.ok(last.ok && last.frame);
  assert.deepEqual(last.frame, frame);
  assert.deepEqual(r.stats, { fragmentsIn: out.length, framesCompleted: 1, framesAbandoned: 0 });
});

test('property: any order, duplicates and interleaving of two senders reassemble both frames exactly', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1501, max: 60_000 }), fc.integer({ min: 1501, max: 60_000 }), fc.integer({ min: 548, max: 1500 }), fc.integer(),
    (sizeA, sizeB, mtu, seed) => {
      const a = frameOf(sizeA, 1);
      const b = frameOf(sizeB, 2);
      const datagrams = [
        ...fragmentFrame(a, { senderId: 1, serial: 0xffffffff, maxDatagramBytes: mtu }),
        ...fragmentFrame(b, { senderId: 2, serial: 5, maxDatagramBytes: mtu }),
      ];
      // Deterministic shuffle plus a duplicate of every third datagram.
      let s = seed >>> 0;
      const rand = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
      const order = datagrams.flatMap((d, i) => (i % 3 === 0 ? [d, d] : [d])).map((d) => ({ d, k: rand() }))
        .sort((x, y) => x.k - y.k).map((x) => x.d);
      const r = new Reassembler({ senders: [1, 2], maxFrameBytes: 65_536 });
      const done: Uint8Array[] = [];
      for (const d of order) {
        const res = r.accept(d);
        assert.ok(res.ok);
        if (res.frame) done.push(res.frame);
      }
      // A duplicate that arrives after its frame completed starts a new partial, never a frame.
      assert.equal(done.length, 2);
      assert.ok(done.some((f) => f.length === a.length && f.every((v, i) => v === a[i])));
      assert.ok(done.some((f) => f.length === b.length && f.every((v, i) => v === b[i])));
    }), { numRuns: 200 });
});

test('a lost fragment costs its frame only; frames missing a piece are pushed out, so memory stays bounded', () => {
  const r = new Reassembler({ senders: [1], maxFrameBytes: 65_536, partialsPerSender: 2 });
  const frames = Array.from({ length: 12 }, (_, k) => fragmentFrame(frameOf(5000, k), { senderId: 1, serial: k, maxDatagramBytes: 1000 }));
  const completed: Uint8Array[] = [];
  frames.forEach((f, k) => {
    // Every even frame loses its first fragment.
    for (const d of k % 2 === 0 ? f.slice(1) : f) {
      const res = r.accept(d);
      assert.ok(res.ok);
      if (res.frame) completed.push(res.frame);
    }
  });
  assert.deepEqual(completed, frames.map((_, k) => k).filter((k) => k % 2 === 1).map((k) => frameOf(5000, k)));
  assert.equal(r.stats.framesCompleted, 6);
  assert.equal(r.stats.framesAbandoned, 5, 'six incomplete frames: five pushed out by newer ones, one still waiting');
});

test('bounds and garbage: unknown sender, bad header, inconsistent count, oversize frames are refused, never thrown', () => {
  const r = new Reassembler({ senders: [1], maxFrameBytes: 4000 });
  const big = fragmentFrame(frameOf(6000), { senderId: 1, serial: 1, maxDatagramBytes: 1000 });
  let refused: string | undefined;
  for (const d of big) {
    const res = r.accept(d);
    if (!res.ok) refused = res.code;
  }
  assert.equal(refused, 'FRAME_TOO_LARGE');
  const stranger = fragmentFrame(frameOf(3000), { senderId: 9, serial: 1, maxDatagramBytes: 1000 });
  assert.deepEqual(r.accept(stranger[0]!).ok, false);
  assert.equal((r.accept(stranger[0]!) as { code: string }).code, 'UNKNOWN_SENDER');
  const bad = Uint8Array.from(stranger[0]!);
  bad[1] = 9; // index beyond count
  bad[4] = 1;
  assert.equal((r.accept(bad) as { code: string }).code, 'BAD_FRAGMENT');
  const a = fragmentFrame(frameOf(3000), { senderId: 1, serial: 7, maxDatagramBytes: 1000 });
  const b = fragmentFrame(frameOf(3000), { senderId: 1, serial: 7, maxDatagramBytes: 600 });
  assert.ok(r.accept(a[0]!).ok);
  assert.equal((r.accept(b[1]!) as { code: string }).code, 'BAD_FRAGMENT', 'same serial, another fragment count');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (junk) => {
    const res = r.accept(junk);
    assert.equal(typeof res.ok, 'boolean');
  }), { numRuns: 500 });
});
