/** RingGate: closes on the first QUEUE_FULL, reopens at half the bytes queued then, counts both. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RingSendResult } from '../exec/index.js';
import { RingGate } from './ring-gate.js';

test('the gate closes on QUEUE_FULL and reopens once the queue halved', (t) => {
  const ring = {
    queuedBytes: 0,
    full: false,
    send(data: Uint8Array): RingSendResult {
      if (this.full) return { ok: false, code: 'QUEUE_FULL', detail: 'full' };
      this.queuedBytes += data.length;
      return { ok: true };
    },
  };
  const changes: boolean[] = [];
  const gate = new RingGate(ring, { onChange: (closed) => changes.push(closed) });
  t.after(() => gate.stop());
  assert.equal(gate.send(new Uint8Array(1000), {}).ok, true);
  ring.full = true;
  assert.equal(gate.send(new Uint8Array(10), {}).ok, false);
  assert.equal(gate.send(new Uint8Array(10), {}).ok, false);
  assert.deepEqual(changes, [true], 'one close for a run of refusals');
  assert.equal(gate.closed, true);
  ring.full = false;
  ring.queuedBytes = 600;
  gate.check();
  assert.equal(gate.closed, true, 'above half of 1000');
  ring.queuedBytes = 500;
  gate.check();
  assert.deepEqual(changes, [true, false]);
  assert.deepEqual(gate.stats, { closes: 1, queueFull: 2 });
  // Other refusals are not flow control.
  const other = new RingGate({ queuedBytes: 0, send: () => ({ ok: false, code: 'MESSAGE_TOO_LARGE', detail: 'big' }) }, { onChange: () => assert.fail('no change') });
  assert.equal(other.send(new Uint8Array(1), {}).ok, false);
  assert.equal(other.closed, false);
});
