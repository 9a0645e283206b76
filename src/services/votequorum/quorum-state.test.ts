import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuorumState, type QuorumEffect, type VotequorumConfig } from './quorum-state.js';

const BASE: VotequorumConfig = {
  votes: 1, expectedVotes: 5, twoNode: false, waitForAll: false, lastManStanding: false,
  lastManStandingWindowMs: 10_000, autoTieBreaker: { kind: 'none' }, allowDownscale: false,
};

/** Nodes 1..n, each with its own QuorumState; `form` runs one sync as the executive would. */
class Cluster {
  readonly states = new Map<number, QuorumState>();
  readonly effects = new Map<number, QuorumEffect[]>();

  constructor(n: number, config: Partial<VotequorumConfig> = {}) {
    for (let id = 1; id <= n; id++) {
      this.states.set(id, new QuorumState(id, { ...BASE, expectedVotes: n, ...config }));
      this.effects.set(id, []);
    }
  }

  /** One partition's sync: init on every member, every member's NODEINFO to all in id order, activate. */
  form(members: number[]): void {
    for (const id of members) this.effects.get(id)!.push(...this.states.get(id)!.syncInit(members));
    const infos = members.map((id) => this.states.get(id)!.ownInfo());
    for (const info of infos) for (const id of members) this.effects.get(id)!.push(...this.states.get(id)!.nodeInfo(info));
    for (const id of members) this.effects.get(id)!.push(...this.states.get(id)!.syncActivate());
  }

  state(id: number): QuorumState {
    return this.states.get(id)!;
  }

  lastQuorum(id: number): boolean | undefined {
    const q = this.effects.get(id)!.filter((e) => e.kind === 'quorum');
    return q.length ? (q[q.length - 1] as { quorate: boolean }).quorate : undefined;
  }
}

