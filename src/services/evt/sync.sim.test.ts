/**
 * EVT across partitions and merges, on the real executive and Totem core in the simulator:
 * both sides keep working, the merge reconciles channels and retained events, OpenAIS's gaps are
 * closed (an unlink or a clear on one side holds; retention travels as a duration), and no
 * subscriber gets an event twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVT_OPEN_CREATE, EVT_OPEN_PUBLISHER, EVT_OPEN_SUBSCRIBER } from '../../protocol/evt-lib.js';
import { SA_AIS_ERR_NOT_EXIST } from '../../protocol/sa-errors.js';
import { EvtSim, type Client } from './testing.js';

const ALL = EVT_OPEN_CREATE | EVT_OPEN_PUBLISHER | EVT_OPEN_SUBSCRIBER;
const SIDES = [[1, 2], [3, 4, 5]];
const enc = (s: string) => new TextEncoder().encode(s);

function agree(sim: EvtSim): void {
  const tables = [...sim.tables().values()];
  for (const t of tables) assert.equal(t, tables[0], 'every node holds the same channel table and retained set');
}

function subscriber(sim: EvtSim, node: number, name: string): { cl: Client; ch: number } {
  const cl = sim.client(node);
  const ch = sim.open(cl, name, ALL);
  sim.ok(cl, { kind: 'subscribe', channel: ch, subscriptionId: 1, filters: [{ type: 'passAll', pattern: new Uint8Array(0) }] });
  return { cl, ch };
}

function ids(sim: EvtSim, cl: Client): bigint[] {
  return sim.fresh(cl).map((d) => d.eventId);
}

test('2|3 partition with retained events on both sides: after the heal every existing subscriber gets the other side\'s events exactly once', () => {
  const sim = new EvtSim({ nodes: 5, seed: 21 });
  const subs = [1, 2, 3, 4, 5].map((n) => subscriber(sim, n, 'news'));
  const before = sim.publish(subs[0]!.cl, subs[0]!.ch, { retentionMs: 60_000, data: 'before' });
  sim.settle();
  for (const s of subs) assert.deepEqual(ids(sim, s.cl), [before]);
  sim.c.cluster.network.partition(SIDES);
  sim.settle(SIDES);
  const left = [sim.publish(subs[0]!.cl, subs[0]!.ch, { retentionMs: 60_000, data: 'L1' }), sim.publish(subs[1]!.cl, subs[1]!.ch, { retentionMs: 60_000, data: 'L2' })];
  const right = [sim.publish(subs[3]!.cl, subs[3]!.ch, { retentionMs: 60_000, data: 'R1' })];
  const plain = sim.publish(subs[4]!.cl, subs[4]!.ch, { data: 'not retained' });
  sim.settle(SIDES);
  for (const i of [0, 1]) assert.deepEqual(ids(sim, subs[i]!.cl), left);
  for (const i of [2, 3, 4]) assert.deepEqual(ids(sim, subs[i]!.cl), [...right, plain]);
  sim.c.cluster.network.heal();
  sim.settle();
  agree(sim);
  for (const i of [0, 1]) assert.deepEqual(ids(sim, subs[i]!.cl), right, `node ${i + 1} got the other side's retained event once`);
  for (const i of [2, 3, 4]) assert.deepEqual(ids(sim, subs[i]!.cl), left, `node ${i + 1} got the other side's retained events once`);
  // Every node retains all four; a new subscriber anywhere gets each once.
  assert.equal(sim.svc(3).table.retainedCount(), 4);
  const late = subscriber(sim, 2, 'news');
  sim.settle();
  assert.deepEqual(new Set(ids(sim, late.cl)), new Set([before, ...left, ...right]));
  // And publishing goes on with ids nobody has seen.
  const after = sim.publish(subs[2]!.cl, subs[2]!.ch, { data: 'after' });
  sim.settle();
  for (const s of subs) assert.deepEqual(ids(sim, s.cl), [after]);
});

test('an unlink made on one side holds after the merge: the other side\'s opens keep the unlinked instance, its retained events are gone', () => {
  const sim = new EvtSim({ nodes: 5, seed: 22 });
  const a = subscriber(sim, 1, 'chan');
  const b = subscriber(sim, 4, 'chan');
  sim.publish(a.cl, a.ch, { retentionMs: 60_000 });
  sim.settle();
  sim.c.cluster.network.partition(SIDES);
  sim.settle(SIDES);
  sim.ok(a.cl, { kind: 'unlink', name: enc('chan') });
  // The right side publishes more retained events on the instance it still thinks active.
  sim.publish(b.cl, b.ch, { retentionMs: 60_000 });
  sim.settle(SIDES);
  assert.equal(sim.svc(1).table.retainedCount(), 0);
  assert.equal(sim.svc(4).table.retainedCount(), 2);
  ids(sim, a.cl);
  ids(sim, b.cl);
  sim.c.cluster.network.heal();
  sim.settle();
  agree(sim);
  for (const n of [1, 2, 3, 4, 5]) assert.equal(sim.svc(n).table.retainedCount(), 0, `node ${n} retains nothing of the unlinked channel`);
  assert.equal(sim.svc(5).table.active(enc('chan')), undefined, 'no active instance of the name');
  assert.deepEqual(ids(sim, a.cl), [], 'no retained event came back');
  // Both opens are on the one unlinked instance and still talk to each other.
  const id = sim.publish(b.cl, b.ch, { data: 'on the unlinked instance' });
  sim.settle();
  assert.deepEqual(ids(sim, a.cl), [id]);
  const other = sim.client(3);
  assert.equal(sim.call(other, { kind: 'open', flags: EVT_OPEN_SUBSCRIBER, name: enc('chan') }).saCode, SA_AIS_ERR_NOT_EXIST);
});

test('a retention clear made on one side holds after the merge', () => {
  const sim = new EvtSim({ nodes: 5, seed: 23 });
  const a = subscriber(sim, 2, 'c');
  const id = sim.publish(a.cl, a.ch, { retentionMs: 60_000 });
  sim.settle();
  sim.c.cluster.network.partition(SIDES);
  sim.settle(SIDES);
  sim.ok(a.cl, { kind: 'clear', channel: a.ch, eventId: id });
  sim.settle(SIDES);
  assert.equal(sim.svc(5).table.retainedCount(), 1);
  sim.c.cluster.network.heal();
  sim.settle();
  agree(sim);
  for (const n of [1, 2, 3, 4, 5]) assert.equal(sim.svc(n).table.retainedCount(), 0, `node ${n}`);
  const late = subscriber(sim, 4, 'c');
  const marker = sim.publish(late.cl, late.ch, {});
  sim.settle();
  assert.deepEqual(ids(sim, late.cl), [marker]);
});

test('retention travels as a duration: nodes whose clocks disagree by hours expire a merged event together', () => {
  const sim = new EvtSim({ nodes: 5, seed: 24, clockOffsetMs: { 1: -3_600_000, 3: 7_200_000, 5: 86_400_000 } });
  const a = subscriber(sim, 4, 'c');
  sim.c.cluster.network.partition(SIDES);
  sim.settle(SIDES);
  sim.publish(a.cl, a.ch, { retentionMs: 10_000 });
  sim.settle(SIDES);
  sim.c.run(4_000);
  sim.c.cluster.network.heal();
  sim.settle();
  agree(sim);
  const healedAt = sim.c.now;
  for (const n of [1, 2]) assert.equal(sim.svc(n).table.retainedCount(), 1, `node ${n} took the event over`);
  // Everyone lets it go within the same few hundred ms of virtual time, about 10 s after it was published.
  const expiredAt = new Map<number, number>();
  while (expiredAt.size < 5 && sim.c.now < healedAt + 20_000) {
    sim.c.run(20);
    for (const n of [1, 2, 3, 4, 5]) if (!expiredAt.has(n) && sim.svc(n).table.retainedCount() === 0) expiredAt.set(n, sim.c.now);
  }
  assert.equal(expiredAt.size, 5);
  const times = [...expiredAt.values()];
  assert.ok(Math.max(...times) - Math.min(...times) < 1_000, `expiry spread ${Math.max(...times) - Math.min(...times)} ms`);
});

test('channels created on both sides merge into one; opens on both sides count, events reach both', () => {
  const sim = new EvtSim({ nodes: 5, seed: 25 });
  sim.c.cluster.network.partition(SIDES);
  sim.settle(SIDES);
  const a = subscriber(sim, 1, 'both');
  const b = subscriber(sim, 5, 'both');
  sim.c.cluster.network.heal();
  sim.settle();
  agree(sim);
  const inst = sim.svc(3).table.active(enc('both'))!;
  assert.equal(inst.ids.length, 2, 'one instance answering to both creates');
  assert.equal(sim.svc(3).table.totalOpens(inst), 2);
  const id = sim.publish(a.cl, a.ch, {});
  sim.settle();
  assert.deepEqual(ids(sim, b.cl), [id]);
});

test('a crashed node\'s opens leave the table; a restarted node publishes ids the others accept', () => {
  const sim = new EvtSim({ nodes: 3, seed: 26 });
  const a = subscriber(sim, 1, 'c');
  const b = subscriber(sim, 3, 'c');
  sim.publish(b.cl, b.ch, {});
  sim.settle();
  ids(sim, a.cl);
  sim.c.crash(3);
  sim.settle();
  agree(sim);
  assert.equal(sim.svc(1).table.totalOpens(sim.svc(1).table.active(enc('c'))!), 1);
  sim.c.start(3);
  sim.settle();
  agree(sim);
  const c = subscriber(sim, 3, 'c');
  const id = sim.publish(c.cl, c.ch, {});
  sim.settle();
  assert.deepEqual(ids(sim, a.cl), [id]);
  assert.equal(sim.svc(1).stats.duplicatesDropped, 0);
});
