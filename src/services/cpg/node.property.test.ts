/**
 * Property test: random joins, leaves, mcasts, disconnects, partitions, merges, aborted syncs and
 * crashes, fed identically (per component, in agreed order) to N replicas through the wire codecs.
 * After every completed sync and at the end:
 * - every node of a component holds the same table, and that table is exactly the union of what
 *   the local handles of its nodes hold (the merge rule: union minus departed nodes);
 * - each handle's stream for a group is a sequence of episodes that start with its own join and
 *   end with its own leave; its view always contains itself; each message comes from a member of
 *   its current view and arrives once;
 * - a message delivered to one handle is delivered to every live handle in that handle's view at
 *   that moment, and any two handles see their common messages in the same order;
 * - every message a live handle sends comes back to it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CpgCluster } from './cluster.fixture.js';
import type { HandleCallback, HandleId } from './handles.js';
import { CpgReason, type NodeId } from '../../protocol/cpg/vocabulary.js';

const NODES: NodeId[] = [1, 2, 3, 4];
const GROUPS = ['a', 'b', 'c'];
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

type Op =
  | { t: 'connect'; node: number }
  | { t: 'join' | 'leave' | 'mcast'; pick: number; group: number }
  | { t: 'disconnect'; pick: number }
  | { t: 'drain' }
  | { t: 'partition'; assign: number[]; finish: boolean }
  | { t: 'finish' }
  | { t: 'crash'; node: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('connect' as const), node: fc.constantFrom(...NODES) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constant('join' as const), pick: fc.nat(), group: fc.nat({ max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('leave' as const), pick: fc.nat(), group: fc.nat({ max: 2 }) }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('mcast' as const), pick: fc.nat(), group: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('disconnect' as const), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('drain' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('partition' as const),
      assign: fc.array(fc.nat({ max: 2 }), { minLength: NODES.length, maxLength: NODES.length }),
      finish: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('finish' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('crash' as const), node: fc.constantFrom(...NODES) }) },
);

interface Tracked {
  node: NodeId;
  live: boolean;
}

function run(ops: readonly Op[]): void {
  const c = new CpgCluster(NODES);
  const handles = new Map<HandleId, Tracked>();
  const sent = new Map<string, HandleId>();
  let nextHandle = 1;
  let nextMsg = 1;
  const liveHandles = () => [...handles].filter(([, t]) => t.live);
  const pick = (n: number) => {
    const live = liveHandles();
    return live.length === 0 ? undefined : live[n % live.length]!;
  };

  for (const op of ops) {
    switch (op.t) {
      case 'connect': {
        const id = nextHandle++;
        c.connect(op.node, id, id); // pid = handle id, so (node, pid) names one handle
        handles.set(id, { node: op.node, live: true });
        break;
      }
      case 'join':
      case 'leave':
      case 'mcast': {
        const p = pick(op.pick);
        if (!p) break;
        const [h, t] = p;
        const group = enc(GROUPS[op.group]!);
        if (op.t === 'join') c.lib(t.node, (n) => n.join(h, group));
        else if (op.t === 'leave') c.lib(t.node, (n) => n.leave(h, group));
        else {
          const id = `m${nextMsg++}`;
          if (c.lib(t.node, (n) => n.mcast(h, group, enc(id))).ok) sent.set(id, h);
        }
        break;
      }
      case 'disconnect': {
        const p = pick(op.pick);
        if (!p) break;
        c.disconnect(p[1].node, p[0]);
        p[1].live = false;
        break;
      }
      case 'drain':
        c.drain();
        break;
      case 'partition': {
        const groups = [0, 1, 2].map((g) => NODES.filter((_, i) => op.assign[i] === g)).filter((g) => g.length > 0);
        c.reconfigure(groups);
        if (op.finish) c.finishSync();
        checkQuiescent(c, handles);
        break;
      }
      case 'finish':
        c.finishSync();
        checkQuiescent(c, handles);
        break;
      case 'crash':
        for (const t of handles.values()) if (t.node === op.node) t.live = false;
        c.crash(op.node);
        break;
    }
  }
  c.reconfigure([NODES]);
  c.finishSync();
  c.drain();
  checkQuiescent(c, handles);
  checkStreams(c, handles, sent);
}

/** After a completed sync with empty queues: one table per component, equal to the handles' union. */
function checkQuiescent(c: CpgCluster, handles: Map<HandleId, Tracked>): void {
  if (c.syncing()) return;
  c.drain();
  for (const comp of c.components()) {
    const expected: string[] = [];
    for (const [h, t] of handles) {
      if (!t.live || !comp.includes(t.node)) continue;
      for (const [g, state] of c.node(t.node).handleGroups(h) ?? []) {
        assert.equal(state, 'joinCompleted', 'no request is left half done once queues are drained');
        expected.push(`${t.node}/${h}/${dec(g)}`);
      }
    }
    expected.sort();
    for (const n of comp) {
      const table = c.node(n).snapshot().map((e) => `${e.nodeId}/${e.pid}/${e.group}`).sort();
      assert.deepEqual(table, expected, `node ${n} holds the union of its component's handles`);
    }
  }
}

