import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameParser, type ParseStep } from './parser.js';
import { decodeFrame, encodeFrame, type IpcFrame } from './frame.js';

function prefixed(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Feeds `stream` cut at `cuts` and collects every step that is not need-more. */
function feed(parser: FrameParser, stream: Uint8Array, cuts: number[]): ParseStep[] {
  const steps: ParseStep[] = [];
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...points, stream.length]) {
    parser.push(stream.subarray(from, to));
    from = to;
    for (let s = parser.next(); s.kind !== 'need-more'; s = parser.next()) {
      steps.push(s);
      if (s.kind === 'error') return steps;
    }
  }
  return steps;
}

test('byte-by-byte feeding yields the same bodies as one chunk', () => {
  const bodies = [new Uint8Array([4, 1, 2, 3]), new Uint8Array(300).fill(9), new Uint8Array([6])];
  const stream = concat(bodies.map(prefixed));
  const parser = new FrameParser(1024);
  const steps = feed(parser, stream, Array.from({ length: stream.length }, (_, i) => i));
  assert.deepEqual(steps.map((s) => (s.kind === 'frame' ? [...s.body] : s)), bodies.map((b) => [...b]));
  assert.equal(parser.bufferedBytes, 0);
});

test('random chunkings of random frames reproduce every body in order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 40 }),
      (bodies, cuts) => {
        const stream = concat(bodies.map(prefixed));
        const parser = new FrameParser(200);
        const steps = feed(parser, stream, cuts);
        assert.deepEqual(steps.map((s) => (s.kind === 'frame' ? [...s.body] : s.kind)), bodies.map((b) => [...b]));
        assert.equal(parser.bufferedBytes, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test('encoded frames survive any chunking and decode to what was encoded', () => {
  const frame = fc.oneof(
    fc.record({ kind: fc.constant('request' as const), requestId: fc.nat(), messageId: fc.nat(), payload: fc.uint8Array({ maxLength: 64 }) }),
    fc.record({ kind: fc.constant('response' as const), requestId: fc.nat(), status: fc.nat(), payload: fc.uint8Array({ maxLength: 64 }) }),
    fc.record({ kind: fc.constant('event' as const), messageId: fc.nat(), payload: fc.uint8Array({ maxLength: 64 }) }),
  );
  fc.assert(
    fc.property(fc.array(frame, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, cuts) => {
      const stream = concat(frames.map((f) => encodeFrame(f as IpcFrame)));
      const steps = feed(new FrameParser(1000), stream, cuts);
      const decoded = steps.map((s) => {
        assert.equal(s.kind, 'frame');
        const r = decodeFrame((s as { body: Uint8Array }).body);
        assert.ok(r.ok);
        return r.frame;
      });
      assert.deepEqual(
        decoded.map((f) => ({ ...f, payload: [...(f as { payload: Uint8Array }).payload] })),
        frames.map((f) => ({ ...f, payload: [...f.payload] })),
      );
    }),
    { numRuns: 200 },
  );
});

test('oversize prefix is an error as soon as the 4 prefix bytes arrive, before any body bytes', () => {
  const parser = new FrameParser(1000);
  parser.push(new Uint8Array([0xe9, 0x03, 0, 0])); // 1001
  const step = parser.next();
  assert.equal(step.kind, 'error');
  assert.equal(step.kind === 'error' && step.code, 'OVERSIZE');
  // Stays failed and holds nothing, whatever comes next.
  parser.push(prefixed(new Uint8Array([1])));
  assert.equal(parser.next().kind, 'error');
  assert.equal(parser.bufferedBytes, 0);
});

test('a 4 GiB length prefix does not allocate: the parser fails with OVERSIZE', () => {
  const parser = new FrameParser(1 << 20);
  parser.push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
  const step = parser.next();
  assert.ok(step.kind === 'error' && step.code === 'OVERSIZE', JSON.stringify(step));
});

test('a length exactly at the bound is accepted', () => {
  const parser = new FrameParser(16);
  parser.push(prefixed(new Uint8Array(16).fill(1)));
  const step = parser.next();
  assert.ok(step.kind === 'frame' && step.body.length === 16);
});

test('zero length prefix is EMPTY_FRAME', () => {
  const parser = new FrameParser(16);
  parser.push(new Uint8Array([0, 0, 0, 0]));
  const step = parser.next();
  assert.ok(step.kind === 'error' && step.code === 'EMPTY_FRAME');
});

test('truncated input waits for more and holds only what arrived', () => {
  const parser = new FrameParser(1 << 20);
  const frame = prefixed(new Uint8Array(1000).fill(3));
  parser.push(frame.subarray(0, 500));
  assert.equal(parser.next().kind, 'need-more');
  assert.equal(parser.bufferedBytes, 496);
  parser.push(frame.subarray(500));
  const step = parser.next();
  assert.ok(step.kind === 'frame' && step.body.length === 1000 && step.body[999] === 3);
});

test('random garbage either yields bodies within the bound or fails; never throws', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 500 }), fc.array(fc.nat(), { maxLength: 20 }), (garbage, cuts) => {
      const parser = new FrameParser(64);
      for (const s of feed(parser, garbage, cuts)) {
        if (s.kind === 'frame') assert.ok(s.body.length >= 1 && s.body.length <= 64);
        else assert.ok(s.kind === 'error' && (s.code === 'OVERSIZE' || s.code === 'EMPTY_FRAME'));
      }
      assert.ok(parser.bufferedBytes <= garbage.length);
    }),
    { numRuns: 500 },
  );
});

test('setMaxFrameBytes narrows the bound for the next prefix', () => {
  const parser = new FrameParser(1000);
  parser.setMaxFrameBytes(10);
  parser.push(prefixed(new Uint8Array(11)));
  assert.equal(parser.next().kind, 'error');
  assert.throws(() => new FrameParser(0), RangeError);
});
