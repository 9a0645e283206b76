/**
 * EVT with real daemons in network namespaces: five ringcastd, one subscriber application per
 * node through the client library. A 2|3 partition, retained events published on both sides,
 * then the heal: every existing subscriber gets the other side's events exactly once (checked by
 * a marker published after them: nothing else arrives before it). Needs root (skips otherwise).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { labAvailable } from './lab/netns.js';
import { DaemonCluster, waitFor } from './lab/daemon-cluster.js';
import { connect, type EvtChannel, type EvtEvent, type RingcastClient } from '../src/client/index.js';

const lab = labAvailable();
const skip = lab.ok ? false : lab.reason;

let c: DaemonCluster;
const clients: RingcastClient[] = [];

before(() => {
  if (!skip) c = new DaemonCluster(5, 'ringcast-evt-');
});

after(async () => {
  for (const cl of clients) await cl.close().catch(() => {});
  if (!skip) await c.destroy();
});

interface Sub {
  readonly node: number;
  readonly ch: EvtChannel;
  readonly got: EvtEvent[];
}

test('EVT across a 2|3 partition of real daemons: retained events of the other side reach every existing subscriber exactly once after the heal', { skip, timeout: 180_000 }, async () => {
  for (const d of c.members) c.start(d);
  await waitFor('a ring of five', c.ringOf([1, 2, 3, 4, 5]), 30_000);
  const subs: Sub[] = [];
  for (const node of [1, 2, 3, 4, 5]) {
    const client = await connect({ stateDir: c.members[node - 1]!.stateDir });
    clients.push(client);
    const evt = await client.evt();
    const ch = await evt.openChannel('netns', { create: true, publisher: true, subscriber: true });
    const sub = await ch.subscribe();
    const s: Sub = { node, ch, got: [] };
    void (async () => {
      for await (const e of sub) s.got.push(e);
    })().catch(() => {});
    subs.push(s);
  }
  const ids = (s: Sub) => s.got.map((e) => e.eventId);

  c.lab.partition([[1, 2], [3, 4, 5]]);
  await waitFor('rings 1,2 and 3,4,5', () => c.ringOf([1, 2])() && c.ringOf([3, 4, 5])(), 30_000);
  const left = [await subs[0]!.ch.publish({ retentionMs: 120_000, data: 'left 1' }), await subs[1]!.ch.publish({ retentionMs: 120_000, data: 'left 2' })];
  const right = [await subs[2]!.ch.publish({ retentionMs: 120_000, data: 'right 1' }), await subs[4]!.ch.publish({ retentionMs: 120_000, data: 'right 2' })];
  await waitFor('each side delivered its own events', () => subs.every((s) => s.got.length === 2), 15_000);
  // Publishes are answered when the ring takes them, so two nodes' events are ordered by the
  // ring, not by the order the test awaited them: compare each side's pair as a set.
  for (const s of subs.slice(0, 2)) assert.deepEqual(new Set(ids(s)), new Set(left));
  for (const s of subs.slice(2)) assert.deepEqual(new Set(ids(s)), new Set(right));

  c.lab.heal();
  await waitFor('one ring of five again', c.ringOf([1, 2, 3, 4, 5]), 30_000);
  await waitFor('every subscriber got the other side\'s two events', () => subs.every((s) => s.got.length >= 4), 30_000);
  const marker = await subs[3]!.ch.publish({ data: 'marker' });
  await waitFor('the marker everywhere', () => subs.every((s) => s.got.some((e) => e.eventId === marker)), 15_000);
  for (const s of subs) {
    const other = s.node <= 2 ? right : left;
    const own = s.node <= 2 ? left : right;
    assert.deepEqual(new Set(ids(s).slice(2, 4)), new Set(other), `node ${s.node} got the other side's events`);
    assert.deepEqual(new Set(ids(s).slice(0, 2)), new Set(own), `node ${s.node}: its own side's events first`);
    assert.equal(ids(s).length, 5, `node ${s.node}: four events and the marker`);
    assert.equal(new Set(ids(s)).size, 5, `node ${s.node}: each event once`);
    assert.equal(ids(s)[4], marker, `node ${s.node}: the marker last`);
  }
  const listed = await (await clients[2]!.evt()).channels();
  assert.deepEqual(listed.map((x) => [x.name, x.unlinked, x.opens, x.retained]), [['netns', false, 5, 4]]);
});
