/**
 * Pinned scenarios for the CPG state machine: library error codes, join/leave/mcast ordering on
 * several replicas, procdown and nodedown reasons, a partition and its merge, the sync window.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpgCluster } from './cluster.fixture.js';
import { CpgNode } from './node.js';
import { CpgReason, type GroupName, type NodeId } from '../../protocol/cpg/vocabulary.js';
import type { CpgCallback } from '../../protocol/cpg/callbacks.js';
import type { HandleCallback, HandleId } from './handles.js';
import { planMerge } from './merge.js';
import { groupKey } from './names.js';

const enc = (s: string): GroupName => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const G = enc('g');

/** A compact transcript of one handle's callbacks, for readable assertions. */
function transcript(log: readonly HandleCallback[], handle: HandleId): string[] {
  return log.filter((c) => c.handle === handle).map((c) => show(c.callback));
}

function show(cb: CpgCallback): string {
  const addr = (l: readonly { nodeId: number; pid: number; reason?: number }[]) =>
    l.map((m) => `${m.nodeId}:${m.pid}${m.reason === undefined ? '' : `/${m.reason}`}`).join(',');
  switch (cb.kind) {
    case 'confchg':
      return `confchg ${dec(cb.group)} members=[${addr(cb.members)}] left=[${addr(cb.left)}] joined=[${addr(cb.joined)}]`;
    case 'deliver':
      return `deliver ${dec(cb.group)} from ${cb.nodeId}:${cb.pid} ${dec(cb.data)}`;
    case 'partial_deliver':
      return `partial ${dec(cb.group)} from ${cb.nodeId}:${cb.pid}`;
    case 'totem_confchg':
      return `totem ${cb.ringId.nodeId}.${cb.ringId.seq} [${cb.nodes.join(',')}]`;
  }
}

function errorOf(r: { ok: boolean; error?: { code: string } }): string | undefined {
  return r.ok ? undefined : r.error?.code;
}

test('library error codes follow Corosync cpd_state table', () => {
  const n = new CpgNode({ localNodeId: 1, messageBytesMax: 10, localJoinsMax: 2 });
  assert.equal(errorOf(n.join(7, G)), 'CS_ERR_BAD_HANDLE');
  n.connect(1, 100);
  assert.equal(errorOf(n.connect(1, 100)), 'CS_ERR_EXIST');
  assert.equal(errorOf(n.leave(1, G)), 'CS_ERR_NOT_EXIST', 'leaving a group not joined');
  assert.equal(errorOf(n.mcast(1, G, new Uint8Array(1))), 'CS_ERR_NOT_EXIST');
  assert.equal(errorOf(n.join(1, new Uint8Array(129))), 'CS_ERR_NAME_TOO_LONG');
  const j = n.join(1, G);
  assert.deepEqual(j, { ok: true, send: [{ kind: 'procjoin', group: G, pid: 100, reason: CpgReason.join }] });
  assert.equal(errorOf(n.join(1, G)), 'CS_ERR_EXIST', 'double join on one handle');
  n.connect(2, 100);
  assert.equal(errorOf(n.join(2, G)), 'CS_ERR_EXIST', 'same pid, same group, other handle');
  assert.equal(errorOf(n.leave(1, G)), 'CS_ERR_BUSY', 'join not applied yet');
  assert.equal(n.mcast(1, G, new Uint8Array(10)).ok, true, 'mcast allowed once the join is sent');
  assert.equal(errorOf(n.mcast(1, G, new Uint8Array(11))), 'CS_ERR_TOO_BIG');
  n.deliver(1, { kind: 'procjoin', group: G, pid: 100, reason: CpgReason.join });
  assert.equal(n.handleGroups(1)?.size, 1);
  assert.equal(n.leave(1, G).ok, true);
  assert.equal(errorOf(n.leave(1, G)), 'CS_ERR_NOT_EXIST', 'leave already started');
  assert.equal(errorOf(n.mcast(1, G, new Uint8Array(1))), 'CS_ERR_NOT_EXIST', 'no mcast while leaving');
  assert.equal(errorOf(n.join(1, G)), 'CS_ERR_EXIST', 'Corosync finds the leaving cpd first');
  n.deliver(1, { kind: 'procleave', group: G, pid: 100, reason: CpgReason.leave });
  assert.equal(n.handleGroups(1)?.size, 0, 'the applied leave clears the handle');
  n.connect(3, 300);
  assert.equal(n.join(3, enc('a')).ok, true);
  assert.equal(n.join(3, enc('b')).ok, true);
  assert.equal(errorOf(n.join(1, enc('c'))), 'CS_ERR_NO_RESOURCES', 'local joins are bounded');
});

