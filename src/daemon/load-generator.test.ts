/** --load: the adaptive backlog grows while the ring drains the queue and shrinks while it does not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOAD_BACKLOG_MAX_BYTES, LOAD_BACKLOG_MIN_BYTES, LoadGenerator, parseLoadSpec } from './load-generator.js';

/** A ring whose queue the test empties (or not) between ticks. */
function fakeRing(): { queued: number; target: { send(size: number): boolean; queuedBytes(): number } } {
  const ring = {
    queued: 0,
    target: {
      send: (size: number) => {
        ring.queued += size;
        return true;
      },
      queuedBytes: () => ring.queued,
    },
  };
  return ring;
}

const tick = (g: LoadGenerator): void => (g as unknown as { tick(): void }).tick();

test('a ring that drains every tick lets the backlog double up to its ceiling', () => {
  const ring = fakeRing();
  const g = new LoadGenerator({ ratePerSec: 1_000_000, sizeBytes: 1024 }, ring.target);
  (g as unknown as { last: number }).last = performance.now() - 1000;
  assert.equal(g.backlogBytes, LOAD_BACKLOG_MIN_BYTES);
  for (let i = 0; i < 20; i++) {
    tick(g);
    assert.ok(ring.queued <= g.backlogBytes, 'never more queued than the bound');
    ring.queued = 0; // the ring sent everything
    (g as unknown as { last: number }).last = performance.now() - 1000;
  }
  assert.equal(g.backlogBytes, LOAD_BACKLOG_MAX_BYTES);
});

test('a ring that does not drain keeps the backlog at its floor', () => {
  const ring = fakeRing();
  const g = new LoadGenerator({ ratePerSec: 1_000_000, sizeBytes: 1024 }, ring.target);
  for (let i = 0; i < 20; i++) {
    (g as unknown as { last: number }).last = performance.now() - 1000;
    tick(g);
  }
  assert.equal(g.backlogBytes, LOAD_BACKLOG_MIN_BYTES);
  assert.ok(ring.queued <= LOAD_BACKLOG_MIN_BYTES);
  assert.ok(g.refused > 0, 'the bound stopped ticks early');
});

test('--load RATE:SIZE parsing names the problem', () => {
  assert.deepEqual(parseLoadSpec('200:64'), { ok: true, spec: { ratePerSec: 200, sizeBytes: 64 } });
  assert.equal(parseLoadSpec('200').ok, false);
  assert.match((parseLoadSpec('0:64') as { message: string }).message, /rate/);
  assert.match((parseLoadSpec('10:8') as { message: string }).message, /size/);
});
