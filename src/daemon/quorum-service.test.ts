/**
 * libquorum (the quorum service, id 3) through the client library on real daemons (in-process,
 * UDP loopback): without a provider (QUORUM_FREE, always quorate, V1 node lists with joined and
 * left as a node stops) and on votequorum (QUORUM_SET, a lone node of three is not quorate, a V0
 * handle hears quorum events only).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type QuorumServiceEvent } from '../client/index.js';
import { freeUdpPorts, startTestDaemon, waitFor } from './testing.js';

async function next(it: AsyncIterator<QuorumServiceEvent>, ms = 20_000): Promise<QuorumServiceEvent> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no quorum event in ${ms} ms`)), ms)));
  try {
    const r = await Promise.race([it.next(), deadline]);
    assert.ok(!r.done, 'the iterator ended');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

test('no provider: QUORUM_FREE, quorate; V1 node list with left when a node stops', { timeout: 60_000 }, async (t) => {
  const ports = await freeUdpPorts(2);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const [d1, d2] = await Promise.all(nodes.map((n) => startTestDaemon({ nodeId: n.nodeId, nodes, waitMembers: 0 })));
  let d2Stopped = false;
  t.after(() => Promise.all([d1!.stop(), d2Stopped ? undefined : d2!.stop()]));
  await waitFor('two synced', () => [d1!, d2!].every((d) => d.daemon.node.status().members.length === 2 && d.daemon.host.exec.syncState === 'done'), 20_000);
  const client = await connect({ stateDir: d1!.stateDir });
  t.after(() => client.close());
  const qs = await client.quorumService();
  assert.deepEqual([qs.type, qs.model, await qs.quorate()], ['free', 'v1', true]);
  const it = qs.changes();
  const ring = d1!.daemon.node.status().ringId;
  const ringId = `${ring.rep.toString(16)}.${ring.seq.toString(16)}`;
  assert.deepEqual(await next(it), { type: 'nodelist', ringId, ring: { rep: ring.rep, seq: ring.seq }, members: [1, 2], joined: [], left: [] });
  assert.deepEqual(await next(it), { type: 'quorum', quorate: true, ringId, ringSeq: ring.seq, members: [1, 2] });
  d2Stopped = true;
  await d2!.stop();
  const nl = await next(it);
  assert.ok(nl.type === 'nodelist');
  assert.deepEqual([nl.members, nl.joined, nl.left], [[1], [], [2]]);
  const q = await next(it);
  assert.ok(q.type === 'quorum');
  assert.deepEqual([q.quorate, q.members, q.ringId], [true, [1], nl.ringId]);
  await it.return!();
});

test('on votequorum: QUORUM_SET; one node of three expected is not quorate; V0 hears quorum events only', { timeout: 60_000 }, async (t) => {
  const ports = await freeUdpPorts(3);
  const nodes = ports.map((port, i) => ({ nodeId: i + 1, address: '127.0.0.1', port }));
  const config = {
    votes: 1, expectedVotes: 3, twoNode: false, waitForAll: false, lastManStanding: false,
    lastManStandingWindowMs: 10_000, autoTieBreaker: { kind: 'none' as const }, allowDownscale: false,
  };
  const d1 = await startTestDaemon({ nodeId: 1, nodes, waitMembers: 0, overrides: { votequorum: { config } } });
  t.after(() => d1.stop());
  await waitFor('node 1 synced alone', () => d1.daemon.node.status().members.length === 1 && d1.daemon.host.exec.syncState === 'done', 20_000);
  const client = await connect({ stateDir: d1.stateDir });
  t.after(() => client.close());
  const qs = await client.quorumService({ model: 'v0' });
  assert.deepEqual([qs.type, qs.model, await qs.quorate()], ['set', 'v0', false]);
  const it = qs.changes();
  const first = await next(it);
  assert.deepEqual(first.type === 'quorum' && [first.quorate, first.members, first.ringId], [false, [1], undefined]);
  await it.return!();
  await assert.rejects(client.quorumService({ model: 'v2' as 'v1' }), { code: 'CS_ERR_INVALID_PARAM' });
});
