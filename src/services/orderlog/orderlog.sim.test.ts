import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecTraceEvent } from '../../exec/index.js';
import { decodeAppended } from './codec.js';
import { OrderLogCluster } from './testing.js';

function startAll(c: OrderLogCluster, ids: number[]): void {
  for (const id of ids) c.start(id);
  assert.ok(c.settle(), 'the cluster forms one ring and syncs');
}

function assertSameLogs(c: OrderLogCluster, label: string): string {
  const digests = [...c.digests().values()];
  assert.equal(new Set(digests).size, 1, `${label}: ${JSON.stringify([...c.digests()])}`);
  const lines = c.liveNodes().map((id) => c.log(id).snapshot().lines.join('\n'));
  assert.equal(new Set(lines).size, 1, `${label}: kept lines differ`);
  return digests[0]!;
}

for (const n of [3, 5]) {
  test(`${n} nodes: appends from several nodes end with identical logs, each answered once by its source`, () => {
    const c = new OrderLogCluster({ nodes: n, seed: 10 + n });
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    startAll(c, ids);
    const sent: { node: number; requestId: number }[] = [];
    for (let i = 0; i < 20; i++) {
      for (const id of ids) {
        const node = id;
        c.cluster.at(c.now + i * 3 + id, () => sent.push({ node, requestId: c.append(node, `node ${node} line ${i}`) }));
      }
    }
    c.run(200);
    assert.ok(c.settle());
    assert.equal(assertSameLogs(c, 'after appends').split(':')[0], String(20 * n));
    const indexes = new Set<number>();
    for (const { node, requestId } of sent) {
      for (const other of ids) {
        const got = c.conn(other).responsesTo(requestId);
        assert.equal(got.length, other === node ? 1 : 0, `request ${requestId} of node ${node} answered by ${other}`);
      }
      const answer = c.conn(node).responsesTo(requestId)[0]!;
      assert.equal(answer.status, 'CS_OK');
      const decoded = decodeAppended(answer.payload);
      assert.ok(decoded.ok);
      indexes.add(decoded.value.index);
    }
    assert.equal(indexes.size, 20 * n, 'each append got its own position in the log');
  });
}

test('partition then heal: after the merge sync every live node has the same log (the longest side wins)', () => {
  const c = new OrderLogCluster({ nodes: 5, seed: 3 });
  startAll(c, [1, 2, 3, 4, 5]);
  for (const id of [1, 2, 3, 4, 5]) c.append(id, `before ${id}`);
  assert.ok(c.settle());
  const sides = [[1, 2], [3, 4, 5]];
  c.cluster.network.partition(sides);
  assert.ok(c.settle({ groups: sides }), 'each side forms its own ring');
  for (let i = 0; i < 3; i++) c.append(1, `minority ${i}`);
  for (let i = 0; i < 6; i++) c.append(3 + (i % 3), `majority ${i}`);
  c.run(300);
  assert.equal(c.log(1).count, 8);
  assert.equal(c.log(3).count, 11);
  const majority = c.log(3).digest();
  c.cluster.network.heal();
  assert.ok(c.settle(), 'one ring again');
  assert.equal(assertSameLogs(c, 'after heal'), majority, 'the longer log won');
  // And the merged cluster keeps working.
  c.append(2, 'after the merge');
  assert.ok(c.settle());
  assert.equal(assertSameLogs(c, 'after more appends').split(':')[0], '12');
});

test('a configuration change during sync aborts it and restarts; the end state is identical', () => {
  const traces: { node: number; event: ExecTraceEvent; t: number }[] = [];
  const c = new OrderLogCluster({ nodes: 5, seed: 7, scheduleDelayMs: 5, trace: (node, event, t) => traces.push({ node, event, t }) });
  startAll(c, [1, 2, 3, 4, 5]);
  for (const id of [1, 2, 3, 4, 5]) c.append(id, `x${id}`);
  assert.ok(c.settle());
  const sides = [[1, 2], [3, 4, 5]];
  c.cluster.network.partition(sides);
  assert.ok(c.settle({ groups: sides }));
  c.append(4, 'majority only');
  assert.ok(c.settle({ groups: sides }));
  // Heal, and crash node 3 as soon as the merged ring's sync is under way on node 1.
  c.cluster.network.heal();
  const mergedSyncRunning = () => {
    const state = c.exec(1)?.syncState;
    return (state === 'build' || state === 'process' || state === 'barrier') && c.cluster.group(1)!.status().members.length === 5;
  };
  assert.ok(c.cluster.runUntilTrue(mergedSyncRunning, c.now + 30_000), 'the merge sync starts');
  const crashedAt = c.now;
  c.crash(3);
  assert.ok(c.settle(), 'settles without node 3');
  const aborts = traces.filter((t) => t.event.kind === 'syncAbort' && t.t >= crashedAt);
  assert.ok(aborts.some((t) => t.node === 1), 'the crash aborted the sync running on node 1');
  for (const id of [1, 2, 4, 5]) {
    const last = traces.filter((t) => t.node === id && t.event.kind.startsWith('sync')).at(-1)!;
    assert.equal(last.event.kind, 'syncComplete', `node ${id} completed a later round`);
  }
  assert.equal(assertSameLogs(c, 'after the aborted sync').split(':')[0], '6');
  // Node 3 comes back empty and is brought to the same log.
  c.start(3);
  assert.ok(c.settle());
  assertSameLogs(c, 'after restart');
  assert.equal(c.log(3).count, 6);
});
