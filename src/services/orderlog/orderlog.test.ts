import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeLine, decodeSnapshot, encodeLine, encodeSnapshot, ORDERLOG_LINE_MAX_BYTES, validateLine } from './codec.js';
import { betterSnapshot, OrderLog } from './log.js';

test('the log keeps the last maxLines lines, the count and a running hash', () => {
  const a = new OrderLog(2);
  const b = new OrderLog(5);
  for (const l of ['x', 'y', 'z']) {
    a.append(l);
    b.append(l);
  }
  assert.deepEqual(a.snapshot().lines, ['y', 'z']);
  assert.equal(a.count, 3);
  assert.equal(a.digest(), b.digest(), 'the hash covers every line, not only the kept ones');
  const c = new OrderLog(5);
  for (const l of ['x', 'z', 'y']) c.append(l);
  assert.notEqual(c.digest(), a.digest(), 'order matters');
});

test('merge rule: the longest log wins, ties by hash, the same whatever the order', () => {
  const logs = ['a', 'ab', 'abc', 'b'].map((s) => {
    const l = new OrderLog(8);
    for (const ch of s) l.append(ch);
    return l.snapshot();
  });
  const pick = (xs: typeof logs) => xs.reduce((best, s) => betterSnapshot(best, s)).count;
  assert.equal(pick(logs), 3);
  assert.equal(pick([...logs].reverse()), 3);
  assert.equal(betterSnapshot(logs[0]!, logs[3]!), betterSnapshot(logs[3]!, logs[0]!));
});

test('lines: newline and oversize rejected; decoders never throw and bound what they allocate', () => {
  assert.equal(validateLine('a\nb')?.code, 'LINE_HAS_NEWLINE');
  assert.equal(validateLine('x'.repeat(ORDERLOG_LINE_MAX_BYTES + 1))?.code, 'LINE_TOO_LONG');
  assert.deepEqual(decodeLine(encodeLine('héllo')), { ok: true, value: 'héllo' });
  assert.equal(decodeLine(new Uint8Array([1, 0, 0, 0, 0xff])).ok, false, 'invalid UTF-8');
  const log = new OrderLog(4);
  for (const l of ['1', '2', '3']) log.append(l);
  const snap = encodeSnapshot(log.snapshot());
  assert.deepEqual(decodeSnapshot(snap, 4), { ok: true, value: log.snapshot() });
  assert.equal(decodeSnapshot(snap, 2).ok, false, 'more lines than this node keeps');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    decodeLine(bytes);
    decodeSnapshot(bytes, 4);
  }));
});
