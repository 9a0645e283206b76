/**
 * ringcastd as a full member of a Corosync 3.1 ring (issue 14), in network namespaces with Corosync
 * from the distribution: two Corosync nodes and one ringcastd, then one Corosync and two ringcastd.
 * Both engines finish service synchronization with every member, Corosync counts ringcast's vote,
 * and `corosync-quorumtool -s` and `ringcast quorum` agree on the ring id, the nodes and the votes.
 * A ringcast node killed with -9 leaves a Corosync cluster that carries on; restarted, it rejoins
 * and sync completes again.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { labAvailable } from './lab/netns.js';
import { waitFor } from './lab/daemon-cluster.js';
import { corosyncAvailable, MixedRing, quorumFacts, type Engine } from './lab/mixed-ring.js';

const lab = labAvailable();
const corosync = corosyncAvailable();
const skip = !lab.ok ? lab.reason : !corosync.ok ? corosync.reason : false;
const rings: MixedRing[] = [];

after(async () => {
  for (const r of rings) await r.destroy();
});

/** Corosync logged a membership with every one of `ids` followed by a completed sync. */
function corosyncSynced(r: MixedRing, id: number, members: number): () => boolean {
  return () => {
    const q = quorumFacts(r.quorumText(id));
    const log = r.log(id);
    const lastRing = log.lastIndexOf('A new membership');
    return q.nodes.split(',').filter(Boolean).length === members && lastRing >= 0 &&
      log.indexOf('Completed service synchronization, ready to provide service.', lastRing) > lastRing;
  };
}

function ringcastSynced(r: MixedRing, id: number, members: number): () => boolean {
  return () => {
    const s = r.status(id);
    return !!s && s.state === 'operational' && s.members.length === members && /Completed service synchronization/.test(r.log(id).split('A new membership').pop() ?? '');
  };
}

async function formed(r: MixedRing, engines: readonly Engine[]): Promise<void> {
  for (const n of r.nodes) r.start(n.id);
  for (const n of r.nodes) {
    await waitFor(`node ${n.id} (${n.engine}) in a synchronized ring of ${engines.length}`,
      n.engine === 'corosync' ? corosyncSynced(r, n.id, engines.length) : ringcastSynced(r, n.id, engines.length), 30_000);
  }
}

function sameQuorumView(r: MixedRing): void {
  const views = r.nodes.map((n) => ({ id: n.id, engine: n.engine, ...quorumFacts(r.quorumText(n.id)) }));
  for (const v of views.slice(1)) {
    assert.deepEqual({ ringId: v.ringId, nodes: v.nodes, totalVotes: v.totalVotes, quorate: v.quorate },
      { ringId: views[0]!.ringId, nodes: views[0]!.nodes, totalVotes: views[0]!.totalVotes, quorate: views[0]!.quorate },
      `node ${v.id} (${v.engine}) and node ${views[0]!.id} (${views[0]!.engine}) differ: ${JSON.stringify(views)}`);
  }
  assert.equal(views[0]!.totalVotes, String(r.nodes.length));
  assert.equal(views[0]!.quorate, 'Yes');
}

test('two Corosync nodes and one ringcastd: sync completes everywhere, one quorum view; a killed ringcast node leaves, rejoins', { skip, timeout: 150_000 }, async () => {
  const engines: Engine[] = ['corosync', 'corosync', 'ringcast'];
  const r = new MixedRing(engines, 231);
  rings.push(r);
  await formed(r, engines);
  sameQuorumView(r);
  assert.match(r.log(1), /Members joined:( \d+)* 3\b/);

  await r.kill(3);
  await waitFor('the two Corosync nodes in a synchronized ring of 2', () => corosyncSynced(r, 1, 2)() && corosyncSynced(r, 2, 2)(), 30_000);
  assert.equal(quorumFacts(r.quorumText(1)).quorate, 'Yes');
  r.start(3);
  await waitFor('ringcast node 3 back in a synchronized ring of 3', ringcastSynced(r, 3, 3), 30_000);
  await waitFor('the Corosync nodes synchronized with it', () => corosyncSynced(r, 1, 3)() && corosyncSynced(r, 2, 3)(), 30_000);
  sameQuorumView(r);
});

test('one Corosync node and two ringcastd: sync completes everywhere, one quorum view; the Corosync node killed and restarted', { skip, timeout: 150_000 }, async () => {
  const engines: Engine[] = ['ringcast', 'corosync', 'ringcast'];
  const r = new MixedRing(engines, 232);
  rings.push(r);
  await formed(r, engines);
  sameQuorumView(r);

  await r.kill(2);
  await waitFor('the two ringcast nodes in a synchronized ring of 2', () => ringcastSynced(r, 1, 2)() && ringcastSynced(r, 3, 2)(), 30_000);
  r.start(2);
  await waitFor('Corosync back in a synchronized ring of 3', corosyncSynced(r, 2, 3), 30_000);
  await waitFor('the ringcast nodes synchronized with it', () => ringcastSynced(r, 1, 3)() && ringcastSynced(r, 3, 3)(), 30_000);
  sameQuorumView(r);
});
