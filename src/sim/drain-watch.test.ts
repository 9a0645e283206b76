import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DrainResult } from '../driver/ring-driver.js';
import { DrainWatch, quietEnoughToFormMs } from './drain-watch.js';

const CONFIG = { tokenTimeoutMs: 1000, consensusMs: 1200 };

function fakeCluster(now: number, healthy: boolean, paused: number[] = []) {
  return {
    now,
    network: { healthy: () => healthy } as never,
    liveNodes: () => [1, 2, 3],
    statusOf: (id: number) => (paused.includes(id) ? 'paused' : 'up') as never,
  };
}

function drain(undelivered: number, waitedMs: number): DrainResult {
  return { undelivered, undeliveredAtStart: undelivered, heldAbove: 0, timedOut: undelivered > 0, waitedMs, ringsFormed: 0, stateAtEnd: 'gather' };
}

test('a ring forms within token + 2 x consensus of quiet network', () => {
  assert.equal(quietEnoughToFormMs(CONFIG), 3400);
});

test('a drain that abandons during faults is reported, not a problem', () => {
  const w = new DrainWatch(CONFIG);
  w.fault(fakeCluster(1000, false));
  w.fault(fakeCluster(3000, true));
  w.fault(fakeCluster(4000, false));
  w.drained(2, drain(7, 4400), 5400);
  assert.equal(w.drains.length, 1);
  assert.equal(w.drains[0]!.longestQuietMs, 1000);
  assert.deepEqual(w.problems(), []);
});

test('a drain that abandons although the network was quiet long enough is a broken promise', () => {
  const w = new DrainWatch(CONFIG);
  w.fault(fakeCluster(1000, false));
  w.fault(fakeCluster(1500, true));
  w.drained(2, drain(3, 4400), 5400);
  assert.equal(w.drains[0]!.longestQuietMs, 3900);
  assert.match(w.problems()[0]!, /node 2 abandoned 3 message\(s\) at 5400ms although its drain had 3900ms without any fault/);
});

test('a paused node or a crash ends a quiet stretch; a drain that abandons nothing is not listed', () => {
  const w = new DrainWatch(CONFIG);
  w.fault(fakeCluster(1000, true, [3]));
  w.fault(fakeCluster(2000, true));
  w.fault(fakeCluster(4000, true)); // a crash: still healthy, but the stretch starts again
  w.drained(1, drain(5, 4400), 5000);
  assert.equal(w.drains[0]!.longestQuietMs, 2000);
  assert.deepEqual(w.problems(), []);
  w.drained(2, drain(0, 4400), 5000);
  assert.equal(w.drains.length, 1);
});

test('operational stretches come from the core\'s state transitions, clipped to the drain', () => {
  const w = new DrainWatch(CONFIG);
  w.observe(1, { kind: 'state', from: 'recovery', to: 'operational', reason: 'recovery complete' }, 100);
  w.observe(1, { kind: 'state', from: 'operational', to: 'gather', reason: 'token-lost-operational' }, 2100);
  w.observe(1, { kind: 'state', from: 'recovery', to: 'operational', reason: 'recovery complete' }, 3000);
  w.drained(1, drain(1, 1500), 3200);
  assert.equal(w.drains[0]!.longestOperationalMs, 400);
});
