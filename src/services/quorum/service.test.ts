/**
 * The quorum service (libquorum, id 3) on hand-driven executives (LoopRing): on votequorum and
 * without a provider; getquorate and gettype; model_gettype; V0 and V1 trackers with the event
 * order Corosync gives (V1 node list from this service's activate before votequorum's decision);
 * joined/left against the previous membership; trackstop always CS_OK; bad requests refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopRing } from '../../exec/testing/loop-ring.js';
import { FakeConnection } from '../../exec/testing/fake-connection.js';
import { QuorumModel, QuorumRequest, QuorumType, decodeQuorumServiceEvent, decodeU32, encodeU32, type QuorumServiceEventValue } from '../../protocol/quorum.js';
import { VotequorumService } from '../votequorum/service.js';
import type { VotequorumConfig } from '../votequorum/quorum-state.js';
import { QUORUM_SERVICE_ID, QuorumService } from './service.js';

const CONFIG: VotequorumConfig = {
  votes: 1, expectedVotes: 3, twoNode: false, waitForAll: false, lastManStanding: false,
  lastManStandingWindowMs: 5000, autoTieBreaker: { kind: 'none' }, allowDownscale: false,
};

function cluster(n: number, withProvider: boolean) {
  const ring = new LoopRing();
  const quorum = new Map<number, QuorumService>();
  for (let id = 1; id <= n; id++) {
    const vq = withProvider ? new VotequorumService({ config: { ...CONFIG, expectedVotes: n } }) : undefined;
    const qs = new QuorumService(vq ? { provider: vq } : {});
    quorum.set(id, qs);
    ring.add(id, vq ? [qs, vq] : [qs]);
  }
  const form = (members: number[]): void => {
    ring.configure(members);
    ring.pump();
  };
  let requestId = 1;
  const ask = (node: number, conn: FakeConnection, messageId: number, payload: Uint8Array = new Uint8Array(0)) => {
    const id = requestId++;
    ring.execs.get(node)!.request(conn, QUORUM_SERVICE_ID, messageId, id, payload);
    ring.pump();
    const r = conn.responsesTo(id);
    assert.equal(r.length, 1, 'answered exactly once');
    return r[0]!;
  };
  return { ring, quorum, form, ask };
}

function events(conn: FakeConnection): QuorumServiceEventValue[] {
  const out = conn.events.map((e) => {
    const d = decodeQuorumServiceEvent(e.messageId, e.payload);
    assert.ok(d.ok, `event ${e.messageId} decodes`);
    return d.value;
  });
  conn.events.length = 0;
  return out;
}

const u32 = (p: Uint8Array): number => {
  const r = decodeU32(p);
  assert.ok(r.ok);
  return r.value;
};

test('on votequorum: QUORUM_SET, getquorate follows the decision; a V0 tracker hears quorum notifications only', () => {
  const { quorum, form, ask } = cluster(3, true);
  const conn = new FakeConnection(1);
  assert.equal(u32(ask(1, conn, QuorumRequest.gettype).payload), QuorumType.set);
  assert.equal(u32(ask(1, conn, QuorumRequest.getquorate).payload), 0, 'not quorate before the first decision');
  form([1, 2, 3]);
  assert.equal(u32(ask(1, conn, QuorumRequest.getquorate).payload), 1);
  const start = ask(1, conn, QuorumRequest.trackstart, encodeU32(1 | 2));
  assert.equal(start.status, 'CS_OK');
  const first = events(conn);
  assert.equal(first.length, 1, 'V0: no node list');
  assert.deepEqual(first[0], { type: 'notification', quorate: true, ringSeq: first[0]!.type === 'notification' ? first[0]!.ringSeq : -1, view: [1, 2, 3] });
  form([1]);
  assert.deepEqual(events(conn).map((e) => e.type === 'notification' && [e.quorate, e.view]), [[false, [1]]]);
  assert.equal(quorum.get(1)!.quorate, false);
  assert.equal(u32(ask(1, conn, QuorumRequest.getquorate).payload), 0);
});

test('V1: node list with joined/left at each activation, before the quorum decision; the immediate one has none', () => {
  const { ring, form, ask } = cluster(3, true);
  form([1, 2, 3]);
  const conn = new FakeConnection(1);
  const model = ask(1, conn, QuorumRequest.modelGettype, encodeU32(QuorumModel.v1));
  assert.deepEqual([model.status, u32(model.payload)], ['CS_OK', QuorumType.set]);
  assert.equal(ask(1, conn, QuorumRequest.trackstart, encodeU32(1 | 2)).status, 'CS_OK');
  const ringId = ring.ringId;
  assert.deepEqual(events(conn), [
    { type: 'nodelist', ringId, members: [1, 2, 3], joined: [], left: [] },
    { type: 'quorum', quorate: true, ringId, view: [1, 2, 3] },
  ]);
  form([1, 2]);
  assert.deepEqual(events(conn), [
    { type: 'nodelist', ringId: ring.ringId, members: [1, 2], joined: [], left: [3] },
    { type: 'quorum', quorate: true, ringId: ring.ringId, view: [1, 2] },
  ]);
  form([1, 2, 3]);
  assert.deepEqual(events(conn).map((e) => e.type === 'nodelist' ? [e.joined, e.left] : e.type), [[[3], []], 'quorum']);
  // Already tracking: the current state is sent again, then CS_ERR_EXIST.
  assert.equal(ask(1, conn, QuorumRequest.trackstart, encodeU32(2)).status, 'CS_ERR_EXIST');
  assert.equal(events(conn).length, 2);
  // trackstop: CS_OK, and again CS_OK although no longer tracking (Corosync 3.1.7).
  assert.equal(ask(1, conn, QuorumRequest.trackstop).status, 'CS_OK');
  assert.equal(ask(1, conn, QuorumRequest.trackstop).status, 'CS_OK');
  form([1, 2]);
  assert.equal(events(conn).length, 0, 'stopped: nothing more');
});

test('without a provider: QUORUM_FREE, always quorate, and every activation announces quorate with the members', () => {
  const { ring, quorum, form, ask } = cluster(2, false);
  const conn = new FakeConnection(1);
  assert.equal(u32(ask(1, conn, QuorumRequest.gettype).payload), QuorumType.free);
  assert.equal(u32(ask(1, conn, QuorumRequest.getquorate).payload), 1, 'quorate before any ring');
  ask(1, conn, QuorumRequest.modelGettype, encodeU32(QuorumModel.v1));
  assert.equal(ask(1, conn, QuorumRequest.trackstart, encodeU32(4)).status, 'CS_OK', 'CHANGES_ONLY');
  assert.equal(events(conn).length, 0);
  form([1]);
  assert.deepEqual(events(conn), [
    { type: 'nodelist', ringId: ring.ringId, members: [1], joined: [1], left: [] },
    { type: 'quorum', quorate: true, ringId: ring.ringId, view: [1] },
  ]);
  assert.equal(quorum.get(1)!.quorate, true);
});

test('bad requests: wrong lengths, unknown flags and models are CS_ERR_INVALID_PARAM; a closed tracker hears nothing', () => {
  const { quorum, ring, form, ask } = cluster(2, true);
  form([1, 2]);
  const conn = new FakeConnection(1);
  assert.equal(ask(1, conn, QuorumRequest.getquorate, new Uint8Array(1)).status, 'CS_ERR_INVALID_PARAM');
  assert.equal(ask(1, conn, QuorumRequest.trackstart, new Uint8Array(2)).status, 'CS_ERR_INVALID_PARAM');
  assert.equal(ask(1, conn, QuorumRequest.trackstart, encodeU32(8)).status, 'CS_ERR_INVALID_PARAM');
  const bad = ask(1, conn, QuorumRequest.modelGettype, encodeU32(2));
  assert.deepEqual([bad.status, u32(bad.payload)], ['CS_ERR_INVALID_PARAM', QuorumType.set], 'the type is still answered');
  assert.equal(ask(1, conn, 9).status, 'CS_ERR_INVALID_PARAM', 'no such request');
  assert.equal(ask(1, conn, QuorumRequest.trackstart, encodeU32(2)).status, 'CS_OK');
  events(conn);
  ring.execs.get(1)!.connectionClosed(conn);
  form([1]);
  assert.equal(events(conn).length, 0);
  assert.equal(quorum.get(1)!.statusSection()['trackers'], 0);
});
