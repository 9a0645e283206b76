/**
 * Batched deliveries (request 9, event 1) on the real executive and Totem core in the simulator:
 * a batching client gets what a client reading single deliveries gets, subscription by
 * subscription and priority by priority in the same order, in fewer frames; and the per-connection
 * bound and the lost-event notice fall exactly where they fall without batches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVT_OPEN_CREATE, EVT_OPEN_PUBLISHER, EVT_OPEN_SUBSCRIBER, type EvtDelivery, type EvtPriority } from '../../protocol/evt-lib.js';
import { EVT_EVENT_DELIVER_BATCH } from '../../protocol/evt-batch.js';
import { EvtSim, type Client } from './testing.js';

const enc = (s: string) => new TextEncoder().encode(s);
const PASS_ALL = { type: 'passAll' as const, pattern: new Uint8Array(0) };

function subscribe(sim: EvtSim, cl: Client, name: string): number {
  const ch = sim.open(cl, name, EVT_OPEN_CREATE | EVT_OPEN_SUBSCRIBER);
  sim.ok(cl, { kind: 'subscribe', channel: ch, subscriptionId: 1, filters: [PASS_ALL] });
  // Newest first: events with an 'x' pattern go to subscription 2, the rest to 1.
  sim.ok(cl, { kind: 'subscribe', channel: ch, subscriptionId: 2, filters: [{ type: 'prefix', pattern: enc('x') }] });
  return ch;
}

/** Publishes without waiting for answers, so many events reach the subscribers' node in one turn. */
function burst(sim: EvtSim, pub: Client, ch: number, n: number, priority: (i: number) => EvtPriority, pattern: (i: number) => string): void {
  for (let i = 0; i < n; i++) {
    sim.send(pub, {
      kind: 'publish', channel: ch, priority: priority(i), retentionNs: 0n, publishTimeNs: BigInt(i), publisherName: enc('p'),
      patterns: [enc(pattern(i))], data: enc(`event ${i}`.padEnd(100 + (i % 7) * 50, '.')),
    });
  }
}

const key = (d: EvtDelivery) => `${d.subscriptionId}/${d.priority}/${d.eventId}/${d.lost}/${new TextDecoder().decode(d.data)}`;

function byStream(ds: EvtDelivery[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of ds) {
    const k = `${d.subscriptionId}/${d.priority}`;
    out.set(k, [...(out.get(k) ?? []), key(d)]);
  }
  return out;
}

for (const seed of [1, 2, 3, 4, 5]) {
  test(`seed ${seed}: a batching client gets every delivery a single-delivery client gets, in order per subscription and priority, in fewer frames`, () => {
    const sim = new EvtSim({ nodes: 3, seed });
    const single = sim.client(2);
    const batched = sim.client(2, { batch: 64 });
    const far = sim.client(3, { batch: 1024 });
    for (const cl of [single, batched, far]) subscribe(sim, cl, 'b');
    const pub = sim.client(1);
    const ch = sim.open(pub, 'b', EVT_OPEN_PUBLISHER);
    burst(sim, pub, ch, 300, (i) => ((i * 7 + seed) % 4) as EvtPriority, (i) => (i % 3 === 0 ? `x${i}` : `y${i}`));
    sim.settle();
    sim.c.run(1000);
    const want = sim.deliveries(single);
    assert.equal(want.length, 300);
    for (const cl of [batched, far]) {
      const got = sim.deliveries(cl);
      assert.deepEqual(byStream(got), byStream(want));
      assert.deepEqual(got.map(key).sort(), want.map(key).sort());
      const batches = cl.conn.events.filter((e) => e.messageId === EVT_EVENT_DELIVER_BATCH).length;
      assert.ok(batches > 0 && cl.conn.events.length < got.length, `${cl.conn.events.length} frames for ${got.length} deliveries`);
    }
    // A client that asked for 64 never gets more in one frame.
    assert.ok(batched.conn.events.every((e) => e.messageId !== EVT_EVENT_DELIVER_BATCH || e.payload[0]! + (e.payload[1]! << 8) <= 64));
    assert.equal(single.conn.events.some((e) => e.messageId === EVT_EVENT_DELIVER_BATCH), false, 'no batch to a client that did not ask');
  });
}

for (const seed of [7, 8, 9]) {
  test(`seed ${seed}: a reader that falls behind: the queue bound and the lost notice are the same with batches as without`, () => {
    const sim = new EvtSim({ nodes: 2, seed, service: { deliveryQueueSize: 10, deliveryQueueResume: 5 } });
    const single = sim.client(2, { credits: 4 });
    const batched = sim.client(2, { credits: 4, batch: 256 });
    const chs = [single, batched].map((cl) => subscribe(sim, cl, 'slow'));
    const pub = sim.client(1);
    const ch = sim.open(pub, 'slow', EVT_OPEN_PUBLISHER);
    burst(sim, pub, ch, 40, () => 3, (i) => `y${i}`);
    sim.settle();
    sim.c.run(500);
    const early = [single, batched].map((cl) => sim.deliveries(cl).map(key));
    assert.equal(early[0]!.length, 4, 'four credits: four deliveries');
    assert.deepEqual(early[1], early[0]);
    // Room again: the lost notice first (highest priority), then what the bound kept.
    for (const cl of [single, batched]) sim.ok(cl, { kind: 'take', credits: 100 });
    sim.c.run(500);
    const all = [single, batched].map((cl) => sim.deliveries(cl));
    assert.deepEqual(all[1]!.map(key), all[0]!.map(key));
    assert.equal(all[0]!.filter((d) => d.lost).length, 1, 'one lost notice');
    assert.equal(all[0]!.length, 4 + 1 + 10, 'four sent, then the notice and the ten the bound kept');
    assert.ok(chs.length === 2);
  });
}
