import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEMORY_PACER_DEFAULTS, MemoryPacer, v8GcRunner, type GcRunner } from './memory-pacer.js';

function recorder(): { gc: GcRunner; calls: string[]; deferred: (() => void)[]; defer: (run: () => void) => void } {
  const calls: string[] = [];
  const deferred: (() => void)[] = [];
  return {
    gc: { minor: () => calls.push('minor'), major: () => calls.push('major') },
    calls,
    deferred,
    defer: (run) => deferred.push(run),
  };
}

test('a young collection after each minorEveryBytes, a full one after each majorEveryBytes, none below', () => {
  const r = recorder();
  const pacer = new MemoryPacer(r.gc, { minorEveryBytes: 1000, majorEveryBytes: 4000, defer: r.defer });
  pacer.account(999);
  assert.equal(r.deferred.length, 0, 'below the young budget nothing is scheduled');
  pacer.account(1);
  assert.equal(r.deferred.length, 1);
  r.deferred.shift()!();
  assert.deepEqual(r.calls, ['minor']);
  for (let i = 0; i < 3; i++) {
    pacer.account(1000);
    r.deferred.shift()!();
  }
  // 4000 bytes in all: the fourth budget spent is the full one's.
  assert.deepEqual(r.calls, ['minor', 'minor', 'minor', 'major']);
  assert.equal(pacer.stats.minorCollections, 3);
  assert.equal(pacer.stats.majorCollections, 1);
});

test('one collection is pending at a time; a full one due meanwhile replaces a young one', () => {
  const r = recorder();
  const pacer = new MemoryPacer(r.gc, { minorEveryBytes: 100, majorEveryBytes: 1000, defer: r.defer });
  for (let i = 0; i < 5; i++) pacer.account(100);
  assert.equal(r.deferred.length, 1, 'budgets spent within one step schedule one collection');
  pacer.account(600);
  assert.equal(r.deferred.length, 1);
  r.deferred.shift()!();
  assert.deepEqual(r.calls, ['major'], 'the full collection also covers the young generation');
  pacer.account(99);
  assert.equal(r.deferred.length, 0, 'both budgets start over after a full collection');
});

test('a budget of 0 turns that collection off', () => {
  const r = recorder();
  const pacer = new MemoryPacer(r.gc, { minorEveryBytes: 0, majorEveryBytes: 0, defer: r.defer });
  pacer.account(1e9);
  assert.equal(r.deferred.length, 0);
});

test('defaults: the young budget is below the full one', () => {
  assert.ok(MEMORY_PACER_DEFAULTS.minorEveryBytes > 0 && MEMORY_PACER_DEFAULTS.minorEveryBytes < MEMORY_PACER_DEFAULTS.majorEveryBytes);
});

test("V8's collector, reached at run time, frees dead buffers outside the heap", async () => {
  const gc = v8GcRunner();
  assert.ok(gc, 'Node 20+ lets a running process reach its collector');
  // Buffers that survive two young collections reach the old generation, as frames kept for
  // retransmission do; then they die.
  let kept: Uint8Array[] | undefined = [];
  for (let i = 0; i < 256; i++) kept.push(new Uint8Array(64 * 1024).fill(1));
  gc.minor();
  gc.minor();
  const held = process.memoryUsage().arrayBuffers;
  assert.ok(held >= 16 * 1024 * 1024, `${held} bytes of array buffers held`);
  kept = undefined;
  gc.major();
  // The freeing itself may finish on a helper thread: wait for it, with a deadline.
  const deadline = performance.now() + 5000;
  while (process.memoryUsage().arrayBuffers > held - 12 * 1024 * 1024 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const after = process.memoryUsage().arrayBuffers;
  assert.ok(after <= held - 12 * 1024 * 1024, `array buffers ${held} -> ${after} bytes after a full collection`);
  assert.equal(kept, undefined);
});
