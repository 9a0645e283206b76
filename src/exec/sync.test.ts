import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeExecMessage } from './header.js';
import { GROUP_SYNC } from '../totem/pg/groups.js';
import { encodeBarrier } from './sync-wire.js';
import { LoopRing } from './testing/loop-ring.js';
import { RecorderService } from './testing/recorder-service.js';

const utf8 = new TextEncoder();

test('sync runs services in id order: init all, then process/barrier/activate one at a time', () => {
  const ring = new LoopRing();
  const nodes = [1, 2, 3].map((id) => {
    const s9 = new RecorderService({ id: 9 });
    const s5 = new RecorderService({ id: 5 });
    ring.add(id, [s9, s5]);
    return { s5, s9 };
  });
  ring.configure([1, 2, 3]);
  ring.pump();
  for (const { s5, s9 } of nodes) {
    assert.deepEqual(s5.syncCalls(), ['init 1.4 [1,2,3] trans []', 'process (done)', 'activate']);
    assert.deepEqual(s9.syncCalls(), ['init 1.4 [1,2,3] trans []', 'process (done)', 'activate']);
    assert.deepEqual(s5.states, ['1:s1', '2:s2', '3:s3']);
  }
  // Service 9 starts processing only after 5 activated, on every node.
  const order = ring.traces.filter((t) => t.node === 2 && t.event.kind.startsWith('sync')).map((t) => t.event.kind + ('serviceId' in t.event ? ` ${t.event.serviceId}` : ''));
  assert.deepEqual(order, ['syncStart', 'syncActivate 5', 'syncActivate 9', 'syncComplete']);
  for (const id of [1, 2, 3]) assert.equal(ring.execs.get(id)!.syncInProcess, false);
});

test('the transitional list passed to init is the old members still present', () => {
  const ring = new LoopRing();
  for (const id of [1, 2, 3]) ring.add(id, [new RecorderService({ id: 5 })]);
  ring.configure([1, 2, 3]);
  ring.pump();
  ring.configure([1, 2]);
  ring.pump();
  const svc = ring.execs.get(1)!.service(5) as RecorderService;
  assert.ok(svc.calls.includes('init 1.8 [1,2] trans [1,2]'));
});

test('a service only some nodes run gets a no-op entry, so everyone walks the same list', () => {
  const ring = new LoopRing();
  const a5 = new RecorderService({ id: 5 });
  const a7 = new RecorderService({ id: 7 });
  const b5 = new RecorderService({ id: 5 });
  ring.add(1, [a5, a7]);
  ring.add(2, [b5]);
  ring.configure([1, 2]);
  ring.pump();
  assert.equal(ring.execs.get(1)!.syncState, 'done');
  assert.equal(ring.execs.get(2)!.syncState, 'done');
  const node2 = ring.traces.filter((t) => t.node === 2 && t.event.kind === 'syncActivate').map((t) => (t.event as { serviceId: number }).serviceId);
  assert.deepEqual(node2, [5, 7]);
});

test('process() that is not done is called again later (schedwrk)', () => {
  const ring = new LoopRing();
  const a = new RecorderService({ id: 5, processDelays: 2 });
  ring.add(1, [a]);
  ring.add(2, [new RecorderService({ id: 5 })]);
  ring.configure([1, 2]);
  ring.pump();
  assert.deepEqual(a.syncCalls(), ['init 1.4 [1,2] trans []', 'process (not done)', 'process (not done)', 'process (done)', 'activate']);
});

test('refused sync sends (ring full) are retried', () => {
  const ring = new LoopRing();
  const a = new RecorderService({ id: 5 });
  ring.add(1, [a]);
  ring.add(2, [new RecorderService({ id: 5 })]);
  ring.full.add(1);
  ring.configure([1, 2]);
  ring.pump(1);
  assert.equal(ring.execs.get(1)!.syncState, 'build');
  ring.full.delete(1);
  ring.pump();
  assert.equal(ring.execs.get(1)!.syncState, 'done');
  assert.ok(a.calls.includes('process (ring full)') || a.calls.includes('process (done)'));
});