test('rejoin before the leave is applied is CS_ERR_TRY_AGAIN', () => {
  const n = new CpgNode({ localNodeId: 1 });
  n.connect(1, 100);
  n.join(1, G);
  n.deliver(1, { kind: 'procjoin', group: G, pid: 100, reason: CpgReason.join });
  n.disconnect(1);
  n.connect(2, 100);
  assert.equal(errorOf(n.join(2, G)), 'CS_ERR_TRY_AGAIN');
  n.deliver(1, { kind: 'procleave', group: G, pid: 100, reason: CpgReason.procdown });
  assert.equal(n.join(2, G).ok, true);
});

test('join, mcast, leave on three replicas: same table, Corosync callback order', () => {
  const c = new CpgCluster([1, 2, 3]);
  c.connect(1, 10, 111);
  c.connect(2, 20, 222);
  c.connect(2, 21, 223);
  c.lib(1, (n) => n.join(10, G));
  c.lib(1, (n) => n.mcast(10, G, enc('m1')));
  c.lib(2, (n) => n.join(20, G));
  c.lib(2, (n) => n.join(21, G));
  c.drain();
  c.lib(2, (n) => n.mcast(20, G, enc('m2')));
  c.lib(1, (n) => n.leave(10, G));
  c.lib(2, (n) => n.mcast(21, G, enc('m3')));
  c.drain();
  const tables = [1, 2, 3].map((id) => c.node(id).snapshot());
  assert.deepEqual(tables[0], tables[1]);
  assert.deepEqual(tables[1], tables[2]);
  assert.deepEqual(c.node(3).membership(G), [{ nodeId: 2, pid: 222 }, { nodeId: 2, pid: 223 }]);
  assert.deepEqual(transcript(c.logs.get(1)!, 10), [
    'confchg g members=[1:111] left=[] joined=[1:111/1]',
    'deliver g from 1:111 m1',
    'confchg g members=[1:111,2:222] left=[] joined=[2:222/1]',
    'confchg g members=[1:111,2:222,2:223] left=[] joined=[2:223/1]',
    'deliver g from 2:222 m2',
    'confchg g members=[2:222,2:223] left=[1:111/2] joined=[]',
  ]);
  assert.deepEqual(transcript(c.logs.get(2)!, 21), [
    'confchg g members=[1:111,2:222,2:223] left=[] joined=[2:223/1]',
    'deliver g from 2:222 m2',
    'confchg g members=[2:222,2:223] left=[1:111/2] joined=[]',
    'deliver g from 2:223 m3',
  ], 'a new member sees its own join first, then every later message');
});

test('procdown: a closed connection leaves every group it joined with reason 5', () => {
  const c = new CpgCluster([1, 2]);
  c.connect(1, 1, 50);
  c.connect(2, 2, 60);
  c.lib(1, (n) => n.join(1, G));
  c.lib(1, (n) => n.join(1, enc('h')));
  c.lib(2, (n) => n.join(2, G));
  c.drain();
  c.disconnect(1, 1);
  c.drain();
  assert.deepEqual(transcript(c.logs.get(2)!, 2).slice(-1), ['confchg g members=[2:60] left=[1:50/5] joined=[]']);
  assert.deepEqual(c.node(2).groups().map((g) => dec(g.group)), ['g']);
  assert.deepEqual(c.node(1).snapshot(), c.node(2).snapshot());
});