interface Delivery {
  msg: string;
  view: string[];
}

function checkStreams(c: CpgCluster, handles: Map<HandleId, Tracked>, sent: Map<string, HandleId>): void {
  const received = new Map<string, Delivery[]>(); // `${handle}/${group}` -> deliveries
  for (const [node, log] of c.logs) {
    for (const [h, t] of handles) if (t.node === node) for (const g of GROUPS) received.set(`${h}/${g}`, walk(log, h, node, g));
  }
  const stable = (h: HandleId) => handles.get(h)!.live;
  for (const [key, list] of received) {
    const [h] = key.split('/');
    const g = key.slice(h!.length + 1);
    for (const d of list) {
      for (const member of d.view) {
        const other = Number(member.split(':')[1]);
        if (!stable(other) || !stable(Number(h))) continue;
        const theirs = received.get(`${other}/${g}`) ?? [];
        assert.ok(theirs.some((x) => x.msg === d.msg), `${d.msg} reached ${h} with ${member} in view; it must reach ${other}`);
      }
    }
  }
  const keys = [...received.keys()];
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const a = received.get(keys[i]!)!.map((d) => d.msg);
      const b = new Set(received.get(keys[j]!)!.map((d) => d.msg));
      const common = a.filter((m) => b.has(m));
      const bOrder = received.get(keys[j]!)!.map((d) => d.msg).filter((m) => common.includes(m));
      assert.deepEqual(common, bOrder, `${keys[i]} and ${keys[j]} agree on order`);
    }
  }
  for (const [msg, h] of sent) {
    if (!stable(h)) continue;
    const mine = GROUPS.flatMap((g) => received.get(`${h}/${g}`) ?? []);
    assert.ok(mine.some((d) => d.msg === msg), `${msg} comes back to its sender ${h}`);
  }
}

/** One handle's stream for one group, checked episode by episode; returns its deliveries. */
function walk(log: readonly HandleCallback[], h: HandleId, node: NodeId, group: string): Delivery[] {
  const self = `${node}:${h}`;
  let view: string[] | undefined;
  const seen = new Set<string>();
  const out: Delivery[] = [];
  for (const { handle, callback: cb } of log) {
    if (handle !== h || cb.kind === 'totem_confchg' || dec(cb.group) !== group) continue;
    if (cb.kind === 'confchg') {
      const members = cb.members.map((m) => `${m.nodeId}:${m.pid}`);
      if (view === undefined) {
        assert.ok(cb.joined.some((m) => `${m.nodeId}:${m.pid}` === self && m.reason === CpgReason.join), `${self} ${group}: episode starts with own join`);
      }
      if (cb.left.some((m) => `${m.nodeId}:${m.pid}` === self)) {
        assert.ok(!members.includes(self));
        view = undefined;
      } else {
        assert.ok(members.includes(self), `${self} ${group}: own view contains itself`);
        view = members;
      }
    } else {
      assert.ok(view, `${self} ${group}: no message outside an episode`);
      const msg = dec(cb.data);
      assert.ok(view.includes(`${cb.nodeId}:${cb.pid}`), `${msg} comes from a member of the view`);
      assert.ok(!seen.has(msg), `${msg} arrives once`);
      seen.add(msg);
      out.push({ msg, view });
    }
  }
  return out;
}

test('replicas agree and every member sees its join, then exactly its group messages', () => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => run(ops)), { numRuns: 1500 });
});