test('the threshold is floor(expected / 2) + 1', () => {
  const expected = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const quorums = expected.map((ev) => {
    const c = new Cluster(ev);
    c.form(Array.from({ length: ev }, (_, i) => i + 1));
    return c.state(1).quorum;
  });
  assert.deepEqual(quorums, [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
});

test('a 2|3 split of five: the three stay quorate, the two do not, and quorum does not drop by itself', () => {
  const c = new Cluster(5);
  c.form([1, 2, 3, 4, 5]);
  assert.equal(c.lastQuorum(1), true);
  c.form([1, 2]);
  c.form([3, 4, 5]);
  assert.equal(c.lastQuorum(1), false);
  assert.equal(c.lastQuorum(3), true);
  assert.equal(c.state(3).quorum, 3);
  assert.equal(c.state(1).quorum, 3);
  assert.equal(c.state(3).totalVotes, 3);
  // The merge: everyone quorate again with the same figures.
  c.form([1, 2, 3, 4, 5]);
  for (const id of [1, 2, 3, 4, 5]) {
    assert.equal(c.lastQuorum(id), true);
    assert.equal(c.state(id).quorum, 3);
    assert.equal(c.state(id).highestExpected, 5);
  }
});

test('expected votes follow the highest total seen', () => {
  const c = new Cluster(4, { expectedVotes: 2 });
  c.form([1, 2, 3, 4]);
  assert.equal(c.state(1).expectedVotes, 4);
  assert.equal(c.state(1).quorum, 3);
  assert.ok(c.effects.get(1)!.some((e) => e.kind === 'expected-votes' && e.expectedVotes === 4));
});

test('two_node: quorate with one node once both were seen (wait_for_all implied)', () => {
  const c = new Cluster(2, { twoNode: true, waitForAll: true });
  c.form([1]);
  assert.equal(c.lastQuorum(1), false, 'a lone first node waits for all');
  c.form([1, 2]);
  assert.equal(c.lastQuorum(1), true);
  assert.equal(c.state(1).quorum, 1, 'two_node: quorum is 1 with both nodes too (corosync-quorumtool shows Quorum: 1)');
  c.form([1]);
  assert.equal(c.lastQuorum(1), true, 'the survivor of two keeps quorum');
  assert.equal(c.state(1).quorum, 1);
});

test('wait_for_all: a restarted cluster waits for every node once, and re-arms when quorum is lost', () => {
  const c = new Cluster(3, { waitForAll: true });
  c.form([1, 2]);
  assert.equal(c.lastQuorum(1), false, '2 of 3 votes, but waiting for all');
  c.form([1, 2, 3]);
  assert.equal(c.lastQuorum(1), true);
  c.form([1, 2]);
  assert.equal(c.lastQuorum(1), true, 'once all were seen, a majority is enough');
  c.form([1]);
  assert.equal(c.lastQuorum(1), false);
  assert.equal(c.state(1).waitForAllStatus, true, 'losing quorum re-arms wait_for_all');
});

test('last_man_standing: after the window, expected votes shrink to the members', () => {
  const c = new Cluster(5, { lastManStanding: true, lastManStandingWindowMs: 10_000 });
  c.form([1, 2, 3, 4, 5]);
  c.form([1, 2, 3]);
  assert.ok(c.effects.get(1)!.some((e) => e.kind === 'arm-lms' && e.afterMs === 10_000));
  assert.equal(c.lastQuorum(1), true);
  for (const id of [1, 2, 3]) c.state(id).lastManStandingExpired();
  assert.equal(c.state(1).quorum, 2);
  assert.equal(c.state(1).expectedVotes, 3);
  c.form([1, 2]);
  assert.equal(c.lastQuorum(1), true, 'two of the last three keep quorum');
});

test('auto_tie_breaker lowest: an even split goes to the half with the lowest node id', () => {
  const c = new Cluster(4, { autoTieBreaker: { kind: 'lowest' } });
  c.form([1, 2, 3, 4]);
  c.form([1, 2]);
  c.form([3, 4]);
  assert.equal(c.lastQuorum(1), true);
  assert.equal(c.lastQuorum(3), false);
});

test('auto_tie_breaker list: the first listed node present wins', () => {
  const c = new Cluster(4, { autoTieBreaker: { kind: 'list', nodes: [3, 1] } });
  c.form([1, 2, 3, 4]);
  c.form([1, 2]);
  c.form([3, 4]);
  assert.equal(c.lastQuorum(3), true);
  assert.equal(c.lastQuorum(1), false, 'node 3, listed first, was with us and is gone');
});

test('without a tie breaker an even split leaves both halves inquorate', () => {
  const c = new Cluster(4);
  c.form([1, 2, 3, 4]);
  c.form([1, 2]);
  c.form([3, 4]);
  assert.equal(c.lastQuorum(1), false);
  assert.equal(c.lastQuorum(3), false);
});

test('setexpected and setvotes checks', () => {
  const c = new Cluster(5);
  c.form([1, 2, 3, 4, 5]);
  const s = c.state(1);
  assert.equal(s.checkSetExpected(4), 'invalid', 'below the total');
  assert.equal(s.checkSetExpected(9), 'ok');
  assert.equal(s.checkSetExpected(11), 'invalid', 'quorum 6 with 5 votes: quorum lost');
  assert.equal(s.checkSetVotes(9, 1), 'not-found');
  assert.equal(s.checkSetVotes(2, 2), 'ok');
  for (const id of [1, 2, 3, 4, 5]) c.state(id).reconfigureExpected(7);
  assert.equal(c.state(3).quorum, 4);
  assert.equal(c.state(3).quorate, true);
});

test('a node with more than one vote switches last_man_standing off', () => {
  const c = new Cluster(3, { lastManStanding: true });
  c.form([1, 2, 3]);
  for (const id of [1, 2, 3]) c.state(id).reconfigureVotes(2, 2);
  c.state(1).nodeInfo({ nodeId: 2, votes: 2, expectedVotes: 4, flags: 1 });
  c.form([1, 3]);
  assert.equal(c.state(1).lastManStandingExpired().length, 0, 'no shrinking: LMS is off');
});

test('fixes against Corosync: a member whose NODEINFO has not arrived is not counted for two_node', () => {
  // Nodes 1 and 2 in two_node; a third member appears. Before its NODEINFO it is not a member
  // yet (Corosync creates nodes from NODEINFO only), so two_node's "at most two" still holds.
  const s = new QuorumState(1, { ...BASE, expectedVotes: 2, twoNode: true, waitForAll: false });
  s.syncInit([1, 2, 3]);
  s.nodeInfo({ nodeId: 1, votes: 1, expectedVotes: 2, flags: 0 });
  s.nodeInfo({ nodeId: 2, votes: 1, expectedVotes: 2, flags: 0 });
  assert.equal([...s.nodes.values()].filter((n) => n.state === 1).length, 2);
  assert.equal(s.quorum, 1);
  s.nodeInfo({ nodeId: 3, votes: 1, expectedVotes: 2, flags: 0 });
  assert.equal(s.quorum, 2);
});

test('fixes against Corosync: a LEAVING node lowers expected votes to the members even without allow_downscale here', () => {
  const c = new Cluster(3);
  c.form([1, 2, 3]);
  const s = c.state(1);
  assert.equal(s.quorum, 2);
  s.nodeInfo({ nodeId: 3, votes: 1, expectedVotes: 3, flags: 2 /* LEAVING */ | 1 });
  assert.equal(s.nodes.get(3)!.state, 3);
  // recalculate_quorum(1, 1): every member's expected votes := 2 members.
  assert.equal(s.nodes.get(1)!.expectedVotes, 2);
  assert.equal(s.quorum, 2);
});

test('fixes against Corosync: wait_for_all ends on a quorate NODEINFO only after that message\'s recalculation', () => {
  // Node 3 restarts alone (WFA armed) and joins 1,2 that are quorate with expected 3.
  const s = new QuorumState(3, { ...BASE, expectedVotes: 3, waitForAll: true });
  s.syncInit([1, 2, 3]);
  const e1 = s.nodeInfo({ nodeId: 1, votes: 1, expectedVotes: 3, flags: 1 /* QUORATE */ });
  assert.equal(s.waitForAllStatus, false);
  assert.equal(s.quorate, false, 'still waiting while that message was counted');
  assert.deepEqual(e1.filter((e) => e.kind === 'quorum'), []);
  s.nodeInfo({ nodeId: 2, votes: 1, expectedVotes: 3, flags: 1 });
  s.nodeInfo(s.ownInfo());
  const act = s.syncActivate();
  assert.deepEqual(act.filter((e) => e.kind === 'quorum'), [{ kind: 'quorum', quorate: true }]);
});

test('fixes against Corosync: a flags-only change recalculates; last_man_standing off cancels its timer', () => {
  const s = new QuorumState(1, { ...BASE, expectedVotes: 3, lastManStanding: true });
  s.syncInit([1, 2]);
  s.nodeInfo(s.ownInfo());
  const effects = s.nodeInfo({ nodeId: 2, votes: 2, expectedVotes: 3, flags: 0 });
  assert.ok(effects.some((e) => e.kind === 'cancel-lms'));
  // Same votes and expected votes, new flags: Corosync compares flags too.
  const before = s.quorum;
  const again = s.nodeInfo({ nodeId: 2, votes: 2, expectedVotes: 3, flags: 8 /* FIRST */ });
  assert.equal(s.quorum, before);
  assert.ok(Array.isArray(again));
});

test('fixes against Corosync: setexpected\'s trial ignores allow_downscale (the barrier does not raise the value tried)', () => {
  // Four nodes, auto_tie_breaker and allow_downscale, split 2|2: the half with node 1 is quorate
  // by the tie breaker with 2 votes. Trying expected 2 is judged as 2 (quorum 2 <= 2 votes), not
  // as max(barrier 4, 2) (quorum 3 > 2 votes: refused).
  const c = new Cluster(4, { allowDownscale: true, autoTieBreaker: { kind: 'lowest' } });
  c.form([1, 2, 3, 4]);
  c.form([1, 2]);
  c.form([3, 4]);
  const s = c.state(1);
  assert.deepEqual([s.quorate, c.state(3).quorate], [true, false]);
  assert.equal(s.evBarrier, 4);
  assert.equal(s.checkSetExpected(2), 'ok');
});

test('allow_downscale (note 1.4): a LEAVING node is taken out at once; expected votes shrink to the members, quorum never below the barrier', () => {
  const c = new Cluster(5, { allowDownscale: true });
  c.form([1, 2, 3, 4, 5]);
  const leaving = c.state(5).leave();
  assert.equal(leaving.flags & 2, 2, 'the NODEINFO carries LEAVING');
  for (const id of [1, 2, 3, 4]) c.state(id).nodeInfo(leaving);
  const s = c.state(1);
  assert.equal(s.nodes.get(5)!.state, 3, 'LEAVING');
  // recalculate_quorum(1, 1): members' expected votes := 4; quorum from max(ev_barrier 5, 4 members).
  assert.deepEqual([s.expectedVotes, s.highestExpected, s.totalVotes, s.quorum, s.quorate], [4, 4, 4, 3, true]);
  c.form([1, 2, 3, 4]);
  assert.equal(s.nodes.get(5)!.state, 2, 'gone from the ring: dead');
  assert.deepEqual([s.expectedVotes, s.highestExpected, s.quorum, c.lastQuorum(1)], [4, 4, 3, true]);
  // A second clean stop: three left, still quorate (3 of the barrier's 5).
  const four = c.state(4).leave();
  for (const id of [1, 2, 3]) c.state(id).nodeInfo(four);
  c.form([1, 2, 3]);
  assert.deepEqual([s.expectedVotes, s.quorum, s.quorate], [3, 3, true]);
  // A third: the barrier (5 configured) keeps the threshold at 3, so two nodes block.
  const three = c.state(3).leave();
  for (const id of [1, 2]) c.state(id).nodeInfo(three);
  assert.deepEqual([s.expectedVotes, s.totalVotes, s.quorum, s.quorate], [2, 2, 3, false]);
});

test('without allow_downscale a node that stops is only dead at the next configuration: expected votes stay', () => {
  const c = new Cluster(5);
  c.form([1, 2, 3, 4, 5]);
  c.form([1, 2, 3, 4]);
  assert.deepEqual([c.state(1).expectedVotes, c.state(1).quorum], [5, 3]);
});

test('expected_votes_tracking: the stored barrier wins over the configuration; a rise is reported for storing; reported expected votes are taken as they come', () => {
  const stored = new QuorumState(1, { ...BASE, expectedVotes: 5, expectedVotesTracking: true }, { storedEvBarrier: 7 });
  assert.deepEqual([stored.expectedVotes, stored.evTrackingBarrier, stored.evBarrier], [7, 7, 7]);
  // Nothing stored yet: quorum.expected_votes is replaced by the (zero) barrier, so the nodelist sum applies.
  const fresh = new QuorumState(1, { ...BASE, expectedVotes: 5, nodelistExpectedVotes: 3, expectedVotesTracking: true }, { storedEvBarrier: 0 });
  assert.equal(fresh.expectedVotes, 3);
  fresh.syncInit([1, 2]);
  const effects = [...fresh.nodeInfo(fresh.ownInfo()), ...fresh.nodeInfo({ nodeId: 2, votes: 3, expectedVotes: 3, flags: 0 })];
  // The first recalculation stores 3 (above the empty barrier); total 4 > 3 raises expected votes and the barrier follows.
  assert.deepEqual(effects.filter((e) => e.kind === 'ev-tracking'), [{ kind: 'ev-tracking', barrier: 3 }, { kind: 'ev-tracking', barrier: 4 }]);
  assert.equal(fresh.evTrackingBarrier, 4);
  // An inquorate node's expected votes are recorded as sent (without tracking: replaced by ours).
  fresh.nodeInfo({ nodeId: 3, votes: 1, expectedVotes: 9, flags: 0 });
  assert.equal(fresh.nodes.get(3)!.expectedVotes, 9);
  const plain = new QuorumState(1, { ...BASE, expectedVotes: 5 });
  plain.syncInit([1, 3]);
  plain.nodeInfo({ nodeId: 3, votes: 1, expectedVotes: 9, flags: 0 });
  assert.equal(plain.nodes.get(3)!.expectedVotes, 5);
  // setexpected with tracking: our own expected votes never fall below the stored barrier.
  stored.syncInit([1]);
  stored.nodeInfo(stored.ownInfo());
  stored.reconfigureExpected(2);
  assert.deepEqual([stored.evBarrier, stored.expectedVotes], [2, 7]);
});