test('nodedown: a node that leaves the configuration takes its processes with reason 3, one confchg per group', () => {
  const c = new CpgCluster([1, 2, 3]);
  c.connect(1, 1, 10);
  c.connect(3, 3, 30);
  c.connect(3, 4, 31);
  c.lib(1, (n) => n.join(1, G));
  c.lib(3, (n) => n.join(3, G));
  c.lib(3, (n) => n.join(4, G));
  c.drain();
  c.reconfigure([[1, 2], [3]]);
  c.finishSync();
  assert.deepEqual(transcript(c.logs.get(1)!, 1).slice(-2), [
    'confchg g members=[1:10] left=[3:30/3,3:31/3] joined=[]',
    'totem 1.8 [1,2]',
  ]);
  assert.deepEqual(transcript(c.logs.get(3)!, 3).slice(-2), [
    'confchg g members=[3:30,3:31] left=[1:10/3] joined=[]',
    'totem 3.12 [3]',
  ]);
});

test('merge after a partition: every node holds the union minus the nodes that left', () => {
  const c = new CpgCluster([1, 2, 3, 4]);
  for (const id of [1, 2, 3, 4]) c.connect(id, id, id * 10);
  for (const id of [1, 2, 3, 4]) c.lib(id, (n) => n.join(id, G));
  c.drain();
  c.reconfigure([[1, 2], [3, 4]]);
  c.finishSync();
  c.connect(1, 5, 11);
  c.lib(1, (n) => n.join(5, G)); // joins on side {1,2} only
  c.connect(3, 6, 33);
  c.lib(3, (n) => n.join(6, enc('other'))); // a group only side {3,4} knows
  c.disconnect(2, 2); // leaves on side {1,2} only
  c.drain();
  c.reconfigure([[1, 3, 4]]); // heal, but node 2 is gone
  c.finishSync();
  const expected = c.node(1).snapshot();
  assert.deepEqual(c.node(3).snapshot(), expected);
  assert.deepEqual(c.node(4).snapshot(), expected);
  assert.deepEqual(c.node(1).membership(G), [{ nodeId: 1, pid: 10 }, { nodeId: 1, pid: 11 }, { nodeId: 3, pid: 30 }, { nodeId: 4, pid: 40 }]);
  assert.deepEqual(c.node(4).groups().map((g) => dec(g.group)), ['g', 'other']);
  assert.deepEqual(transcript(c.logs.get(1)!, 5).slice(-2), [
    'confchg g members=[1:10,1:11,3:30,4:40] left=[] joined=[3:30/4,4:40/4]',
    'totem 1.16 [1,3,4]',
  ], 'the other side comes back with reason nodeup');
  assert.deepEqual(transcript(c.logs.get(3)!, 3).slice(-2), [
    'confchg g members=[1:10,1:11,3:30,4:40] left=[] joined=[1:10/4,1:11/4]',
    'totem 1.16 [1,3,4]',
  ]);
});

test('a paused node that missed a nodedown sees it as procdown of zombies (joinlist is authoritative)', () => {
  const c = new CpgCluster([1, 2]);
  c.connect(2, 2, 20);
  c.lib(2, (n) => n.join(2, G));
  c.drain();
  // Node 1 sees {1,2} -> {1,2} again (no trans change) but node 2's process vanished meanwhile.
  const n1 = c.node(1);
  n1.syncInit([1, 2], [1, 2], { nodeId: 1, seq: 100 });
  n1.syncProcess();
  const out = n1.syncActivate(); // no joinlist from node 2
  assert.deepEqual(out, []);
  assert.deepEqual(n1.membership(G), []);
});

test('messages delivered during sync are applied after the merge, on every replica alike', () => {
  const c = new CpgCluster([1, 2]);
  c.connect(1, 1, 10);
  c.connect(2, 2, 20);
  c.lib(1, (n) => n.join(1, G));
  c.drain();
  c.reconfigure([[1], [2]]);
  c.finishSync();
  c.reconfigure([[1, 2]]);
  c.lib(2, (n) => n.join(2, G)); // sent and delivered inside the sync window
  c.lib(1, (n) => n.mcast(1, G, enc('x')));
  c.drain();
  assert.equal(c.node(1).syncing, true);
  assert.deepEqual(c.node(1).membership(G), [{ nodeId: 1, pid: 10 }], 'frozen during sync');
  c.finishSync();
  assert.deepEqual(c.node(1).snapshot(), c.node(2).snapshot());
  assert.deepEqual(transcript(c.logs.get(2)!, 2), [
    'totem 2.12 [2]',
    'totem 1.16 [1,2]',
    'confchg g members=[1:10,2:20] left=[] joined=[2:20/1]',
    'deliver g from 1:10 x',
  ]);
  assert.equal(c.node(1).stats.heldDropped, 0);
});

