/** --load: the backlog bound and RATE:SIZE parsing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadGenerator, loadBacklogBytes, loadTickMs, parseLoadSpec } from './load-generator.js';

test('the backlog bound: 32 messages within 64 KiB .. 2 MiB, never exceeded by the generator', () => {
  assert.equal(loadBacklogBytes(64), 64 * 1024);
  assert.equal(loadBacklogBytes(8192), 256 * 1024);
  assert.equal(loadBacklogBytes(65_536), 2 * 1024 * 1024);
  assert.equal(loadBacklogBytes(1024 * 1024), 2 * 1024 * 1024);
  let queued = 0;
  const g = new LoadGenerator({ ratePerSec: 1_000_000, sizeBytes: 8192 }, {
    send: (size) => {
      queued += size;
      return true;
    },
    queuedBytes: () => queued,
  });
  (g as unknown as { last: number }).last = performance.now() - 1000;
  (g as unknown as { tick(): void }).tick();
  assert.equal(queued, 256 * 1024, 'filled to the bound and no further');
  assert.equal(g.refused, 1, 'the tick stopped at the bound');
});

test('--load RATE:SIZE parsing names the problem', () => {
  assert.deepEqual(parseLoadSpec('200:64'), { ok: true, spec: { ratePerSec: 200, sizeBytes: 64 } });
  assert.equal(parseLoadSpec('200').ok, false);
  assert.match((parseLoadSpec('0:64') as { message: string }).message, /rate/);
  assert.match((parseLoadSpec('10:8') as { message: string }).message, /size/);
});

test('the tick is one message\'s interval: a light load wakes the daemon once per message, not every millisecond', () => {
  assert.equal(loadTickMs(200), 5);
  assert.equal(loadTickMs(1000), 1);
  assert.equal(loadTickMs(3051), 1);
  assert.equal(loadTickMs(0.5), 2000);
});

test('at 200 messages/s on a 5 ms tick, the credit carried over keeps the rate exact', () => {
  let sent = 0;
  const g = new LoadGenerator({ ratePerSec: 200, sizeBytes: 64 }, { send: () => (sent++, true), queuedBytes: () => 0 });
  const internals = g as unknown as { last: number; tick(): void };
  // 1,000 ticks 5.3 ms apart (a timer that fires late): 5.3 s of credit, 1,060 messages.
  let now = 0;
  internals.last = now;
  const realNow = performance.now;
  try {
    performance.now = () => now;
    for (let i = 0; i < 1000; i++) {
      now += 5.3;
      internals.tick();
    }
  } finally {
    performance.now = realNow;
  }
  assert.ok(Math.abs(sent - 1060) <= 1, `${sent} messages for 5.3 s at 200/s`);
});
