/**
 * The votequorum service on hand-driven executives (LoopRing): library requests and their
 * refusals, tracking (CURRENT / CHANGES / CHANGES_ONLY, EXIST, NOT_EXIST, dropped on close), the
 * answer to setexpected once applied, and the last-man-standing timer on an injected clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopRing } from '../../exec/testing/loop-ring.js';
import { FakeConnection } from '../../exec/testing/fake-connection.js';
import { decodeEvent, decodeInfo, encodeU32s, TrackFlag, VotequorumRequest } from '../../protocol/votequorum.js';
import { VotequorumService } from './service.js';
import type { VotequorumConfig } from './quorum-state.js';
import { VOTEQUORUM_SERVICE_ID } from './wire.js';

const CONFIG: VotequorumConfig = {
  votes: 1, expectedVotes: 3, twoNode: false, waitForAll: false, lastManStanding: false,
  lastManStandingWindowMs: 5000, autoTieBreaker: { kind: 'none' }, allowDownscale: false,
};

function cluster(n: number, config: Partial<VotequorumConfig> = {}) {
  const ring = new LoopRing();
  const timers: { ms: number; run: () => void; on: boolean }[] = [];
  const services = new Map<number, VotequorumService>();
  for (let id = 1; id <= n; id++) {
    const svc = new VotequorumService({
      config: { ...CONFIG, expectedVotes: n, ...config },
      timer: (ms, run) => {
        const t = { ms, run, on: true };
        timers.push(t);
        return () => (t.on = false);
      },
    });
    services.set(id, svc);
    ring.add(id, [svc]);
  }
  const form = (members: number[]): void => {
    ring.configure(members);
    ring.pump();
  };
  let requestId = 1;
  const ask = (node: number, conn: FakeConnection, messageId: number, payload: Uint8Array = new Uint8Array(0)) => {
    const id = requestId++;
    ring.execs.get(node)!.request(conn, VOTEQUORUM_SERVICE_ID, messageId, id, payload);
    ring.pump();
    return conn.responsesTo(id);
  };
  return { ring, services, timers, form, ask };
}

test('getinfo, setexpected and setvotes: answers, refusals with Corosync\'s codes, nothing changed by a refusal', () => {
  const { services, form, ask } = cluster(3);
  form([1, 2, 3]);
  assert.equal(services.get(1)!.quorate, true);
  const conn = new FakeConnection(1);
  const info = ask(1, conn, VotequorumRequest.getinfo, encodeU32s(0));
  assert.equal(info[0]!.status, 'CS_OK');
  const i = decodeInfo(info[0]!.payload);
  assert.ok(i.ok);
  assert.deepEqual([i.value.nodeId, i.value.votes, i.value.expectedVotes, i.value.totalVotes, i.value.quorum, i.value.flags], [1, 1, 3, 3, 2, 2]);
  assert.equal(ask(1, conn, VotequorumRequest.getinfo, encodeU32s(9))[0]!.status, 'CS_ERR_NOT_EXIST');
  assert.equal(ask(1, conn, VotequorumRequest.getinfo, new Uint8Array(3))[0]!.status, 'CS_ERR_INVALID_PARAM');
  assert.equal(ask(1, conn, VotequorumRequest.setexpected, encodeU32s(2))[0]!.status, 'CS_ERR_INVALID_PARAM', 'below the total votes');
  assert.equal(ask(1, conn, VotequorumRequest.setexpected, encodeU32s(0))[0]!.status, 'CS_ERR_INVALID_PARAM');
  assert.equal(ask(1, conn, VotequorumRequest.setexpected, encodeU32s(7))[0]!.status, 'CS_ERR_INVALID_PARAM', 'quorum 4 > 3 votes: would lose quorum');
  assert.equal(ask(1, conn, VotequorumRequest.setvotes, encodeU32s(1, 9))[0]!.status, 'CS_ERR_NAME_NOT_FOUND');
  assert.equal(services.get(2)!.core.expectedVotes, 3);
  // Accepted: answered once applied in agreed order, on every node.
  assert.equal(ask(1, conn, VotequorumRequest.setexpected, encodeU32s(4))[0]!.status, 'CS_OK');
  for (const s of services.values()) assert.deepEqual([s.core.expectedVotes, s.core.quorum, s.quorate], [4, 3, true]);
  assert.equal(ask(2, conn, VotequorumRequest.setvotes, encodeU32s(2, 3))[0]!.status, 'CS_OK');
  for (const s of services.values()) assert.equal(s.core.nodes.get(3)!.votes, 2);
  assert.equal(ask(1, conn, 9)[0]!.status, 'CS_ERR_INVALID_PARAM', 'a request id without a handler');
});

test('tracking: CURRENT sends nodelist then quorum at once; CHANGES keeps sending; EXIST, NOT_EXIST; a closed connection is dropped', () => {
  const { ring, services, form, ask } = cluster(3);
  form([1, 2, 3]);
  const current = new FakeConnection(1);
  assert.equal(ask(1, current, VotequorumRequest.trackstart, encodeU32s(TrackFlag.current))[0]!.status, 'CS_OK');
  assert.deepEqual(current.events.map((e) => decodeEvent(e.messageId, e.payload).ok && decodeEvent(e.messageId, e.payload)), [
    { ok: true, value: { type: 'nodelist', ringId: ring.ringId, members: [1, 2, 3] } },
    { ok: true, value: { type: 'quorum', quorate: true, ringId: ring.ringId, nodes: [{ nodeId: 1, state: 1 }, { nodeId: 2, state: 1 }, { nodeId: 3, state: 1 }] } },
  ]);
  // CURRENT alone does not register: a second trackstart is not EXIST.
  assert.equal(ask(1, current, VotequorumRequest.trackstop)[0]!.status, 'CS_ERR_NOT_EXIST');
  const changes = new FakeConnection(2);
  assert.equal(ask(1, changes, VotequorumRequest.trackstart, encodeU32s(TrackFlag.changesOnly))[0]!.status, 'CS_OK');
  assert.equal(changes.events.length, 0);
  assert.equal(ask(1, changes, VotequorumRequest.trackstart, encodeU32s(TrackFlag.changes))[0]!.status, 'CS_ERR_EXIST');
  assert.equal(ask(1, changes, VotequorumRequest.trackstart, encodeU32s(64))[0]!.status, 'CS_ERR_INVALID_PARAM');
  changes.events.length = 0;
  form([1, 2]);
  const types = changes.events.map((e) => { const d = decodeEvent(e.messageId, e.payload); return d.ok ? d.value.type : 'bad'; });
  assert.deepEqual(types, ['nodelist', 'quorum']);
  ring.execs.get(1)!.connectionClosed(changes);
  changes.events.length = 0;
  form([1, 2, 3]);
  assert.equal(changes.events.length, 0, 'a closed connection hears nothing');
  assert.equal(services.get(1)!.statusSection()['trackers'], 0);
});

test('two of three gone: not quorate, listeners told once per change; the partition of one with expected 3 blocks', () => {
  const { services, form } = cluster(3);
  const heard: boolean[] = [];
  services.get(1)!.onQuorumChange((q) => heard.push(q));
  form([1, 2, 3]);
  form([1]);
  form([1, 2]);
  assert.deepEqual(heard, [true, false, true]);
  assert.equal(services.get(1)!.core.quorum, 2);
});

test('last_man_standing: the timer comes from the host clock; on expiry expected votes shrink to the members', () => {
  const { services, timers, form } = cluster(5, { lastManStanding: true });
  form([1, 2, 3, 4, 5]);
  form([1, 2, 3]);
  const armed = timers.filter((t) => t.on);
  assert.ok(armed.length >= 1 && armed.every((t) => t.ms === 5000));
  assert.equal(services.get(1)!.core.quorum, 3);
  for (const t of armed) t.run();
  for (const id of [1, 2, 3]) assert.deepEqual([services.get(id)!.core.quorum, services.get(id)!.core.highestExpected], [2, 3]);
  // Now two of the three may stay quorate.
  form([1, 2]);
  assert.equal(services.get(1)!.quorate, true);
});

test('allow_downscale: leaving() multicasts NODEINFO with LEAVING outside sync and every node applies it at once; without the option nothing is sent', () => {
  const { ring, services, form } = cluster(3, { allowDownscale: true });
  form([1, 2, 3]);
  assert.equal(ring.execs.get(1)!.syncInProcess, false);
  assert.equal(services.get(3)!.leaving(), true);
  ring.pump();
  for (const id of [1, 2]) {
    const core = services.get(id)!.core;
    assert.deepEqual([core.nodes.get(3)!.state, core.expectedVotes, core.totalVotes, services.get(id)!.quorate], [3, 2, 2, true]);
  }
  assert.equal(ring.execs.get(1)!.stats.dropped.staleSync, 0, 'applied, not dropped as a stale sync message');
  const plain = cluster(3);
  plain.form([1, 2, 3]);
  assert.equal(plain.services.get(3)!.leaving(), false);
});

test('expected-votes tracking: the stored barrier is read at start, written at start and on every rise', () => {
  const ring = new LoopRing();
  const saved: number[] = [];
  const store = { load: () => 4, save: (b: number) => void saved.push(b) };
  const svc = new VotequorumService({ config: { ...CONFIG, expectedVotes: 3, expectedVotesTracking: true }, evStore: store });
  ring.add(1, [svc]);
  assert.deepEqual([svc.core.expectedVotes, svc.core.quorum], [4, 0]);
  ring.configure([1]);
  ring.pump();
  assert.deepEqual([svc.core.quorum, svc.quorate], [3, false], '1 vote of 4 expected');
  assert.deepEqual(saved, [4], 'written at start; no rise');
  const status = svc.statusSection();
  assert.deepEqual([status['evBarrier'], status['evTrackingBarrier'], status['waitForAllStatus']], [4, 4, false]);
  const broken = new VotequorumService({ config: { ...CONFIG, allowDownscale: true }, evStore: { load: () => { throw new Error('EIO'); }, save: () => { throw new Error('EROFS'); } } });
  new LoopRing().add(1, [broken]);
  assert.deepEqual([broken.stats.evStoreErrors, broken.core.evTrackingBarrier], [2, 0], 'read and write failures are counted, not thrown');
});