test('sync abort: a second change before activation restarts the sync; held messages survive', () => {
  const c = new CpgCluster([1, 2, 3]);
  c.connect(1, 1, 10);
  c.reconfigure([[1, 2], [3]]);
  c.lib(1, (n) => n.join(1, G));
  c.drain();
  c.reconfigure([[1, 2, 3]]); // aborts the running sync
  c.finishSync();
  for (const id of [2, 3]) assert.deepEqual(c.node(id).snapshot(), c.node(1).snapshot());
  assert.deepEqual(c.node(3).membership(G), [{ nodeId: 1, pid: 10 }]);
});

test('crash and restart: the restarted node starts empty and merges back', () => {
  const c = new CpgCluster([1, 2]);
  c.connect(2, 2, 20);
  c.lib(2, (n) => n.join(2, G));
  c.drain();
  c.crash(2);
  c.finishSync();
  assert.deepEqual(c.node(1).membership(G), []);
  c.reconfigure([[1, 2]]);
  c.finishSync();
  assert.deepEqual(c.node(1).snapshot(), []);
  assert.deepEqual(c.node(2).snapshot(), []);
});

test('planMerge: nodedown per group, nodeup per group, zombies one by one', () => {
  const k = (s: string) => groupKey(enc(s));
  const row = (nodeId: NodeId, pid: number, g: string) => ({ nodeId, pid, group: k(g) });
  const table = [row(1, 1, 'a'), row(2, 2, 'a'), row(2, 2, 'b'), row(3, 3, 'a'), row(4, 4, 'b')];
  const plan = planMerge(table, 1, new Set([2]), [row(1, 1, 'a'), row(3, 3, 'a'), row(5, 5, 'b'), row(5, 6, 'a')]);
  assert.deepEqual(plan, [
    { group: k('a'), left: [{ nodeId: 2, pid: 2, reason: 3 }], joined: [] },
    { group: k('b'), left: [{ nodeId: 2, pid: 2, reason: 3 }], joined: [] },
    { group: k('a'), left: [], joined: [{ nodeId: 5, pid: 6, reason: 4 }] },
    { group: k('b'), left: [], joined: [{ nodeId: 5, pid: 5, reason: 4 }] },
    { group: k('b'), left: [{ nodeId: 4, pid: 4, reason: 5 }], joined: [] },
  ]);
});

test('initial totem confchg flag and partial mcast delivery', () => {
  const c = new CpgCluster([1, 2]);
  c.connect(1, 1, 10);
  c.lib(1, (n) => n.join(1, G, { deliverInitialTotemConf: true }));
  c.drain();
  assert.deepEqual(transcript(c.logs.get(1)!, 1), [
    'confchg g members=[1:10] left=[] joined=[1:10/1]',
    'totem 1.4 [1,2]',
  ]);
  const source = { nodeId: 1, conn: 1n };
  const out = c.node(2).deliver(1, { kind: 'partial_mcast', group: G, pid: 10, totalBytes: 4, type: 1, source, data: enc('ab') });
  assert.deepEqual(out, [], 'no local member on node 2');
  const mine = c.node(1).deliver(1, { kind: 'partial_mcast', group: G, pid: 10, totalBytes: 4, type: 1, source, data: enc('ab') });
  assert.deepEqual(mine.map((x) => show(x.callback)), ['partial g from 1:10']);
  assert.deepEqual(c.node(1).deliver(9, { kind: 'mcast', group: G, pid: 1, source, data: enc('z') }), [], 'sender not a member');
  assert.equal(c.node(1).stats.mcastFromNonMember, 1);
});
