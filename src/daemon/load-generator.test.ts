/** --load: the backlog bound and RATE:SIZE parsing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadGenerator, loadBacklogBytes, parseLoadSpec } from './load-generator.js';

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
