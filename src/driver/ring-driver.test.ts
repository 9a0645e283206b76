/**
 * The planned-stop drain of RingDriver, run in the simulator (virtual time, seeded network): a
 * stop waits until what the node accepted came back, is bounded, refuses new messages, and ends
 * as a crash if the process dies meanwhile.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from '../sim/cluster.js';
import { Prng } from '../sim/prng.js';
import { deriveTotemConfig } from '../totem/config.js';
import { checkHistories } from '../check/index.js';
import type { HistoryRecord, StopRecord } from '../history/records.js';
import { defaultDrainTimeoutMs, SHUTTING_DOWN, type DrainResult } from './ring-driver.js';

const CONFIG = deriveTotemConfig({ token: 1000 });
const BOUND_MS = defaultDrainTimeoutMs(CONFIG);

function cluster(nodes: number, seed = 1, drainTimeoutMs?: number): SimCluster {
  return new SimCluster({
    nodeIds: Array.from({ length: nodes }, (_, i) => i + 1),
    config: CONFIG, load: undefined, rng: new Prng(seed), baseDelayMs: 0.5, drainTimeoutMs,
  });
}

function formed(c: SimCluster): boolean {
  const views = c.liveNodes().map((id) => c.group(id)!.status());
  return views.every((v) => v.state === 'operational' && v.members.length === views.length);
}

function startAll(c: SimCluster): void {
  for (const id of c.nodeIds) c.start(id);
  assert.ok(c.runUntilTrue(() => formed(c), 20_000), 'the ring formed');
}

function stopRecord(h: readonly HistoryRecord[]): StopRecord {
  const last = h[h.length - 1];
  assert.equal(last?.ev, 'stop', `last record ${JSON.stringify(last)}`);
  return last as StopRecord;
}

function ownUndelivered(h: readonly HistoryRecord[]): string[] {
  const delivered = new Set(h.filter((r) => r.ev === 'deliver').map((r) => (r.ev === 'deliver' ? r.id : '')));
  return h.filter((r) => r.ev === 'send').map((r) => (r.ev === 'send' ? r.id : '')).filter((id) => !delivered.has(id));
}

describe('RingDriver planned-stop drain', () => {
  test('default bound is 2 x (token + consensus)', () => {
    assert.equal(BOUND_MS, 2 * (CONFIG.tokenTimeoutMs + CONFIG.consensusMs));
    assert.equal(defaultDrainTimeoutMs({ tokenTimeoutMs: 3000, consensusMs: 3600 }), 13_200);
  });

  test('a stop that lands while the ring is gathering still delivers everything the node accepted', () => {
    const c = cluster(3);
    startAll(c);
    for (let i = 0; i < 40; i++) assert.ok(c.send(1, 100));
    // Node 2 dies: the ring goes to gather; node 1 is asked to stop right then.
    c.crash(2);
    assert.ok(c.runUntilTrue(() => c.group(1)!.status().state === 'gather', c.now + 10_000));
    let result: DrainResult | undefined;
    c.leave(1, { onLeft: (r) => (result = r) });
    assert.equal(c.statusOf(1), 'stopping');
    assert.equal(c.send(1, 100), false, 'a stopping node takes no new message');
    assert.ok(c.runUntilTrue(() => result !== undefined, c.now + BOUND_MS + 100));
    assert.equal(result!.timedOut, false);
    assert.equal(result!.undelivered, 0);
    assert.equal(result!.ringsFormed, 1, 'the ring re-formed during the drain');
    assert.ok(result!.undeliveredAtStart > 0, 'it had messages to wait for');
    assert.ok(result!.waitedMs > 0 && result!.waitedMs < BOUND_MS, `waited ${result!.waitedMs} ms`);
    const h = c.history(1);
    assert.equal(stopRecord(h).abandoned, undefined);
    assert.deepEqual(ownUndelivered(h), []);
    assert.equal(c.statusOf(1), 'left');
    c.runUntil(c.now + 10_000);
    const report = checkHistories(c.histories(), { requireConvergence: true });
    assert.ok(report.ok, report.violations.map((v) => v.message).join('\n'));
  });

  test('with nothing in flight the node leaves at once', () => {
    const c = cluster(2);
    startAll(c);
    let result: DrainResult | undefined;
    c.leave(2, { onLeft: (r) => (result = r) });
    assert.deepEqual(result, { undelivered: 0, undeliveredAtStart: 0, heldAbove: 0, timedOut: false, waitedMs: 0, ringsFormed: 0, stateAtEnd: 'operational' });
    assert.equal(c.statusOf(2), 'left');
  });

  test('the wait is bounded: a node cut off from everyone (itself included) leaves and lists what it abandoned', () => {
    const c = cluster(3, 2, 3000);
    startAll(c);
    // Every frame from or to node 1 is lost from now on: it never holds a token again, nor forms
    // a ring of its own (its token to itself is lost too), so nothing it sends can be ordered.
    c.network.addDropRule({ from: 1, to: '*', type: '*', remaining: Number.MAX_SAFE_INTEGER });
    c.network.addDropRule({ from: '*', to: 1, type: '*', remaining: Number.MAX_SAFE_INTEGER });
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) assert.ok(c.send(1, 64));
    for (const r of c.history(1)) if (r.ev === 'send') sent.push(r.id);
    const startedAt = c.now;
    let result: DrainResult | undefined;
    c.leave(1, { onLeft: (r) => (result = r) });
    assert.ok(c.runUntilTrue(() => result !== undefined, c.now + 10_000));
    assert.equal(result!.timedOut, true);
    assert.equal(result!.undelivered, 5);
    assert.equal(result!.ringsFormed, 0, 'no ring could form');
    assert.notEqual(result!.stateAtEnd, 'operational');
    assert.equal(Math.round(c.now - startedAt), 3000);
    assert.deepEqual(stopRecord(c.history(1)).abandoned, sent);
    // The abandoned messages are excused; the checker still judges the rest.
    const report = checkHistories(c.histories());
    assert.ok(report.ok, report.violations.map((v) => v.message).join('\n'));
  });

  test('submits during a drain fail with SHUTTING_DOWN, unless the drain accepts them (and then waits for them)', () => {
    const c = cluster(2, 3);
    startAll(c);
    const d = c.driver(1)!;
    assert.ok(c.send(1, 64));
    let done = false;
    d.drain({ timeoutMs: BOUND_MS }, () => (done = true));
    const refused = d.submit(new Uint8Array(8));
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.code, SHUTTING_DOWN);
    assert.equal(d.ownUndelivered, 1);
    assert.ok(c.runUntilTrue(() => done, c.now + BOUND_MS));
    assert.equal(d.state, 'stopped');
    assert.equal(d.submit(new Uint8Array(8)).ok, false, 'nothing is taken after the stop either');

    const c2 = cluster(2, 5);
    startAll(c2);
    const d2 = c2.driver(1)!;
    assert.ok(c2.send(1, 64));
    let result: DrainResult | undefined;
    d2.drain({ timeoutMs: BOUND_MS, acceptSubmits: true }, (r) => (result = r));
    assert.equal(d2.submit(new Uint8Array(8)).ok, true, 'taken during the drain');
    assert.equal(d2.ownUndelivered, 2);
    assert.ok(c2.runUntilTrue(() => result !== undefined, c2.now + BOUND_MS));
    assert.equal(result!.undelivered, 0);
    assert.equal(result!.timedOut, false);
    let again: DrainResult | undefined;
    d2.drain({ timeoutMs: 1 }, (r) => (again = r));
    assert.deepEqual(again, { undelivered: 0, undeliveredAtStart: 0, heldAbove: 0, timedOut: false, waitedMs: 0, ringsFormed: 0, stateAtEnd: 'operational' }, 'a stopped driver has nothing to drain');
  });

  test('work held above the ring (heldAbove) is waited for too', () => {
    const c = cluster(2);
    startAll(c);
    let held = 3;
    let result: DrainResult | undefined;
    c.leave(1, { heldAbove: () => held, onLeft: (r) => (result = r) });
    c.runUntil(c.now + 1000);
    assert.equal(result, undefined, 'still waiting for the held work');
    held = 0;
    // The ring keeps turning: the next step sees it.
    assert.ok(c.runUntilTrue(() => result !== undefined, c.now + 1000));
    assert.equal(result!.timedOut, false);
    const c2 = cluster(2, 7, 2000);
    startAll(c2);
    c2.leave(1, { heldAbove: () => 1, onLeft: (r) => (result = r) });
    result = undefined;
    assert.ok(c2.runUntilTrue(() => result !== undefined, c2.now + 5000));
    assert.deepEqual({ ...result!, waitedMs: Math.round(result!.waitedMs) }, { undelivered: 0, undeliveredAtStart: 0, heldAbove: 1, timedOut: true, waitedMs: 2000, ringsFormed: 0, stateAtEnd: 'operational' });
  });

  test('a crash during the drain ends the incarnation as a crash; a pause past the bound ends it on resume', () => {
    const c = cluster(3, 8);
    startAll(c);
    c.network.addDropRule({ from: 1, to: '*', type: '*', remaining: Number.MAX_SAFE_INTEGER });
    c.network.addDropRule({ from: '*', to: 1, type: '*', remaining: Number.MAX_SAFE_INTEGER });
    assert.ok(c.send(1, 64));
    let called = false;
    c.leave(1, { onLeft: () => (called = true) });
    c.crash(1);
    c.runUntil(c.now + BOUND_MS * 2);
    assert.equal(called, false);
    assert.equal(c.history(1).at(-1)?.ev, 'crash');

    const p = cluster(3, 9);
    startAll(p);
    p.network.addDropRule({ from: 2, to: '*', type: '*', remaining: Number.MAX_SAFE_INTEGER });
    p.network.addDropRule({ from: '*', to: 2, type: '*', remaining: Number.MAX_SAFE_INTEGER });
    assert.ok(p.send(2, 64));
    let result: DrainResult | undefined;
    p.leave(2, { onLeft: (r) => (result = r) });
    p.driver(2)!.suspend();
    p.runUntil(p.now + BOUND_MS + 500);
    assert.equal(result, undefined, 'a paused process does nothing, its deadline included');
    p.driver(2)!.resume([]);
    assert.equal(result!.timedOut, true);
    assert.equal(result!.undelivered, 1);
  });
});