test('a configuration change mid-sync aborts every initialised service exactly once and starts again', () => {
  const ring = new LoopRing();
  const svcs = new Map<number, RecorderService[]>();
  for (const id of [1, 2, 3]) {
    const list = [new RecorderService({ id: 5 }), new RecorderService({ id: 9 })];
    svcs.set(id, list);
    ring.add(id, list);
  }
  ring.configure([1, 2, 3]);
  // Deliver the three service lists and some barriers, then node 3 fails before the end.
  ring.pump(5);
  assert.notEqual(ring.execs.get(1)!.syncState, 'done');
  ring.configure([1, 2], { lose: true });
  ring.pump();
  for (const id of [1, 2]) {
    for (const s of svcs.get(id)!) {
      const calls = s.syncCalls().filter((c) => c !== 'process (done)');
      // init -> (activate | abort) per round, two rounds.
      assert.equal(calls.length, 4, `${s.name}@${id}: ${calls.join(' | ')}`);
      assert.match(calls[0]!, /^init 1\.4/);
      assert.match(calls[1]!, /^(activate|abort)$/);
      assert.match(calls[2]!, /^init 1\.8 \[1,2\] trans \[1,2\]/);
      assert.equal(calls[3], 'activate');
    }
    assert.equal(ring.execs.get(id)!.syncState, 'done');
    assert.equal(ring.execs.get(id)!.syncStats.aborts, 1);
  }
});

test('barriers and sync messages of an aborted round are ignored (they carry its ring id)', () => {
  const ring = new LoopRing();
  const a = new RecorderService({ id: 5 });
  ring.add(1, [a]);
  ring.add(2, [new RecorderService({ id: 5 })]);
  ring.configure([1, 2]);
  ring.pump();
  const stale = ring.execs.get(1)!.syncStats.staleMessages;
  ring.configure([1, 2]);
  // A barrier naming the previous ring: ignored, counted.
  ring.inject(2, encodeBarrier({ rep: 1, seq: 4 }), GROUP_SYNC);
  ring.pump();
  assert.equal(ring.execs.get(1)!.syncStats.staleMessages, stale + 1);
  // A service sync message delivered when no round runs is dropped.
  ring.inject(2, encodeExecMessage(5, 1, utf8.encode('late')));
  ring.pump();
  assert.equal(ring.execs.get(1)!.stats.dropped.staleSync, 1);
  assert.ok(!a.states.includes('2:late'));
});

test('a service without a sync step is active from the regular configuration on', () => {
  const ring = new LoopRing();
  const a = new RecorderService({ id: 5, noSync: true });
  const b = new RecorderService({ id: 5, noSync: true });
  ring.add(1, [a]);
  ring.add(2, [b]);
  ring.configure([1, 2]);
  ring.pump();
  assert.equal(ring.execs.get(1)!.syncState, 'done');
  a.api!.send(0, utf8.encode('x'));
  ring.pump();
  assert.deepEqual(b.notes, ['x']);
});

test('no ordinary message is applied before its service activated in that ring', () => {
  const ring = new LoopRing();
  for (const id of [1, 2, 3]) ring.add(id, [new RecorderService({ id: 5 }), new RecorderService({ id: 9 })]);
  ring.configure([1, 2, 3]);
  ring.pump();
  for (let round = 0; round < 5; round++) {
    for (const id of [1, 2, 3]) {
      for (const sid of [5, 9]) (ring.execs.get(id)!.service(sid) as RecorderService).api!.send(0, utf8.encode(`${round}.${id}.${sid}`));
    }
    ring.configure([1, 2, 3], { carry: round % 2 === 0 });
    ring.pump(round + 1);
  }
  ring.pump();
  const activated = new Set<string>();
  for (const { node, event } of ring.traces) {
    if (event.kind === 'syncActivate') activated.add(`${node}/${event.serviceId}/${event.ringId.rep}.${event.ringId.seq}`);
    if (event.kind === 'applied' && !event.sync) {
      assert.ok(activated.has(`${node}/${event.serviceId}/${event.ringId.rep}.${event.ringId.seq}`), JSON.stringify(event));
    }
  }
  const notes = [1, 2, 3].map((id) => (ring.execs.get(id)!.service(5) as RecorderService).notes.join(','));
  assert.equal(new Set(notes).size, 1);
  assert.equal((ring.execs.get(1)!.service(5) as RecorderService).notes.length, 15, 'every note applied once');
});
