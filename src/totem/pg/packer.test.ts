/** PgPacker: the packing rule, fragment numbering, bounds and restart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_FRAGMENT_BYTES, PG_HEADER_SIZE, PgPacker, decodePgPacket, type PgPacket } from './index.js';

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

function take(p: PgPacker, max: number): PgPacket {
  const raw = p.takePacket(max);
  assert.ok(raw, 'a packet');
  assert.ok(raw.length <= max, `${raw.length} <= ${max}`);
  const d = decodePgPacket(raw);
  assert.ok(d.ok, d.ok ? '' : d.error.detail);
  return d.value;
}

test('small messages are packed together in FIFO order', () => {
  const p = new PgPacker();
  for (const s of ['a', 'bb', '', 'ccc']) assert.deepEqual(p.enqueue(new TextEncoder().encode(s)), { ok: true });
  assert.equal(p.pendingMessages, 4);
  assert.equal(p.pendingBytes, 6);
  const pkt = take(p, 1400);
  assert.deepEqual(pkt.messages.map((m) => new TextDecoder().decode(m)), ['a', 'bb', '', 'ccc']);
  assert.equal(pkt.fragmented, 0);
  assert.equal(pkt.continuation, 0);
  assert.equal(p.isEmpty, true);
  assert.equal(p.pendingBytes, 0);
  assert.equal(p.takePacket(1400), undefined);
});

test('packets leave full: a message that does not fit the space left starts there as a fragment', () => {
  const p = new PgPacker();
  p.enqueue(bytes(100, 1));
  p.enqueue(bytes(150, 2));
  // Packet of 200: header 8 + (2 + 100) leaves 90 bytes: 2 + 88 of the second message.
  const first = take(p, 200);
  assert.deepEqual(first.messages.map((m) => m.length), [100, 88]);
  assert.equal(first.fragmented, 1);
  assert.equal(p.pendingBytes, 150 - 88);
  const second = take(p, 200);
  assert.deepEqual([second.continuation, second.fragmented], [1, 0]);
  assert.deepEqual(second.messages, [bytes(150, 2).subarray(88)]);
  assert.equal(p.isEmpty, true);
});

test(`a message that fits an empty packet is not split off into a sliver under ${MIN_FRAGMENT_BYTES} bytes or an eighth of the packet`, () => {
  const p = new PgPacker();
  const filler = 200 - PG_HEADER_SIZE - 2 - 2 - (MIN_FRAGMENT_BYTES - 1);
  p.enqueue(bytes(filler, 1));
  p.enqueue(bytes(100, 2));
  const first = take(p, 200);
  assert.deepEqual([first.messages.length, first.fragmented], [1, 0], 'a 31-byte sliver is not worth a fragment');
  const second = take(p, 200);
  assert.deepEqual([second.continuation, second.fragmented, second.messages[0]!.length], [0, 0, 100]);
  // One byte more room and the message is split.
  const q = new PgPacker();
  q.enqueue(bytes(filler - 1, 1));
  q.enqueue(bytes(100, 2));
  assert.deepEqual(take(q, 200).messages.map((m) => m.length), [filler - 1, MIN_FRAGMENT_BYTES]);
  // In a 64 KiB packet a 1 KiB message is not split to fill the last kilobyte (under an eighth).
  const big = new PgPacker();
  const room = 65_000 - PG_HEADER_SIZE;
  big.enqueue(bytes(room - 2 - 2 - 1000, 1));
  big.enqueue(bytes(1024, 2));
  assert.deepEqual(take(big, 65_000).messages.map((m) => m.length), [room - 2 - 2 - 1000]);
});

test('a large message starts in the space left after whole messages and ends before the next ones', () => {
  const p = new PgPacker();
  p.enqueue(bytes(50, 1));
  p.enqueue(bytes(1000, 2));
  p.enqueue(bytes(10, 3));
  const a = take(p, 300); // 8 + (2+50) + (2+238)
  assert.deepEqual(a.messages.map((m) => m.length), [50, 238]);
  assert.equal(a.fragmented, 1);
  assert.equal(a.continuation, 0);
  assert.equal(p.pendingBytes, 1000 - 238 + 10);
  const b = take(p, 300);
  assert.deepEqual([b.continuation, b.fragmented, b.messages.length, b.messages[0]!.length], [1, 2, 1, 300 - PG_HEADER_SIZE - 2]);
  const c = take(p, 300);
  assert.deepEqual([c.continuation, c.fragmented], [2, 3]);
  const d = take(p, 300); // the tail (1000 - 238 - 290 - 290 = 182) then the 10-byte message
  assert.deepEqual([d.continuation, d.fragmented], [3, 0]);
  assert.deepEqual(d.messages.map((m) => m.length), [182, 10]);
  assert.deepEqual(d.messages[1], bytes(10, 3));
  assert.equal(p.isEmpty, true);
});

test('fragment numbers run 1..255 and wrap to 1, never 0, each continuation naming the previous', () => {
  const p = new PgPacker();
  p.enqueue(bytes(200 * 300));
  let prev = 0;
  let packets = 0;
  while (!p.isEmpty) {
    const pkt = take(p, 200);
    assert.equal(pkt.continuation, prev);
    if (!p.isEmpty) assert.ok(pkt.fragmented >= 1 && pkt.fragmented <= 255);
    if (prev === 255) assert.equal(pkt.fragmented === 0 ? 1 : pkt.fragmented, 1);
    prev = pkt.fragmented;
    packets++;
  }
  assert.equal(prev, 0);
  assert.ok(packets > 255, `${packets} packets wrapped the counter`);
});

test('restartPartial rewinds a message being fragmented so it is sent whole again', () => {
  const p = new PgPacker();
  const big = bytes(3000);
  p.enqueue(big);
  p.enqueue(bytes(5));
  take(p, 1000);
  take(p, 1000);
  assert.equal(p.pendingBytes, 3000 - 2 * 990 + 5);
  assert.equal(p.restartPartial(), true);
  assert.equal(p.pendingBytes, 3005);
  assert.equal(p.restartPartial(), false);
  const again = take(p, 1000);
  assert.deepEqual([again.continuation, again.fragmented], [0, 1]);
  assert.deepEqual(again.messages[0], big.subarray(0, 990));
});

test('bounds: MESSAGE_TOO_LARGE, QUEUE_FULL by bytes and by count, never a throw', () => {
  const p = new PgPacker({ maxMessageBytes: 1000, maxQueuedBytes: 1500, maxQueuedMessages: 3 });
  assert.equal(p.enqueue(bytes(1001)).ok, false);
  assert.deepEqual({ ...p.enqueue(bytes(1001)), detail: '' }, { ok: false, code: 'MESSAGE_TOO_LARGE', detail: '' });
  assert.deepEqual(p.enqueue(bytes(1000)), { ok: true });
  const full = p.enqueue(bytes(501));
  assert.ok(!full.ok && full.code === 'QUEUE_FULL');
  assert.deepEqual(p.enqueue(bytes(500)), { ok: true });
  assert.deepEqual(p.enqueue(new Uint8Array(0)), { ok: true });
  const byCount = p.enqueue(new Uint8Array(0));
  assert.ok(!byCount.ok && byCount.code === 'QUEUE_FULL');
  // Draining makes room again: graceful degradation, not a dead end.
  take(p, 1400);
  assert.deepEqual(p.enqueue(bytes(10)), { ok: true });
  assert.equal(new PgPacker().maxMessageBytes, 1024 * 1024);
});

test('enqueue copies: mutating the caller buffer afterwards changes nothing', () => {
  const p = new PgPacker();
  const data = bytes(20);
  p.enqueue(data);
  data.fill(0);
  assert.deepEqual(take(p, 1400).messages[0], bytes(20));
});

test('too small a packet bound yields no packet instead of looping or throwing', () => {
  const p = new PgPacker();
  p.enqueue(bytes(5));
  assert.equal(p.takePacket(10), undefined);
  assert.equal(p.takePacket(Number.NaN), undefined);
  assert.equal(p.takePacket(-1), undefined);
  const one = take(p, 11);
  assert.deepEqual([one.fragmented, one.messages[0]!.length], [1, 1]);
  assert.equal(p.pendingBytes, 4);
  const empty = new PgPacker();
  empty.enqueue(new Uint8Array(0));
  assert.equal(take(empty, 10).messages.length, 1);
});

test('a long queue drains completely (compaction keeps FIFO)', () => {
  const p = new PgPacker();
  for (let i = 0; i < 5000; i++) p.enqueue(Uint8Array.of(i & 0xff, i >> 8));
  const seen: number[] = [];
  while (!p.isEmpty) for (const m of take(p, 64).messages) seen.push(m[0]! | (m[1]! << 8));
  assert.deepEqual(seen, Array.from({ length: 5000 }, (_, i) => i));
  assert.equal(p.pendingMessages, 0);
});

test('enqueue copies by default (the caller may reuse its buffer); transfer hands the buffer over without a copy', () => {
  const p = new PgPacker();
  const reused = bytes(10, 1);
  p.enqueue(reused);
  reused.fill(0);
  assert.deepEqual(take(p, 1400).messages[0], bytes(10, 1), 'the copy kept the bytes as they were');
  const handed = bytes(10, 2);
  p.enqueue(handed, true);
  const out = p.takePacket(1400)!;
  const decoded = decodePgPacket(out);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.value.messages[0], bytes(10, 2));
});
