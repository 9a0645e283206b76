/**
 * Shared deliveries (request 10, event 2) on the real executive and Totem core in the simulator:
 * a connection with several opens of one channel gets each event's bytes once per frame entry,
 * and what it stands for is, delivery for delivery and in the same order, what a batching client
 * with the same opens gets; the queue bound counts one slot per target, so the lost notice falls
 * exactly where it falls without sharing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVT_OPEN_CREATE, EVT_OPEN_PUBLISHER, EVT_OPEN_SUBSCRIBER, type EvtDelivery, type EvtPriority } from '../../protocol/evt-lib.js';
import { decodeEvtDeliveryShared, EVT_EVENT_DELIVER_SHARED } from '../../protocol/evt-shared.js';
import { SA_AIS_ERR_INVALID_PARAM } from '../../protocol/sa-errors.js';
import { EvtSim, type Client } from './testing.js';

const enc = (s: string) => new TextEncoder().encode(s);
const PASS_ALL = { type: 'passAll' as const, pattern: new Uint8Array(0) };

/**
 * `opens` opens of `name` on one connection; open k: pass-all as 10k+1 and, for even k, prefix 'x'
 * as 10k+2 (newest first: 'x' events go to it). Subscription ids are unique per connection and channel.
 */
function openMany(sim: EvtSim, cl: Client, name: string, opens: number): number[] {
  const chs: number[] = [];
  for (let k = 0; k < opens; k++) {
    const ch = sim.open(cl, name, EVT_OPEN_CREATE | EVT_OPEN_SUBSCRIBER);
    sim.ok(cl, { kind: 'subscribe', channel: ch, subscriptionId: 10 * k + 1, filters: [PASS_ALL] });
    // Only some opens have the second subscription: an event's targets then carry different ids.
    if (k % 2 === 0) sim.ok(cl, { kind: 'subscribe', channel: ch, subscriptionId: 10 * k + 2, filters: [{ type: 'prefix', pattern: enc('x') }] });
    chs.push(ch);
  }
  return chs;
}

function burst(sim: EvtSim, pub: Client, ch: number, n: number, priority: (i: number) => EvtPriority, pattern: (i: number) => string): void {
  for (let i = 0; i < n; i++) {
    sim.send(pub, {
      kind: 'publish', channel: ch, priority: priority(i), retentionNs: 0n, publishTimeNs: BigInt(i), publisherName: enc('p'),
      patterns: [enc(pattern(i))], data: enc(`event ${i}`.padEnd(100 + (i % 7) * 50, '.')),
    });
  }
}

const key = (d: EvtDelivery) => `${d.channel}/${d.subscriptionId}/${d.priority}/${d.eventId}/${d.lost}/${new TextDecoder().decode(d.data)}`;

function sharedEntries(cl: Client): { entries: number; targets: number; frames: number } {
  let entries = 0;
  let targets = 0;
  let frames = 0;
  for (const e of cl.conn.events) {
    if (e.messageId !== EVT_EVENT_DELIVER_SHARED) continue;
    const f = decodeEvtDeliveryShared(e.payload);
    assert.ok(f.ok);
    frames++;
    entries += f.value.length;
    for (const x of f.value) targets += x.targets.length / 2;
  }
  return { entries, targets, frames };
}

for (const seed of [1, 2, 3, 4, 5]) {
  test(`seed ${seed}: a sharing client with 6 opens gets exactly the deliveries of a batching client, in the same order, each event's bytes once per entry`, () => {
    const sim = new EvtSim({ nodes: 3, seed });
    const batched = sim.client(2, { batch: 64 });
    const shared = sim.client(2, { batch: 64, share: 1024 });
    const farShared = sim.client(3, { batch: 1024, share: 4 });
    for (const cl of [batched, shared, farShared]) openMany(sim, cl, 's', 6);
    const pub = sim.client(1);
    const ch = sim.open(pub, 's', EVT_OPEN_PUBLISHER);
    burst(sim, pub, ch, 200, (i) => ((i * 7 + seed) % 4) as EvtPriority, (i) => (i % 3 === 0 ? `x${i}` : `y${i}`));
    sim.settle();
    sim.c.run(1000);
    const want = sim.deliveries(batched).map(key);
    assert.equal(want.length, 200 * 6, 'one delivery per open and event');
    assert.deepEqual(sim.deliveries(shared).map(key), want);
    // Another node, another connection: the same per-open streams (channel handles are per connection, equal here by construction).
    assert.deepEqual(sim.deliveries(farShared).map(key).sort(), [...want].sort());
    const s = sharedEntries(shared);
    assert.equal(s.targets, 200 * 6);
    assert.ok(s.entries <= 200 * 2, `${s.entries} entries for 200 events: at most one per event and subscription id run`);
    // A target bound of 4: an event for 6 opens is split into entries of at most 4 targets.
    const far = sharedEntries(farShared);
    assert.equal(far.targets, 200 * 6);
    assert.ok(far.entries >= 400, `${far.entries} entries with at most 4 targets each`);
    for (const e of farShared.conn.events) {
      const f = decodeEvtDeliveryShared(e.payload);
      assert.ok(f.ok && f.value.every((x) => x.targets.length <= 8));
    }
    assert.equal(batched.conn.events.some((e) => e.messageId === EVT_EVENT_DELIVER_SHARED), false, 'nothing shared with a client that did not ask');
  });
}

for (const seed of [7, 8, 9]) {
  test(`seed ${seed}: a sharing reader that falls behind: one queue slot per target, the lost notice where it falls without sharing`, () => {
    // 3 opens, a queue of 10: the bound is reached after 3 events and a third of one, shared or not.
    const sim = new EvtSim({ nodes: 2, seed, service: { deliveryQueueSize: 10, deliveryQueueResume: 5 } });
    const batched = sim.client(2, { credits: 4, batch: 256 });
    const shared = sim.client(2, { credits: 4, batch: 256, share: 1024 });
    for (const cl of [batched, shared]) openMany(sim, cl, 'slow', 3);
    const pub = sim.client(1);
    const ch = sim.open(pub, 'slow', EVT_OPEN_PUBLISHER);
    burst(sim, pub, ch, 40, () => 3, (i) => `y${i}`);
    sim.settle();
    sim.c.run(500);
    assert.equal(sim.svc(2).localConns().next().value !== undefined, true);
    const early = [batched, shared].map((cl) => sim.deliveries(cl).map(key));
    assert.equal(early[0]!.length, 4, 'four credits: four deliveries (targets), not four events');
    assert.deepEqual(early[1], early[0]);
    for (const cl of [batched, shared]) sim.ok(cl, { kind: 'take', credits: 1000 });
    sim.c.run(500);
    const all = [batched, shared].map((cl) => sim.deliveries(cl));
    assert.deepEqual(all[1]!.map(key), all[0]!.map(key));
    assert.equal(all[1]!.filter((d) => d.lost).length, 1, 'one lost notice');
    assert.equal(all[1]!.length, 4 + 1 + 10, 'four sent, then the notice and the ten targets the bound kept');
  });
}

test('request 10 without a batch agreement is refused SA_AIS_ERR_INVALID_PARAM, and nothing is shared', () => {
  const sim = new EvtSim({ nodes: 1, seed: 11 });
  const cl = sim.client(1);
  assert.equal(sim.call(cl, { kind: 'share', maxTargets: 16 }).saCode, SA_AIS_ERR_INVALID_PARAM);
  openMany(sim, cl, 'n', 2);
  const ch = sim.open(cl, 'n', EVT_OPEN_PUBLISHER);
  sim.publish(cl, ch, { data: 'd' });
  sim.c.run(200);
  assert.equal(sim.deliveries(cl).length, 2);
  assert.equal(cl.conn.events.some((e) => e.messageId === EVT_EVENT_DELIVER_SHARED), false);
  // Batches turned off later turn sharing off with them.
  sim.ok(cl, { kind: 'batch', maxDeliveries: 16, maxBytes: 65536 });
  sim.ok(cl, { kind: 'share', maxTargets: 16 });
  sim.ok(cl, { kind: 'batch', maxDeliveries: 0, maxBytes: 65536 });
  sim.publish(cl, ch, { data: 'e' });
  sim.c.run(200);
  assert.equal(sim.deliveries(cl).length, 4);
  assert.equal(cl.conn.events.some((e) => e.messageId === EVT_EVENT_DELIVER_SHARED), false);
});
